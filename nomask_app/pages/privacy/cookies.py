"""The cookie page (/settings/cookies): open to everyone, signed in or not."""

import reflex as rx

from nomask_app.components.accounts.chrome import theme_picker
from nomask_app.components.common.layout import app_header, brand, scroll_box
from nomask_app.services.privacy.consent import StorageItem, essential_storage, preference_storage
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.privacy.consent import ConsentState


def _header() -> rx.Component:
    return rx.cond(
        SessionState.signed_in,
        app_header(),
        rx.el.header(
            rx.hstack(
                brand(),
                rx.spacer(),
                theme_picker(),
                rx.link("Sign in", href="/login"),
                align="center",
                spacing="4",
                padding_x="1.25rem",
                padding_y="0.75rem",
            ),
            class_name="nm-header",
        ),
    )


def _table(caption: str, items: list[StorageItem]) -> rx.Component:
    return scroll_box(_rows_table(caption, items), caption)


def _rows_table(caption: str, items: list[StorageItem]) -> rx.Component:
    return rx.table.root(
        rx.el.caption(caption, class_name="nm-sr"),
        rx.table.header(
            rx.table.row(
                *(
                    rx.table.column_header_cell(name)
                    for name in ("Name", "Type", "Purpose", "Lifetime")
                )
            )
        ),
        rx.table.body(
            *(
                rx.table.row(
                    rx.table.row_header_cell(rx.code(item.name)),
                    rx.table.cell(item.kind),
                    rx.table.cell(item.purpose),
                    rx.table.cell(item.lifetime),
                )
                for item in items
            )
        ),
        width="100%",
    )


def _choice_form() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading("Your choice", as_="h2", size="5", id="cookie-choice-heading"),
            rx.flex(
                rx.switch(
                    id="cookie-preferences",
                    checked=ConsentState.preferences_switch,
                    on_change=ConsentState.set_preferences_switch,
                    # A toggle before hydration would be lost: wait for it.
                    disabled=~rx.State.is_hydrated,
                    custom_attrs={"aria-describedby": "cookie-preferences-hint"},
                ),
                rx.el.label("Preference cookies", html_for="cookie-preferences"),
                spacing="2",
                align="center",
            ),
            rx.text(
                "Remember settings such as light or dark mode on this device, also before "
                "you sign in. Off: nothing but essential cookies is stored.",
                id="cookie-preferences-hint",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                ConsentState.notice != "",
                rx.callout(ConsentState.notice, color_scheme="green", role="status"),
            ),
            rx.button(
                "Save preferences",
                on_click=ConsentState.save_preferences,
                disabled=~rx.State.is_hydrated,
                width="fit-content",
            ),
            rx.cond(
                ConsentState.record_summary != "",
                rx.text(ConsentState.record_summary, size="2", color_scheme="gray"),
                rx.text("You have not made a choice yet.", size="2", color_scheme="gray"),
            ),
            direction="column",
            spacing="3",
        ),
        role="group",
        custom_attrs={"aria-labelledby": "cookie-choice-heading"},
        size="3",
    )


def cookies_page() -> rx.Component:
    return rx.fragment(
        rx.el.a("Skip to content", href="#main", class_name="nm-skip"),
        _header(),
        rx.el.main(
            rx.container(
                rx.flex(
                    rx.heading("Cookies", as_="h1", size="7"),
                    rx.text(
                        "We use no advertising cookies and nothing from other companies: no "
                        "third-party cookies, scripts, fonts or trackers. Change your choice "
                        "here at any time; we keep a record of each choice with its date."
                    ),
                    _choice_form(),
                    rx.heading("Essential cookies and storage", as_="h2", size="5"),
                    rx.text(
                        "Needed for signing in and for this choice itself; they are always on."
                    ),
                    _table("Essential cookies and storage", essential_storage()),
                    rx.heading("Preference storage", as_="h2", size="5"),
                    rx.text("Written only when you allow preference cookies."),
                    _table("Preference storage", preference_storage()),
                    rx.text(
                        "Read more in our ",
                        rx.link("privacy policy", href="/policy"),
                        " (section 7).",
                    ),
                    direction="column",
                    spacing="4",
                ),
                size="3",
            ),
            id="main",
            padding_y="1.5rem",
        ),
    )
