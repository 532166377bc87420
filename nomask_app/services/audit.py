"""Recording security events (policy §1.3: IP addresses for security)."""

import json

from sqlmodel import Session

from nomask_app.models import SecurityEvent


def record_event(
    *,
    session: Session,
    kind: str,
    user_id: str | None = None,
    ip_address: str = "",
    user_agent: str = "",
    **detail: str | int | bool,
) -> SecurityEvent:
    """Append a security event. `detail` must never hold secrets or message text."""
    event = SecurityEvent(
        kind=kind,
        user_id=user_id,
        ip_address=ip_address[:45],
        user_agent=user_agent[:512],
        detail=json.dumps(detail, sort_keys=True)[:2000],
    )
    session.add(event)
    return event
