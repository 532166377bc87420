"""Sign-in and sign-up pages."""

import reflex as rx

from nomask_app.components.accounts.handoff import session_handoff
from nomask_app.components.common.forms import checkbox_field, form_alert, submit_button, text_field
from nomask_app.components.common.layout import public_page
from nomask_app.states.accounts.login import LoginState
from nomask_app.states.accounts.signup import NAME_HINT, SignupState
from nomask_app.states.privacy.policy import PolicyState


def _second_step() -> rx.Component:
    """The code from the authenticator app (or a recovery code), after the password."""
    return rx.form(
        rx.flex(
            rx.heading("Two-factor sign-in", as_="h1", size="7"),
            rx.text(
                "Enter the 6-digit code from your authenticator app, or one of your "
                "recovery codes.",
                color_scheme="gray",
            ),
            form_alert(LoginState.error),
            text_field(
                "Authentication code",
                "login-code",
                name="code",
                autocomplete="one-time-code",
                max_length=32,
            ),
            submit_button("Verify", busy=LoginState.submitting),
            rx.button(
                "Use another account",
                type="button",
                variant="ghost",
                width="fit-content",
                on_click=LoginState.start_over,
            ),
            direction="column",
            spacing="4",
        ),
        on_submit=LoginState.submit_code,
        reset_on_submit=False,
        no_validate=True,
    )


def login_page() -> rx.Component:
    return public_page(
        rx.card(
            rx.cond(LoginState.step == "code", _second_step(), _password_step()),
            session_handoff(),
            size="4",
            max_width="28rem",
            margin_x="auto",
        )
    )


def _password_step() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.heading("Sign in", as_="h1", size="7"),
            form_alert(LoginState.notice, tone="amber"),
            form_alert(LoginState.error),
            text_field(
                "Email",
                "login-email",
                name="email",
                input_type="email",
                autocomplete="username",
                default_value=LoginState.email,
                max_length=254,
            ),
            text_field(
                "Password",
                "login-password",
                name="password",
                input_type="password",
                autocomplete="current-password",
            ),
            submit_button("Sign in", busy=LoginState.submitting),
            rx.hstack(
                rx.link("Forgot password?", href="/forgot-password"),
                rx.spacer(),
                rx.link("Create an account", href="/signup"),
                width="100%",
            ),
            direction="column",
            spacing="4",
        ),
        on_submit=LoginState.submit,
        reset_on_submit=False,
        # Our own messages, next to each field, instead of browser tooltips.
        no_validate=True,
    )


def _check_your_email() -> rx.Component:
    """What every sign-up hears, whether or not the address had an account."""
    return rx.flex(
        rx.heading("Check your email", as_="h1", size="7"),
        rx.callout(
            rx.text(
                "We sent a link to ",
                rx.text.strong(SignupState.sent_to),
                ". Open it and enter your password to finish creating your account. "
                "It works for 3 days; check your spam folder too.",
            ),
            color_scheme="green",
            role="status",
        ),
        rx.text("Already have an account? ", rx.link("Sign in", href="/login")),
        direction="column",
        spacing="4",
    )


def _signup_form() -> rx.Component:
    errors = SignupState.errors
    return rx.form(
        rx.flex(
            rx.heading("Create your account", as_="h1", size="7"),
            rx.text(
                "We keep your conversations until you delete them, and nothing else.",
                color_scheme="gray",
            ),
            form_alert(errors.get("form", "")),
            text_field(
                "Name",
                "signup-name",
                name="name",
                autocomplete="name",
                default_value=SignupState.name,
                error=errors.get("name", ""),
                hint=NAME_HINT,
            ),
            text_field(
                "Email",
                "signup-email",
                name="email",
                input_type="email",
                autocomplete="email",
                default_value=SignupState.email,
                error=errors.get("email", ""),
                max_length=254,
            ),
            text_field(
                "Password",
                "signup-password",
                name="password",
                input_type="password",
                autocomplete="new-password",
                error=errors.get("password", ""),
                hint="At least 8 characters. Long passphrases are welcome.",
            ),
            checkbox_field(
                "I am 18 or older",
                "signup-adult",
                name="is_adult",
                error=errors.get("is_adult", ""),
            ),
            checkbox_field(
                "I accept the privacy policy",
                "signup-policy",
                name="accepts_policy",
                error=errors.get("accepts_policy", ""),
            ),
            rx.text(
                "Read the ",
                rx.link("privacy policy", href="/policy", is_external=False),
                rx.cond(
                    PolicyState.version != "",
                    f" (version {PolicyState.version})",
                    "",
                ),
                " before you accept it.",
                size="2",
            ),
            submit_button("Create account", busy=SignupState.submitting),
            rx.text("Already have an account? ", rx.link("Sign in", href="/login")),
            direction="column",
            spacing="4",
        ),
        on_submit=SignupState.submit,
        reset_on_submit=False,
        no_validate=True,
    )


def signup_page() -> rx.Component:
    return public_page(
        rx.card(
            rx.cond(SignupState.sent_to != "", _check_your_email(), _signup_form()),
            size="4",
            max_width="30rem",
            margin_x="auto",
        )
    )
