"""The privacy center's "Delete conversations automatically" choice and what it deletes next."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.privacy import retention
from nomask_app.states.accounts.session import SessionState


def _when(moment) -> str:
    return f"{moment:%d %B %Y, %H:%M} UTC"


def describe(view: retention.Preview) -> str:
    """The sentence under the select: the rule, then the next deletion."""
    if view.days == 0:
        return "Off: your conversations are kept until you delete them."
    rule = f"Conversations untouched for {view.days} days are deleted with their files."
    if view.next_at is None:
        return f"{rule} You have no conversations yet."
    more = f" and {view.more_then} more" if view.more_then else ""
    return f"{rule} Next: “{view.next_title}”{more}, on {_when(view.next_at)}."


def _view(user_id: str) -> tuple[str, str]:
    with session_scope() as session:
        view = retention.preview(session=session, user_id=user_id)
    return str(view.days), describe(view)


def _choose(user_id: str, days: int, context: dict[str, str]) -> tuple[str, str]:
    with session_scope() as session:
        retention.set_auto_delete(session=session, user_id=user_id, days=days, **context)
    return _view(user_id)


class RetentionState(SessionState):
    """The saved choice (days as text, the select's value), its meaning, and problems."""

    auto_delete: str = "0"
    auto_delete_status: str = ""
    auto_delete_error: str = ""

    @rx.event
    async def load(self):
        """On-load: the saved choice and what it deletes next."""
        user = await self.current_user()
        if user is None:
            return
        self.auto_delete, self.auto_delete_status = await asyncio.to_thread(_view, user.id)
        self.auto_delete_error = ""

    @rx.event
    async def choose_auto_delete(self, value: str):
        """Save a new choice; the service refuses anything but the offered values."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        try:
            days = int(str(value)[:8])
        except ValueError:
            days = -1
        try:
            self.auto_delete, self.auto_delete_status = await asyncio.to_thread(
                _choose, user.id, days, self._context()
            )
        except FieldErrors as problem:
            self.auto_delete_error = problem.errors[retention.FIELD]
            return None
        self.auto_delete_error = ""
        return None
