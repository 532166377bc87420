"""Data exports built as server-side jobs that outlive the browser tab.

The page only follows the progress stored on the export's row, so closing
the tab, reloading or another backend worker asking changes nothing. A job
whose process dies is built again by the privacy sweep of any host (it
stops reporting progress and its lease runs out).
"""

import asyncio
import logging
import time
from datetime import timedelta

from sqlmodel import Session

from nomask_app.config import get_settings
from nomask_app.db import get_engine, session_scope
from nomask_app.models import DataExport
from nomask_app.services.operations import leases
from nomask_app.services.privacy import export_store, exports
from nomask_app.services.privacy.export_archive import write_archive

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between progress writes
FAILED = "Something went wrong while building your export. Please try again."


def build(export_id: str) -> bool:
    """Build one export's archive, unless another instance is building it (blocking).

    The job's lease (`services/operations/leases.py`) is renewed while the
    archive is written: if this instance dies, the privacy sweep of any host
    takes the export over once the lease has run out, and builds it again.

    Returns:
        Whether the archive is ready.
    """
    with session_scope() as session:
        export = session.get(DataExport, export_id)
        owner = export.user_id if export is not None else ""
    # Named after its owner too, so that deleting the account finds it (`erasure`).
    with leases.held(lease_name(owner, export_id), ttl=lease_ttl()) as mine:
        return _build(export_id) if mine else False


def lease_ttl() -> timedelta:
    """How long a build's lease lasts unrenewed: a dead instance's export is taken over after."""
    return timedelta(seconds=get_settings().job_lease_seconds)


def lease_name(user_id: str, export_id: str) -> str:
    """The lease of building one export."""
    return f"export:{user_id}:{export_id}"


def _build(export_id: str) -> bool:
    with session_scope() as session:
        user_id = exports.start(session=session, export_id=export_id)
    if user_id is None:
        return False
    partial = exports.partial_path(export_id)
    partial.parent.mkdir(parents=True, exist_ok=True)
    last_write = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last_write
        if time.monotonic() - last_write < PROGRESS_INTERVAL:
            return
        last_write = time.monotonic()
        with session_scope() as session:
            exports.set_progress(session=session, export_id=export_id, progress=done * 100 // total)

    try:
        # One read transaction for the whole archive: a consistent snapshot
        # (SQLite transactions are snapshots; PostgreSQL needs REPEATABLE READ).
        with Session(get_engine()) as reader:
            if reader.get_bind().dialect.name == "postgresql":
                reader.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            else:  # a reader: SQLite writers must not wait for the whole archive
                reader.connection(execution_options={"read_only": True})
            write_archive(session=reader, user_id=user_id, path=partial, progress=progress)
        size = export_store.publish(export_id)
        with session_scope() as session:
            ready = exports.finish(session=session, export_id=export_id, size_bytes=size)
    except Exception:  # a broken export must be reported, never left "running"
        log.exception("data export failed", extra={"export_id": export_id})
        export_store.remove([export_id])
        with session_scope() as session:
            exports.fail(session=session, export_id=export_id, error=FAILED)
        return False
    if ready is None:  # the account was deleted while its export was written
        export_store.remove([export_id])
        return False
    return True


class ExportJobs:
    """The export jobs running in this process."""

    def __init__(self):
        """Create an empty registry."""
        self._tasks: dict[str, asyncio.Task] = {}

    def start(self, export_id: str) -> asyncio.Task:
        """Build an export in the background (a worker thread); return its task."""
        task = asyncio.create_task(asyncio.to_thread(build, export_id))
        # Keep a reference until it ends: the event loop holds tasks only weakly.
        self._tasks[export_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(export_id, None))
        return task

    def running(self, export_id: str) -> bool:
        """Whether this process is building that export right now."""
        return export_id in self._tasks


jobs = ExportJobs()
