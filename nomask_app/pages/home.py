"""The chat home page."""

import reflex as rx

from nomask_app.components.layout import signed_in_page
from nomask_app.states.session import SessionState


def home_page() -> rx.Component:
    return signed_in_page(
        "Chat",
        rx.text("Welcome, ", SessionState.user_name, "."),
    )
