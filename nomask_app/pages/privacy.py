"""The privacy center."""

import reflex as rx

from nomask_app.components.layout import signed_in_page


def privacy_page() -> rx.Component:
    return signed_in_page(
        "Privacy center",
        rx.text(
            "Your conversations are kept until you delete them. Read the ",
            rx.link("privacy policy", href="/policy"),
            " or write to info@nomask.ai.",
        ),
    )
