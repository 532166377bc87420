"""The privacy center's overview: what we hold, and the person's security events."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.operations import audit
from nomask_app.services.privacy import overview
from nomask_app.services.privacy.policy import current_policy, policy_section
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.billing.subscription import STATUS_LABELS


def _when(moment) -> str:
    return f"{moment:%d %b %Y, %H:%M} UTC"


def _summary(user_id: str) -> dict:
    with session_scope() as session:
        held = overview.data_summary(session=session, user_id=user_id)
        policy = current_policy(session=session)
    return {
        "retention": policy_section(policy, "4."),
        "conversations": f"{held.conversations:,}",
        "messages": f"{held.messages:,}",
        "files": f"{held.files:,} ({held.images:,} image{'s' if held.images != 1 else ''})",
        "sessions": f"{held.sessions:,}",
        "security_events": f"{held.security_events:,}",
        "plan_name": held.plan_name,
        "payment_status": STATUS_LABELS.get(held.payment_status, held.payment_status),
    }


def _events(user_id: str, page: int) -> tuple[list[dict[str, str]], int]:
    with session_scope() as session:
        items, total = audit.events_for_user(session=session, user_id=user_id, page=page)
    rows = [
        {
            "id": item.id,
            "when": _when(item.when),
            "label": item.label,
            "note": item.note,
            "ip_address": item.ip_address or "—",
            "device": item.device or "—",
        }
        for item in items
    ]
    return rows, total


class PrivacyState(SessionState):
    """Counts of the person's data, plan, the policy's retention rules, their security events."""

    conversations: str = ""
    messages: str = ""
    files: str = ""
    sessions: str = ""
    security_events: str = ""
    plan_name: str = ""
    payment_status: str = ""
    retention: str = ""
    events: list[dict[str, str]] = []
    events_page: int = 0
    events_total: int = 0
    loaded: bool = False

    @rx.var
    def events_range(self) -> str:
        """Which events the table shows, e.g. "Events 21 to 40 of 57"."""
        if not self.events_total:
            return "No security events recorded yet."
        first = self.events_page * audit.EVENTS_PAGE_SIZE + 1
        last = min(self.events_total, first + audit.EVENTS_PAGE_SIZE - 1)
        return f"Events {first} to {last} of {self.events_total}, newest first."

    @rx.var
    def has_newer_events(self) -> bool:
        """Whether a newer page exists."""
        return self.events_page > 0

    @rx.var
    def has_older_events(self) -> bool:
        """Whether an older page exists."""
        return (self.events_page + 1) * audit.EVENTS_PAGE_SIZE < self.events_total

    @rx.event
    async def load(self):
        """On-load: counts, plan and the newest security events."""
        user = await self.current_user()
        if user is None:
            return
        for key, value in (await asyncio.to_thread(_summary, user.id)).items():
            setattr(self, key, value)
        self.events_page = 0
        self.events, self.events_total = await asyncio.to_thread(_events, user.id, 0)
        self.loaded = True

    async def _show_events(self, page: int) -> None:
        user = await self.current_user()
        if user is None:
            return
        events, total = await asyncio.to_thread(_events, user.id, max(0, page))
        self.events, self.events_total, self.events_page = events, total, max(0, page)

    @rx.event
    async def older_events(self):
        """The next page of older events."""
        await self._show_events(self.events_page + 1)

    @rx.event
    async def newer_events(self):
        """The previous page of newer events."""
        await self._show_events(self.events_page - 1)
