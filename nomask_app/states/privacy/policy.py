"""The privacy policy as it is in force now: the /policy page and the version people accept.

Read from the database when a page loads (`services.privacy.policy`), never
at build time: a policy published while the app runs shows at once.
"""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.privacy.policy import PolicyVersion, current_policy


def _in_force() -> PolicyVersion:
    with session_scope() as session:
        return current_policy(session=session)


def dated(policy: PolicyVersion) -> str:
    """The line under the title: "Last updated: March 14, 2026 · Version 2026-03-14"."""
    when = f"{policy.effective:%B} {policy.effective.day}, {policy.effective.year}"
    return f"Last updated: {when} · Version {policy.version}"


class PolicyState(rx.State):
    """The policy in force when the page loaded."""

    version: str = ""
    updated: str = ""
    body: str = ""

    @rx.event
    async def load(self):
        """On-load: read the policy in force."""
        policy = await asyncio.to_thread(_in_force)
        self.version = policy.version
        self.updated = dated(policy)
        # The first line of the text is the title; the page's h1 says it.
        self.body = policy.markdown.removeprefix("# Privacy Policy\n")
