"""Browser sessions: random cookie tokens of which only a hash is stored.

A session ends when it is signed out, idle longer than the idle timeout, or
older than its absolute lifetime. Every sign-in gets a new token.
"""

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from sqlmodel import Session, col, delete, select
from user_agents import parse as parse_user_agent

from nomask_app.config import get_settings
from nomask_app.models import LoginTicket, User, UserSession
from nomask_app.models.common import utcnow

SESSION_COOKIE = "nomask_session"
TICKET_LIFETIME = timedelta(seconds=60)
# Writing `last_seen_at` on every request would turn each page view into a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_TOKEN_BYTES = 32  # 256 bits of randomness
_MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    """SHA-256 of a token: enough for 256-bit random values, and fast to look up."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@lru_cache(maxsize=256)
def describe_device(user_agent: str) -> str:
    """A short label such as "Chrome 120 on Windows" for a User-Agent header."""
    if not user_agent:
        return "Unknown device"
    agent = parse_user_agent(user_agent)
    browser = f"{agent.browser.family} {agent.browser.version_string}".strip()
    return f"{browser} on {agent.os.family}"[:120]


def create_session(
    *, session: Session, user_id: str, ip_address: str = "", user_agent: str = ""
) -> tuple[UserSession, str]:
    """Start a session for `user_id`.

    Returns:
        The stored session and the raw token for the cookie (never stored).
    """
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    now = utcnow()
    row = UserSession(
        user_id=user_id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=get_settings().session_lifetime_days),
        ip_address=ip_address[:45],
        user_agent=user_agent[:512],
        device=describe_device(user_agent[:512]),
    )
    session.add(row)
    return row, token


def resolve_session(*, session: Session, token: str | None) -> tuple[User, UserSession] | None:
    """Return the user and session a cookie token belongs to, or None.

    Expired sessions, and any of a suspended account, are deleted on sight;
    `last_seen_at` is refreshed at most once a minute.
    """
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    # One query for both: this runs before every event handler's work.
    found = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    idle = timedelta(hours=get_settings().session_idle_hours)
    # A suspended account's sessions were ended; one that slipped through ends now.
    if now >= row.expires_at or now - row.last_seen_at >= idle or user.suspended_at is not None:
        session.delete(row)
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        session.add(row)
    return user, row


def revoke_session(*, session: Session, token: str | None) -> str | None:
    """Delete the session behind a cookie token.

    Returns:
        The id of the user it belonged to, or None if there was none.
    """
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    session.delete(row)
    return row.user_id


def issue_login_ticket(*, session: Session, user_id: str, next_path: str = "/") -> str:
    """Create a single-use ticket, valid for a minute, that starts a session.

    Returns:
        The raw ticket (only its hash is stored).
    """
    ticket = secrets.token_urlsafe(_TOKEN_BYTES)
    now = utcnow()
    session.add(
        LoginTicket(
            user_id=user_id,
            ticket_hash=hash_token(ticket),
            next_path=safe_next_path(next_path),
            created_at=now,
            expires_at=now + TICKET_LIFETIME,
        )
    )
    return ticket


def redeem_login_ticket(*, session: Session, ticket: str | None) -> LoginTicket | None:
    """Consume a ticket: return it if it was valid, and make it unusable either way."""
    if not ticket or len(ticket) > _MAX_TOKEN_LENGTH:
        return None
    row = session.exec(
        select(LoginTicket).where(LoginTicket.ticket_hash == hash_token(ticket))
    ).first()
    if row is None:
        return None
    session.delete(row)
    # Old tickets that were never used are cleaned up on the way.
    session.exec(delete(LoginTicket).where(LoginTicket.expires_at < utcnow()))
    return row if utcnow() < row.expires_at else None


def safe_next_path(raw: str | None) -> str:
    """Keep a post-sign-in destination only if it is a path on this site."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    if any(ch in raw for ch in "\r\n\t") or raw.startswith("/api/"):
        return "/"
    return raw[:512]
