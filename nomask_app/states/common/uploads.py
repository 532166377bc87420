"""Upload limits and progress, for every upload button."""

from nomask_app.db import session_scope
from nomask_app.services.billing.quotas import UploadLimit, upload_limit


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
