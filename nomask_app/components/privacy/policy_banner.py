"""The banner shown once a new privacy policy is published, until it is acknowledged."""

import reflex as rx

from nomask_app.components.common.callouts import answered_callout
from nomask_app.states.privacy.policy_notice import PolicyNoticeState


def policy_banner() -> rx.Component:
    """The "we updated our privacy policy" banner with a link and a "Got it" button."""
    return rx.box(
        rx.cond(
            PolicyNoticeState.policy_notice != "",
            answered_callout(
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
                "Got it",
                PolicyNoticeState.acknowledge,
                color_scheme="blue",
                high_contrast=True,
                role="status",
            ),
        ),
        on_mount=PolicyNoticeState.load,
    )
