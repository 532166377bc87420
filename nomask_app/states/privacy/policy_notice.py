"""The banner about a newly published privacy policy, and its acknowledgement (policy §9)."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.privacy import policy_releases
from nomask_app.states.accounts.session import SessionState


def _pending(user_id: str) -> str:
    with session_scope() as session:
        release = policy_releases.unacknowledged(session=session, user_id=user_id)
    if release is None:
        return ""
    effective = f"{release.effective:%B} {release.effective.day}, {release.effective.year}"
    return f"We updated our privacy policy (version {release.version}, {effective})."


def _acknowledge(user_id: str) -> None:
    with session_scope() as session:
        policy_releases.acknowledge(session=session, user_id=user_id)


class PolicyNoticeState(SessionState):
    """The banner's text while the newest policy release is not acknowledged."""

    policy_notice: str = ""

    @rx.event
    async def load(self):
        """Show the banner if a policy was published since the person last saw one."""
        user = await self.current_user()
        self.policy_notice = await asyncio.to_thread(_pending, user.id) if user else ""

    @rx.event
    async def acknowledge(self):
        """Record that the person saw the new policy, and hide the banner."""
        user = await self.current_user()
        if user is not None:
            await asyncio.to_thread(_acknowledge, user.id)
        self.policy_notice = ""
