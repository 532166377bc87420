"""The privacy policy, with its version and date."""

import reflex as rx

from nomask_app.components.common.layout import loading, public_page
from nomask_app.states.privacy.policy import PolicyState


def policy_page() -> rx.Component:
    return public_page(
        rx.el.article(
            rx.heading("Privacy Policy", as_="h1", size="8"),
            rx.cond(
                PolicyState.version != "",
                rx.fragment(
                    rx.text(PolicyState.updated, color_scheme="gray"),
                    rx.markdown(PolicyState.body, use_raw=False, use_math=False, use_katex=False),
                ),
                loading(),
            ),
            class_name="nm-prose",
        )
    )
