"""The "Active sessions" list on the settings page."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts import devices
from nomask_app.services.accounts.sessions import resolve_session
from nomask_app.services.common.errors import NotFound
from nomask_app.states.accounts.session import SessionState


def _when(moment) -> str:
    return f"{moment:%d %b %Y, %H:%M} UTC"


def _rows(token: str | None, user_id: str) -> list[dict[str, str]]:
    with session_scope() as session:
        resolved = resolve_session(session=session, token=token)
        current = resolved[1].id if resolved else ""
        return [
            {
                "id": item.id,
                "device": item.device,
                "ip_address": item.ip_address or "unknown",
                "signed_in": _when(item.created_at),
                "last_seen": "Now" if item.current else _when(item.last_seen_at),
                "current": "yes" if item.current else "",
            }
            for item in devices.list_sessions(
                session=session, user_id=user_id, current_session_id=current
            )
        ]


def _revoke(user_id: str, session_id: str, context: dict[str, str]) -> None:
    with session_scope() as session:
        devices.revoke_session(session=session, user_id=user_id, session_id=session_id, **context)


class DevicesState(SessionState):
    """The signed-in person's browsers; revoking one ends it at once."""

    sessions: list[dict[str, str]] = []
    notice: str = ""

    @rx.event
    async def load(self):
        """On-load: list the sessions."""
        user = await self.current_user()
        if user is None:
            return
        self.notice = ""
        self.sessions = await asyncio.to_thread(_rows, self._session_token(), user.id)

    @rx.event
    async def revoke(self, session_id: str):
        """Sign out one browser (never someone else's: the service checks the owner)."""
        user = await self.current_user()
        if user is None:
            return
        context = self._context()
        try:
            await asyncio.to_thread(_revoke, user.id, str(session_id)[:64], context)
            self.notice = "That session is signed out."
        except NotFound:
            self.notice = "That session had already ended."
        self.sessions = await asyncio.to_thread(_rows, self._session_token(), user.id)
