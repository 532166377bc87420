"""The privacy center's deletion section: all conversations, or the whole account."""

import reflex as rx

from nomask_app.components.accounts.handoff import sign_out_event
from nomask_app.components.common.forms import form_alert, text_field
from nomask_app.states.privacy.deletion import DeletionState


def _delete_conversations() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Delete all conversations", color_scheme="red", variant="soft", high_contrast=True
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete all conversations?"),
            rx.alert_dialog.description(
                "Every conversation, with its messages and the files and images attached to "
                "it, is deleted for good. Your account, settings and other images stay. "
                "This cannot be undone."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Yes, delete them all",
                        color_scheme="red",
                        high_contrast=True,
                        on_click=DeletionState.delete_conversations,
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=DeletionState.conversations_open,
        on_open_change=DeletionState.set_conversations_open,
    )


def _delete_account_form() -> rx.Component:
    errors = DeletionState.account_errors
    return rx.form(
        rx.flex(
            form_alert(DeletionState.account_alert),
            text_field(
                "Current password",
                "delete-account-password",
                name="current_password",
                input_type="password",
                autocomplete="current-password",
                error=errors.get("current_password", ""),
            ),
            text_field(
                "Type DELETE to confirm",
                "delete-account-confirmation",
                name="confirmation",
                autocomplete="off",
                error=errors.get("confirmation", ""),
                max_length=20,
            ),
            rx.flex(
                rx.dialog.close(
                    rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                ),
                rx.button(
                    "Delete my account",
                    type="submit",
                    color_scheme="red",
                    high_contrast=True,
                    loading=DeletionState.deleting,
                ),
                justify="end",
                spacing="3",
            ),
            direction="column",
            spacing="3",
        ),
        on_submit=DeletionState.delete_account,
        reset_on_submit=False,
        no_validate=True,
    )


def _delete_account() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button("Delete account", color_scheme="red", variant="outline")),
        rx.dialog.content(
            rx.dialog.title("Delete your account?"),
            rx.dialog.description(
                "Your account and everything in it are deleted for good: conversations, "
                "messages, files and images, sessions, consents, security events, exports "
                "and billing records. Any subscription is canceled at once. We send a "
                "confirmation to your email address, then you are signed out. This cannot "
                "be undone."
            ),
            rx.box(_delete_account_form(), margin_top="1rem"),
        ),
        open=DeletionState.account_open,
        on_open_change=DeletionState.set_account_open,
    )


def delete_section() -> rx.Component:
    """Buttons that delete conversations or the account, each behind a confirmation."""
    return rx.flex(
        rx.text(
            "Delete a single conversation from the chat (its Delete button). Here you can "
            "delete all of them at once, or your whole account."
        ),
        rx.cond(
            DeletionState.conversations_notice != "",
            rx.callout(DeletionState.conversations_notice, color_scheme="green", role="status"),
        ),
        rx.flex(_delete_conversations(), _delete_account(), spacing="3", wrap="wrap"),
        rx.cond(
            DeletionState.account_deleted != "",
            rx.callout(
                DeletionState.account_deleted,
                role="status",
                color_scheme="green",
                # The tab's server-side state forgets the person first, then the
                # browser posts the sign-out (the session cookie is HttpOnly).
                on_mount=[DeletionState.forget_deleted_account, sign_out_event()],
            ),
        ),
        direction="column",
        spacing="3",
    )
