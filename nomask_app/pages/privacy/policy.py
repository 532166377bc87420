"""The privacy policy, with its version and date."""

import reflex as rx

from nomask_app.components.common.layout import public_page
from nomask_app.services.privacy.policy import current_policy


def policy_page() -> rx.Component:
    policy = current_policy()
    # The first line of the file is the title; the page's h1 comes from it.
    body = policy.markdown.removeprefix("# Privacy Policy\n")
    return public_page(
        rx.el.article(
            rx.heading("Privacy Policy", as_="h1", size="8"),
            rx.text(
                f"Last updated: {policy.effective:%B} {policy.effective.day}, "
                f"{policy.effective.year} · Version {policy.version}",
                color_scheme="gray",
            ),
            rx.markdown(body, use_raw=False, use_math=False, use_katex=False),
            class_name="nm-prose",
        )
    )
