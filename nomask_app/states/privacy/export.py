"""The "Export my data" button: start the background job and follow its progress.

The job runs on the server (services/privacy/export_jobs.py) whatever this tab does;
the page only reads the progress stored on the export's row.
"""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.models.common import utcnow
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.privacy import exports
from nomask_app.services.privacy.export_jobs import jobs
from nomask_app.states.accounts.session import SessionState

POLL_SECONDS = 1.0
MAX_POLLS = 3600  # an hour of following; a reload starts following again


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, size // 1000)} kB"


def _latest(user_id: str) -> dict:
    with session_scope() as session:
        export = exports.latest_export(session=session, user_id=user_id)
    if export is None or (export.expires_at is not None and export.expires_at <= utcnow()):
        return {"export_id": "", "status": "", "progress": 0, "ready_text": "", "failure": ""}
    ready_text = ""
    if export.status == exports.READY and export.expires_at is not None:
        ready_text = (
            f"Your export is ready ({_size(export.size_bytes)}). You can download it until "
            f"{export.expires_at:%d %B %Y, %H:%M} UTC; then we delete it."
        )
    return {
        "export_id": export.id,
        "status": export.status,
        "progress": export.progress,
        "ready_text": ready_text,
        "failure": export.error if export.status == exports.FAILED else "",
    }


def _request(user_id: str, context: dict[str, str]) -> str:
    with session_scope() as session:
        return exports.request_export(session=session, user_id=user_id, **context).id


class ExportState(SessionState):
    """The person's latest export and the "Export my data" button's outcome."""

    export_id: str = ""
    status: str = ""
    progress: int = 0
    ready_text: str = ""
    failure: str = ""
    error: str = ""
    _watching: bool = False

    @rx.var
    def active(self) -> bool:
        """Whether an export is being built."""
        return self.status in exports.ACTIVE

    def _apply(self, view: dict) -> None:
        for key, value in view.items():
            setattr(self, key, value)

    @rx.event
    async def load(self):
        """On-load: show the latest export, and follow it if it is being built."""
        user = await self.current_user()
        if user is None:
            return None
        self.error = ""
        self._apply(await asyncio.to_thread(_latest, user.id))
        return ExportState.watch if self.active else None

    @rx.event
    async def request_export(self):
        """Start building an archive of everything we hold about the person."""
        user = await self.current_user()
        if user is None:
            return None
        self.error = ""
        context = self._context()
        try:
            export_id = await asyncio.to_thread(_request, user.id, context)
        except FieldErrors as problem:
            self.error = problem.errors.get("export", "")
            return None
        jobs.start(export_id)
        self._apply(await asyncio.to_thread(_latest, user.id))
        return ExportState.watch

    @rx.event(background=True)
    async def watch(self):
        """Follow the progress stored by the job until the export is ready or failed."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(MAX_POLLS):
                async with self:
                    user = await self.current_user()
                if user is None:
                    return
                view = await asyncio.to_thread(_latest, user.id)
                async with self:
                    self._apply(view)
                if view["status"] not in exports.ACTIVE:
                    return
                await asyncio.sleep(POLL_SECONDS)
        finally:
            async with self:
                self._watching = False
