"""Settings: profile, email, password, preferences, communication, active sessions.

Each form's fields sit in a fieldset whose legend is the section heading, so
every "Save" button is announced within its group ("Profile", "Password").
Fieldsets, unlike `aria-labelledby` forms, keep label look-ups unambiguous:
"Email" names one field on the page, not also the forms about email.
"""

import reflex as rx

from nomask_app.components.accounts.sessions import sessions_section
from nomask_app.components.accounts.twofactor import twofactor_section
from nomask_app.components.common.forms import text_field
from nomask_app.components.common.layout import loading, signed_in_page
from nomask_app.states.accounts.settings import SettingsState
from nomask_app.states.accounts.signup import NAME_HINT

THEMES = (("light", "Light"), ("dark", "Dark"), ("system", "Same as my device"))


def _status(key: str) -> rx.Component:
    return rx.cond(
        SettingsState.notice.get(key, "") != "",
        rx.callout(SettingsState.notice.get(key, ""), color_scheme="green", role="status"),
    )


def _form(section: str, title: str, description: str, *fields, on_submit, **props) -> rx.Component:
    return rx.el.section(
        rx.card(
            rx.form(
                rx.el.fieldset(
                    rx.el.legend(rx.heading(title, as_="h2", size="5"), class_name="nm-legend"),
                    rx.flex(
                        *([rx.text(description, color_scheme="gray")] if description else []),
                        *fields,
                        _status(section),
                        rx.button(
                            "Save",
                            type="submit",
                            width="fit-content",
                            loading=SettingsState.busy == section,
                        ),
                        direction="column",
                        spacing="3",
                    ),
                    class_name="nm-fieldset",
                ),
                on_submit=on_submit,
                reset_on_submit=False,
                no_validate=True,
                **props,
            ),
            size="3",
        ),
        margin_top="1.5rem",
    )


def _profile() -> rx.Component:
    return _form(
        "profile",
        "Profile",
        "The name we use when we write to you.",
        text_field(
            "Name",
            "settings-name",
            name="name",
            autocomplete="name",
            default_value=SettingsState.name,
            error=SettingsState.name_error,
            hint=NAME_HINT,
        ),
        on_submit=SettingsState.save_name,
    )


def _email() -> rx.Component:
    errors = SettingsState.email_errors
    return _form(
        "email",
        "Email address",
        "We send a link to the new address. Your address changes only when you open it, "
        "and we tell your current address about the request.",
        rx.text(
            "Current address: ",
            rx.text.strong(SettingsState.email),
            rx.cond(
                SettingsState.email_verified,
                rx.badge("Verified", color_scheme="green", margin_left="0.5rem"),
                rx.badge(
                    "Not verified yet",
                    color_scheme="amber",
                    high_contrast=True,
                    margin_left="0.5rem",
                ),
            ),
        ),
        rx.cond(
            SettingsState.pending_email != "",
            rx.text(
                "Waiting for confirmation: ",
                rx.text.strong(SettingsState.pending_email),
            ),
        ),
        text_field(
            "Email",
            "settings-email",
            name="email",
            input_type="email",
            autocomplete="email",
            default_value=SettingsState.email,
            error=errors.get("email", ""),
            max_length=254,
        ),
        text_field(
            "Your password",
            "settings-email-password",
            name="current_password",
            input_type="password",
            autocomplete="current-password",
            error=errors.get("current_password", ""),
            hint="We ask for it to make sure the change comes from you.",
        ),
        on_submit=SettingsState.change_email,
    )


def _password() -> rx.Component:
    errors = SettingsState.password_errors
    return _form(
        "password",
        "Password",
        "Changing it signs out every other browser. We email you when it changes.",
        text_field(
            "Current password",
            "settings-current-password",
            name="current_password",
            input_type="password",
            autocomplete="current-password",
            error=errors.get("current_password", ""),
        ),
        text_field(
            "New password",
            "settings-new-password",
            name="new_password",
            input_type="password",
            autocomplete="new-password",
            error=errors.get("new_password", ""),
            hint="At least 8 characters. Long passphrases are welcome.",
        ),
        on_submit=SettingsState.change_password,
        # A new key after a change clears both password fields.
        key=SettingsState.password_form_version,
    )


def _theme_option(value: str, label: str) -> rx.Component:
    return rx.text(
        rx.flex(rx.radio_group.item(value=value), label, spacing="2", align="center"),
        as_="label",
        size="2",
    )


def _preferences() -> rx.Component:
    return _form(
        "preferences",
        "Preferences",
        "",
        rx.el.fieldset(
            rx.el.legend("Theme", class_name="nm-label"),
            rx.radio_group.root(
                rx.flex(
                    *(_theme_option(value, label) for value, label in THEMES),
                    direction="column",
                    spacing="2",
                ),
                name="theme",
                default_value=SettingsState.theme,
                margin_top="0.5rem",
            ),
            class_name="nm-fieldset",
        ),
        on_submit=SettingsState.save_preferences,
    )


def _communication() -> rx.Component:
    return _form(
        "communication",
        "Email from us",
        "",
        rx.flex(
            rx.switch(
                id="settings-product-updates",
                name="product_updates",
                default_checked=SettingsState.product_updates,
                custom_attrs={"aria-describedby": "settings-product-updates-hint"},
            ),
            rx.el.label("Product updates and tips", html_for="settings-product-updates"),
            spacing="2",
            align="center",
        ),
        rx.text(
            "News about NoMask AI, now and then. Security alerts (new sign-ins, password "
            "and email changes) always reach you: they cannot be switched off.",
            id="settings-product-updates-hint",
            size="2",
            color_scheme="gray",
        ),
        on_submit=SettingsState.save_communication,
    )


def settings_page() -> rx.Component:
    return signed_in_page(
        "Settings",
        rx.cond(
            SettingsState.loaded_version > 0,
            rx.box(
                _profile(),
                _email(),
                _password(),
                twofactor_section(),
                _preferences(),
                _communication(),
                sessions_section(),
                rx.text(
                    "Cookies: ",
                    rx.link("choose which cookies we may use", href="/settings/cookies"),
                    ".",
                    margin_top="1.5rem",
                ),
                key=SettingsState.loaded_version,
            ),
            loading("Loading settings", "2rem"),
        ),
    )
