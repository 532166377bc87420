"""The banner shown once a new privacy policy is published, until it is acknowledged."""

import reflex as rx

from nomask_app.states.privacy.policy_notice import PolicyNoticeState


def policy_banner() -> rx.Component:
    """The "we updated our privacy policy" banner with a link and a "Got it" button."""
    return rx.box(
        rx.cond(
            PolicyNoticeState.policy_notice != "",
            rx.callout.root(
                rx.flex(
                    rx.callout.text(
                        PolicyNoticeState.policy_notice,
                        " ",
                        rx.link(
                            "Read the privacy policy",
                            href="/policy",
                            underline="always",
                            high_contrast=True,
                        ),
                        ".",
                    ),
                    rx.button(
                        "Got it",
                        size="1",
                        variant="soft",
                        high_contrast=True,
                        on_click=PolicyNoticeState.acknowledge,
                    ),
                    align="center",
                    justify="between",
                    gap="3",
                    wrap="wrap",
                ),
                color_scheme="blue",
                high_contrast=True,
                role="status",
            ),
        ),
        on_mount=PolicyNoticeState.load,
    )
