"""Data exports (policy §5 "Access"): requesting one, following it, serving it, expiring it.

The archive itself is written by services/privacy/export_archive.py inside a
background job (services/privacy/export_jobs.py). Archives live in the private
exports folder or the bucket (services/privacy/export_store.py), are served
only to their owner by `GET /api/export/{id}`, and are deleted with their row
24 hours after they are ready.
"""

import re
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from nomask_app.config import get_settings
from nomask_app.models import DataExport, User
from nomask_app.models.common import utcnow
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import audit, notifications

ACTIVE = ("queued", "running")
READY = "ready"
FAILED = "failed"
_EXPORT_ID = re.compile(r"^[0-9a-f]{32}$")


def is_export_id(text: str) -> bool:
    """Whether `text` has the shape of an export's id."""
    return bool(_EXPORT_ID.match(text or ""))


def archive_path(export_id: str) -> Path:
    """Where the finished archive of an export lives on this host (local store)."""
    if not is_export_id(export_id):
        raise ValueError("bad export id")
    return get_settings().exports_dir / f"{export_id}.zip"


def partial_path(export_id: str) -> Path:
    """Where an archive is written until it is complete."""
    return archive_path(export_id).with_suffix(".zip.part")


def _when(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC on {moment:%B} {moment.day}"


def _minutes(delta: timedelta) -> str:
    minutes = max(1, int(delta.total_seconds() + 59) // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def request_export(
    *,
    session: Session,
    user_id: str,
    ip_address: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> DataExport:
    """Queue an export of everything we hold about a person (at most one an hour).

    The caller commits, then starts the job (`export_jobs.jobs.start`).

    Raises:
        FieldErrors: ``{"export": ...}`` when the last export is too recent,
            saying when the next one is possible.
        NotFound: no such user.
    """
    now = now or utcnow()
    # Lock the account row so that two clicks at once cannot both pass the check.
    user = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
    if user is None:
        raise NotFound("user")
    interval = timedelta(minutes=get_settings().export_interval_minutes)
    recent = session.exec(
        select(DataExport)
        .where(
            DataExport.user_id == user_id,
            DataExport.status != FAILED,
            DataExport.created_at > now - interval,
        )
        .order_by(col(DataExport.created_at).desc())
    ).first()
    if recent is not None:
        next_at = recent.created_at + interval
        raise FieldErrors(
            {
                "export": "You can ask for one export an hour. The next one is possible at "
                f"{_when(next_at)} (in {_minutes(next_at - now)})."
            }
        )
    export = DataExport(user_id=user_id, created_at=now, updated_at=now)
    session.add(export)
    session.flush()
    audit.record_event(
        session=session,
        kind=audit.EXPORT_REQUESTED,
        user_id=user_id,
        ip_address=ip_address,
        user_agent=user_agent,
        export_id=export.id,
    )
    return export


def latest_export(*, session: Session, user_id: str) -> DataExport | None:
    """This person's most recent export, whatever its status (expired ones until swept)."""
    return session.exec(
        select(DataExport)
        .where(DataExport.user_id == user_id)
        .order_by(col(DataExport.created_at).desc())
    ).first()


def downloadable(*, session: Session, user_id: str, export_id: str) -> DataExport:
    """A ready, unexpired export of `user_id` (the caller checks that its archive is stored).

    Raises:
        NotFound: no such export, someone else's, not ready, expired or gone.
    """
    export = session.get(DataExport, export_id) if is_export_id(export_id) else None
    if (
        export is None
        or export.user_id != user_id
        or export.status != READY
        or export.expires_at is None
        or export.expires_at <= utcnow()
    ):
        raise NotFound(export_id)
    return export


def record_download(
    *, session: Session, export: DataExport, ip_address: str = "", user_agent: str = ""
) -> None:
    """Note a download in the person's security events."""
    audit.record_event(
        session=session,
        kind=audit.EXPORT_DOWNLOADED,
        user_id=export.user_id,
        ip_address=ip_address,
        user_agent=user_agent,
        export_id=export.id,
    )


def start(*, session: Session, export_id: str) -> str | None:
    """Mark an export as running; return its owner's id (None if it is gone or done)."""
    export = session.get(DataExport, export_id)
    if export is None or export.status not in ACTIVE:
        return None
    export.status, export.progress, export.updated_at = "running", 0, utcnow()
    session.add(export)
    return export.user_id


def set_progress(*, session: Session, export_id: str, progress: int) -> None:
    """Store how far an export got (a percentage)."""
    session.exec(
        update(DataExport)
        .where(col(DataExport.id) == export_id, col(DataExport.status) == "running")
        .values(progress=max(0, min(99, progress)), updated_at=utcnow())
    )


def finish(*, session: Session, export_id: str, size_bytes: int) -> DataExport | None:
    """Mark an export ready for 24 hours and queue the "ready" email.

    Returns:
        The export, or None when it was deleted meanwhile (its owner deleted
        the account): the caller then removes the archive.
    """
    export = session.get(DataExport, export_id)
    if export is None:
        return None
    now = utcnow()
    export.status, export.progress, export.size_bytes = READY, 100, size_bytes
    export.finished_at = export.updated_at = now
    export.expires_at = now + timedelta(hours=get_settings().export_ttl_hours)
    session.add(export)
    notifications.export_ready(
        session=session, user_id=export.user_id, expires_at=export.expires_at
    )
    return export


def fail(*, session: Session, export_id: str, error: str) -> None:
    """Mark an export failed; it does not count against the hourly limit."""
    export = session.get(DataExport, export_id)
    if export is None:
        return
    export.status, export.error, export.updated_at = FAILED, error[:300], utcnow()
    export.finished_at = export.updated_at
    session.add(export)


def stalled(*, session: Session, stale_before: datetime) -> list[str]:
    """Exports queued or running that stopped reporting progress (their instance died)."""
    return list(
        session.exec(
            select(DataExport.id).where(
                col(DataExport.status).in_(ACTIVE), col(DataExport.updated_at) < stale_before
            )
        )
    )


def expire(*, session: Session, now: datetime | None = None) -> tuple[int, list[str]]:
    """Delete expired exports, and failed ones older than the time-to-live.

    Returns:
        How many were deleted, and the ids whose archives to remove once the
        caller committed (`export_store.remove`).
    """
    now = now or utcnow()
    ttl = timedelta(hours=get_settings().export_ttl_hours)
    rows = session.exec(
        select(DataExport).where(
            (col(DataExport.expires_at) <= now)
            | ((col(DataExport.status) == FAILED) & (col(DataExport.updated_at) <= now - ttl))
        )
    ).all()
    ids = [row.id for row in rows]
    for row in rows:
        session.delete(row)
    return len(rows), ids
