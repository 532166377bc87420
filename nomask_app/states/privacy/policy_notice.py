"""The banner about a newly published privacy policy, and its acknowledgement (policy §9)."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.privacy import policy_releases
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.common.changes import assign


def _pending(user_id: str) -> tuple[str, str]:
    """The banner's text and the release it names ("" and "" when there is none)."""
    with session_scope() as session:
        release = policy_releases.unacknowledged(session=session, user_id=user_id)
    if release is None:
        return "", ""
    effective = f"{release.effective:%B} {release.effective.day}, {release.effective.year}"
    text = f"We updated our privacy policy (version {release.version}, {effective})."
    return text, release.version


def _acknowledge(user_id: str, version: str) -> None:
    with session_scope() as session:
        policy_releases.acknowledge(session=session, user_id=user_id, version=version)


class PolicyNoticeState(SessionState):
    """The banner's text while the newest policy release is not acknowledged."""

    policy_notice: str = ""
    _notice_version: str = ""  # the release the banner names: the one acknowledged

    @rx.event
    async def load(self):
        """Show the banner if a policy was published since the person last saw one."""
        user = await self.current_user()
        pending = await asyncio.to_thread(_pending, user.id) if user else ("", "")
        assign(self, policy_notice=pending[0])
        self._notice_version = pending[1]

    @rx.event
    async def acknowledge(self):
        """Record that the person saw the policy the banner named, and hide the banner."""
        user = await self.current_user()
        if user is not None and self._notice_version:
            await asyncio.to_thread(_acknowledge, user.id, self._notice_version)
        self.policy_notice, self._notice_version = "", ""
