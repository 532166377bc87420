"""The "Two-factor sign-in" part of the settings page."""

import reflex as rx

from nomask_app.components.common.forms import text_field
from nomask_app.states.accounts.twofactor import TwoFactorState


def _group(title: str, *children: rx.Component, on_submit) -> rx.Component:
    return rx.form(
        rx.el.fieldset(
            rx.el.legend(rx.heading(title, as_="h3", size="3"), class_name="nm-legend"),
            rx.flex(*children, direction="column", spacing="2"),
            class_name="nm-fieldset",
        ),
        on_submit=on_submit,
        reset_on_submit=True,
        no_validate=True,
    )


def _recovery_codes() -> rx.Component:
    return rx.cond(
        TwoFactorState.recovery_codes.length() > 0,
        rx.callout.root(
            rx.callout.text(
                "Your recovery codes. Each signs you in once if you cannot use your app. "
                "Store them somewhere safe now: they are not shown again."
            ),
            rx.el.ul(
                rx.foreach(TwoFactorState.recovery_codes, lambda code: rx.el.li(rx.code(code))),
                class_name="nm-recovery-codes",
                aria_label="Recovery codes",
            ),
            rx.button(
                "Hide the codes", size="1", variant="soft", on_click=TwoFactorState.hide_codes
            ),
            color_scheme="amber",
            high_contrast=True,
        ),
    )


def _enrolment() -> rx.Component:
    return rx.flex(
        rx.text(
            "1. Scan this code with an authenticator app (for example Aegis, 2FAS or "
            "Google Authenticator)."
        ),
        rx.image(
            src=TwoFactorState.qr_code,
            alt="QR code to add NoMask AI to your authenticator app",
            width="200px",
            height="200px",
        ),
        rx.text("Cannot scan it? Enter this key in the app: ", rx.code(TwoFactorState.secret)),
        _group(
            "2. Enter the code your app shows",
            text_field(
                "Authentication code",
                "twofactor-code",
                name="code",
                autocomplete="one-time-code",
                error=TwoFactorState.code_error,
                max_length=32,
            ),
            rx.hstack(
                rx.button("Turn on two-factor sign-in", type="submit"),
                rx.button("Cancel", type="button", variant="soft", on_click=TwoFactorState.cancel),
            ),
            on_submit=TwoFactorState.confirm,
        ),
        direction="column",
        spacing="3",
    )


def _enabled() -> rx.Component:
    return rx.flex(
        rx.text(
            "Two-factor sign-in is on since ",
            TwoFactorState.enabled_since,
            ". Recovery codes left: ",
            TwoFactorState.codes_left,
            ".",
        ),
        _group(
            "New recovery codes",
            text_field(
                "Password to make new codes",
                "twofactor-regenerate-password",
                name="password",
                input_type="password",
                autocomplete="current-password",
                error=TwoFactorState.regenerate_error,
            ),
            rx.button("Make new recovery codes", type="submit", width="fit-content"),
            on_submit=TwoFactorState.regenerate,
        ),
        _group(
            "Turn it off",
            text_field(
                "Password to turn it off",
                "twofactor-disable-password",
                name="password",
                input_type="password",
                autocomplete="current-password",
                error=TwoFactorState.password_error,
            ),
            rx.button(
                "Turn off two-factor sign-in",
                type="submit",
                color_scheme="red",
                variant="outline",
                width="fit-content",
                loading=TwoFactorState.busy,
            ),
            on_submit=TwoFactorState.disable,
        ),
        direction="column",
        spacing="3",
    )


def twofactor_section() -> rx.Component:
    """Status, set-up with a QR code, recovery codes, and switching it off."""
    return rx.el.section(
        rx.card(
            rx.flex(
                rx.heading("Two-factor sign-in", as_="h2", size="5"),
                rx.text(
                    "Sign in with a code from an app on your phone as well as your password.",
                    color_scheme="gray",
                ),
                rx.cond(
                    TwoFactorState.notice != "",
                    rx.callout(TwoFactorState.notice, color_scheme="green", role="status"),
                ),
                _recovery_codes(),
                rx.cond(
                    TwoFactorState.enabled,
                    _enabled(),
                    rx.cond(
                        TwoFactorState.enrolling,
                        _enrolment(),
                        rx.button(
                            "Set up two-factor sign-in",
                            width="fit-content",
                            on_click=TwoFactorState.start,
                        ),
                    ),
                ),
                direction="column",
                spacing="3",
            ),
            size="3",
        ),
        margin_top="1.5rem",
        on_mount=TwoFactorState.load,
    )
