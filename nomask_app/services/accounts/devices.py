"""The browsers signed in to an account: list them, sign them out, spot new ones.

Backs the "Active sessions" part of the settings page and the security alert
for a sign-in from a device or IP address not seen before (policy §1.3, §6).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select
from user_agents import parse as parse_user_agent

from nomask_app.config import get_settings
from nomask_app.models import SecurityEvent, User, UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.sessions import describe_device
from nomask_app.services.common.errors import NotFound
from nomask_app.services.operations import emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.operations.delivery import send_after_commit

# Events that prove the person used this device and address before.
_KNOWN_DEVICE_EVENTS = ("account.created", "signin.succeeded")
_HISTORY_LIMIT = 500


@dataclass(frozen=True)
class ActiveSession:
    """One signed-in browser as shown to its owner.

    Attributes:
        id: The session row id (never the cookie token).
        device: Browser and operating system, e.g. "Chrome 120.0.0 on Linux".
        ip_address: Address of the sign-in.
        created_at: When it signed in.
        last_seen_at: When it was last used (to the minute).
        current: Whether it is the browser asking.
    """

    id: str
    device: str
    ip_address: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def list_sessions(
    *, session: Session, user_id: str, current_session_id: str = ""
) -> list[ActiveSession]:
    """The user's live sessions, the current one first, then the most recently used."""
    now = utcnow()
    idle_cutoff = now - timedelta(hours=get_settings().session_idle_hours)
    rows = session.exec(
        select(UserSession).where(
            UserSession.user_id == user_id,
            UserSession.expires_at > now,
            UserSession.last_seen_at > idle_cutoff,
        )
    ).all()
    views = [
        ActiveSession(
            id=row.id,
            device=row.device or describe_device(row.user_agent),
            ip_address=row.ip_address,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=row.id == current_session_id,
        )
        for row in rows
    ]
    return sorted(views, key=lambda view: (not view.current, -view.last_seen_at.timestamp()))


def revoke_session(
    *, session: Session, user_id: str, session_id: str, ip_address: str = "", user_agent: str = ""
) -> None:
    """Sign out one of the user's browsers.

    Raises:
        NotFound: no such session, or it belongs to someone else.
    """
    row = session.get(UserSession, session_id) if session_id else None
    if row is None or row.user_id != user_id:
        raise NotFound("session")
    session.delete(row)
    record_event(
        session=session,
        kind="session.revoked",
        user_id=user_id,
        ip_address=ip_address,
        user_agent=user_agent,
    )


def revoke_all_sessions(*, session: Session, user_id: str, except_session_id: str = "") -> int:
    """Sign out every browser of the user, except `except_session_id` if given.

    Returns:
        How many sessions were ended.
    """
    query = delete(UserSession).where(col(UserSession.user_id) == user_id)
    if except_session_id:
        query = query.where(col(UserSession.id) != except_session_id)
    return session.exec(query).rowcount


def device_key(user_agent: str) -> str:
    """Browser and operating system without versions: updates are not new devices."""
    if not user_agent:
        return ""
    agent = parse_user_agent(user_agent)
    return f"{agent.browser.family}|{agent.os.family}|{agent.device.family}"


def is_new_device(*, session: Session, user_id: str, ip_address: str, user_agent: str) -> bool:
    """Whether no earlier sign-in (or the sign-up) came from this device AND address."""
    agents = session.exec(
        select(SecurityEvent.user_agent)
        .where(
            SecurityEvent.user_id == user_id,
            col(SecurityEvent.kind).in_(_KNOWN_DEVICE_EVENTS),
            SecurityEvent.ip_address == ip_address[:45],
        )
        .order_by(col(SecurityEvent.created_at).desc())
        .limit(_HISTORY_LIMIT)
    ).all()
    key = device_key(user_agent[:512])
    return all(device_key(agent) != key for agent in agents)


def alert_if_new_device(
    *, session: Session, user_id: str, ip_address: str = "", user_agent: str = ""
) -> bool:
    """Email a security alert when this sign-in comes from a new device or address.

    Call it before the sign-in itself is recorded as an event.

    Returns:
        Whether an alert was queued.
    """
    user = session.get(User, user_id)
    if user is None or not is_new_device(
        session=session, user_id=user.id, ip_address=ip_address, user_agent=user_agent
    ):
        return False
    send_after_commit(
        session,
        emails.new_sign_in(
            to=user.email,
            name=user.name,
            when=utcnow(),
            device=describe_device(user_agent[:512]),
            ip_address=ip_address,
        ),
        account_id=user.id,
    )
    return True
