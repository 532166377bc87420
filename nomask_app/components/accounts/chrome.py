"""Pieces of the page chrome about the account: theme and verification reminder."""

import reflex as rx
from reflex.style import color_mode, set_color_mode

from nomask_app.states.accounts.chrome import ChromeState

THEME_LABELS = {"system": "System", "light": "Light", "dark": "Dark"}


def _apply(theme: str) -> rx.Component:
    # Mounting applies the mode; a change of theme swaps in another element.
    return rx.box(on_mount=set_color_mode(theme), display="none")


def theme_applier() -> rx.Component:
    """Apply the signed-in person's stored theme (Reflex's colour mode)."""
    return rx.match(
        ChromeState.theme,
        *((theme, _apply(theme)) for theme in THEME_LABELS),
        rx.fragment(),
    )


def verify_reminder() -> rx.Component:
    """Until the address is verified: a reminder with a button to resend the link."""
    return rx.cond(
        ~ChromeState.email_verified & ~ChromeState.reminder_hidden,
        rx.callout.root(
            rx.callout.text(
                "Please confirm your email address: open the link we sent you. ",
                ChromeState.verification_notice,
            ),
            rx.hstack(
                rx.button(
                    "Send the link again",
                    size="1",
                    variant="soft",
                    on_click=ChromeState.resend_verification,
                    high_contrast=True,
                ),
                rx.button(
                    "Remind me later",
                    size="1",
                    variant="ghost",
                    on_click=ChromeState.hide_reminder,
                    high_contrast=True,
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            color_scheme="amber",
            high_contrast=True,
            role="status",
        ),
    )


def account_notices() -> rx.Component:
    """Everything above a signed-in page's title; loads the account's preferences."""
    return rx.box(theme_applier(), verify_reminder(), on_mount=ChromeState.load)


def theme_picker() -> rx.Component:
    """Light / dark / system before sign-in; stored on this device only with consent."""
    return rx.select.root(
        rx.select.trigger(aria_label="Theme", variant="ghost"),
        rx.select.content(
            *(rx.select.item(label, value=value) for value, label in THEME_LABELS.items())
        ),
        value=color_mode,
        on_change=lambda value: set_color_mode(value),
        size="2",
    )
