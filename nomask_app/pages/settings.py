"""Settings: the profile as we hold it."""

import reflex as rx

from nomask_app.components.layout import signed_in_page
from nomask_app.states.session import SessionState


def settings_page() -> rx.Component:
    return signed_in_page(
        "Settings",
        rx.el.section(
            rx.heading("Profile", as_="h2", size="4"),
            rx.data_list.root(
                rx.data_list.item(
                    rx.data_list.label("Name"), rx.data_list.value(SessionState.user_name)
                ),
                rx.data_list.item(
                    rx.data_list.label("Email"), rx.data_list.value(SessionState.user_email)
                ),
            ),
            aria_label="Profile",
        ),
    )
