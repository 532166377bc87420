"""Pages reached from an email: confirm an address, forgot and reset a password."""

import reflex as rx

from nomask_app.components.accounts.handoff import session_handoff
from nomask_app.components.common.forms import form_alert, submit_button, text_field
from nomask_app.components.common.layout import public_page
from nomask_app.states.accounts.email_links import (
    ForgotPasswordState,
    ResetPasswordState,
    VerifyEmailState,
)


def _card(*children: rx.Component) -> rx.Component:
    return public_page(
        rx.card(
            rx.flex(*children, direction="column", spacing="4"),
            size="4",
            max_width="30rem",
            margin_x="auto",
        )
    )


def _confirm_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.cond(
                VerifyEmailState.needs_password,
                rx.fragment(
                    rx.text("Enter the password you chose to finish creating your account."),
                    text_field(
                        "Password",
                        "verify-password",
                        name="password",
                        input_type="password",
                        autocomplete="current-password",
                        error=VerifyEmailState.password_error,
                    ),
                ),
            ),
            submit_button("Confirm email address", busy=VerifyEmailState.busy),
            direction="column",
            spacing="4",
        ),
        on_submit=VerifyEmailState.confirm,
        reset_on_submit=False,
        no_validate=True,
    )


def verify_email_page() -> rx.Component:
    return _card(
        rx.heading("Confirm your email address", as_="h1", size="7"),
        form_alert(VerifyEmailState.error),
        rx.cond(
            VerifyEmailState.result != "",
            rx.fragment(
                rx.callout(VerifyEmailState.result, color_scheme="green", role="status"),
                rx.link("Continue to NoMask AI", href="/"),
            ),
            rx.cond(
                VerifyEmailState.error == "",
                _confirm_form(),
                rx.link("Go to your settings", href="/settings"),
            ),
        ),
        session_handoff(),
    )


def forgot_password_page() -> rx.Component:
    return _card(
        rx.heading("Forgot your password?", as_="h1", size="7"),
        rx.cond(
            ForgotPasswordState.sent,
            rx.callout(
                "If an account uses that address, we have sent it a link to choose a new "
                "password. The link works once, for one hour. Check your spam folder too.",
                color_scheme="green",
                role="status",
            ),
            rx.form(
                rx.flex(
                    rx.text("Enter your address and we will email you a link."),
                    text_field(
                        "Email",
                        "forgot-email",
                        name="email",
                        input_type="email",
                        autocomplete="email",
                        default_value=ForgotPasswordState.email,
                        error=ForgotPasswordState.error,
                        max_length=254,
                    ),
                    submit_button("Send reset link", busy=ForgotPasswordState.busy),
                    direction="column",
                    spacing="4",
                ),
                on_submit=ForgotPasswordState.submit,
                reset_on_submit=False,
                no_validate=True,
            ),
        ),
        rx.link("Back to sign in", href="/login"),
    )


def reset_password_page() -> rx.Component:
    return _card(
        rx.heading("Choose a new password", as_="h1", size="7"),
        rx.cond(
            ResetPasswordState.done,
            rx.fragment(
                rx.callout(
                    "Your password is changed and every browser was signed out. "
                    "Sign in with your new password.",
                    color_scheme="green",
                    role="status",
                ),
                rx.link("Sign in", href="/login"),
            ),
            rx.cond(
                ResetPasswordState.token_error != "",
                rx.fragment(
                    form_alert(ResetPasswordState.token_error),
                    rx.link("Request a new link", href="/forgot-password"),
                ),
                rx.form(
                    rx.flex(
                        text_field(
                            "New password",
                            "reset-new-password",
                            name="new_password",
                            input_type="password",
                            autocomplete="new-password",
                            error=ResetPasswordState.password_error,
                            hint="At least 8 characters. Long passphrases are welcome.",
                        ),
                        submit_button("Set new password", busy=ResetPasswordState.busy),
                        direction="column",
                        spacing="4",
                    ),
                    on_submit=ResetPasswordState.submit,
                    reset_on_submit=False,
                    no_validate=True,
                ),
            ),
        ),
    )
