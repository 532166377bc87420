"""Upload limits and progress, for every upload button (image studio, "Attach file")."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.billing.quotas import UploadLimit, upload_limit
from nomask_app.states.common.changes import assign


def upload_percent(status: object) -> int | None:
    """How much of an upload reached the server (0-100), or None for a malformed report.

    The report comes from the client (`rx.upload_files(on_upload_progress=...)`):
    any client can send anything.
    """
    try:
        return max(0, min(100, round(float(status["progress"]) * 100)))  # type: ignore[index]
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def current_upload_limit(user_id: str) -> UploadLimit:
    """The person's upload limit now (blocking: call it in a worker thread)."""
    with session_scope() as session:
        return upload_limit(session=session, user_id=user_id)


class UploadLimitMixin(rx.State, mixin=True):
    """The limit shown next to an upload button, and what the browser kept back.

    For states that also derive from SessionState (`current_user`); each says a
    refusal where its page shows problems (`_say_refused`).
    """

    upload_limit_bytes: int = 0
    upload_limit_label: str = ""
    upload_progress: int = 0

    async def _read_limit(self, user_id: str) -> UploadLimit:
        limit = await asyncio.to_thread(current_upload_limit, user_id)
        assign(self, upload_limit_bytes=limit.max_bytes, upload_limit_label=limit.label)
        return limit

    async def _say_refused(self, message: str) -> None:
        raise NotImplementedError

    @rx.event
    async def refused(self, names: list[str]):
        """Files the browser kept back (too large): say so, naming each; nothing was sent."""
        user = await self.current_user()
        if user is None:
            return
        limit = await self._read_limit(user.id)
        await self._say_refused(limit.refusals(names))

    @rx.event
    def progress(self, status: dict):
        """How much of a large upload has reached the server (0-100)."""
        percent = upload_percent(status)
        if percent is not None:
            self.upload_progress = percent
