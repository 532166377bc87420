"""The admin console's data: accounts, usage, errors (policy §6: access restricted and monitored).

Roles are ``user`` and ``admin``. Every look an admin takes at a person's
data is written to the audit trail on that person's account, so they see it
on their privacy page. Conversation content stays hidden unless the admin
states a reason, which is recorded with the access and shown to the person.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from nomask_app.models import Conversation, Message, SecurityEvent, TwoFactor, UsageEvent, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.sessions import resolve_session
from nomask_app.services.accounts.validation import normalize_email
from nomask_app.services.billing.usage import UsageTotals, usage_summary
from nomask_app.services.chat.conversations import ON_PATH
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.common.text import clean_text
from nomask_app.services.operations import audit

ROLES = ("user", "admin")
ADMIN = "admin"
REASON_MIN, REASON_MAX = 10, 500
SERIES_DAYS = 30
USERS_PAGE = 100


def is_admin(user: User | None) -> bool:
    """Whether this account may open the admin console."""
    return user is not None and user.role == ADMIN


def is_admin_token(*, session: Session, token: str | None) -> bool:
    """Whether a session cookie's token belongs to a signed-in admin."""
    resolved = resolve_session(session=session, token=token)
    return resolved is not None and is_admin(resolved[0])


def require_admin(*, session: Session, user_id: str) -> User:
    """The admin with this id.

    Raises:
        NotFound: no such account, or not an admin (the console "does not exist").
    """
    user = session.get(User, user_id) if user_id else None
    if not is_admin(user):
        raise NotFound("admin")
    return user


def set_role(*, session: Session, email: str, role: str, by: str = "command line") -> User:
    """Give an account a role (``create-admin`` uses it).

    Raises:
        FieldErrors: an unknown role or address.
        NotFound: no account has this address.
    """
    if role not in ROLES:
        raise FieldErrors({"role": f"Role must be one of {', '.join(ROLES)}."})
    normalized, problem = normalize_email(email)
    if problem:
        raise FieldErrors({"email": problem})
    user = session.exec(select(User).where(User.email == normalized)).first()
    if user is None:
        raise NotFound(normalized)
    if user.role != role:
        previous, user.role, user.updated_at = user.role, role, utcnow()
        session.add(user)
        audit.record_event(
            session=session,
            kind=audit.ROLE_CHANGED,
            user_id=user.id,
            previous=previous,
            role=role,
            by=by[:64],
        )
    return user


def check_reason(reason: str) -> str:
    """An admin's stated reason, whitespace folded; the person concerned will read it.

    Raises:
        FieldErrors: ``{"reason": ...}`` when it is missing, too short, too long, or
            carries control or text-direction characters.
    """
    cleaned, problem = clean_text(reason, what="A reason", max_len=REASON_MAX)
    if not problem and len(cleaned) < REASON_MIN:
        problem = f"Say why, in at least {REASON_MIN} characters."
    if problem:
        raise FieldErrors({"reason": problem})
    return cleaned


@dataclass(frozen=True)
class AccountRow:
    """One line of the accounts table: no content, only what operating needs."""

    id: str
    email: str
    name: str
    role: str
    created_at: datetime
    verified: bool
    two_factor: bool
    messages_30d: int
    images_30d: int
    suspended: bool = False


def list_accounts(
    *, session: Session, admin_id: str, query: str = "", page: int = 0
) -> tuple[list[AccountRow], bool]:
    """One page of accounts, newest first (filtered by address or name), with 30 days of usage.

    Returns:
        The page's rows, and whether another page follows.
    """
    require_admin(session=session, user_id=admin_id)
    since = utcnow() - timedelta(days=SERIES_DAYS)
    statement = (
        select(User)
        .order_by(col(User.created_at).desc(), col(User.id).desc())
        .offset(max(0, page) * USERS_PAGE)
        .limit(USERS_PAGE + 1)  # one more tells whether a next page exists
    )
    needle = query.strip().lower()[:100]
    if needle:
        pattern = f"%{needle}%"
        statement = statement.where(
            col(User.email).like(pattern) | func.lower(col(User.name)).like(pattern)
        )
    found = session.exec(statement).all()
    users, more = found[:USERS_PAGE], len(found) > USERS_PAGE
    ids = [user.id for user in users]
    counts: dict[tuple[str, str], int] = {}
    if ids:
        for user_id, kind, count in session.exec(
            select(UsageEvent.user_id, UsageEvent.kind, func.count(UsageEvent.id))
            .where(col(UsageEvent.user_id).in_(ids), UsageEvent.created_at >= since)
            .group_by(UsageEvent.user_id, UsageEvent.kind)
        ):
            counts[(user_id, kind)] = int(count)
    enrolled = set(
        session.exec(
            select(TwoFactor.user_id).where(
                col(TwoFactor.user_id).in_(ids), col(TwoFactor.enabled_at).is_not(None)
            )
        ).all()
    )
    audit.record_event(
        session=session,
        kind=audit.ADMIN_LISTED_USERS,
        admin_id=admin_id,
        shown=len(users),
        page=max(0, page),
    )
    return [
        AccountRow(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            created_at=user.created_at,
            verified=user.email_verified_at is not None,
            two_factor=user.id in enrolled,
            messages_30d=counts.get((user.id, "message"), 0),
            images_30d=counts.get((user.id, "image"), 0),
            suspended=user.suspended_at is not None,
        )
        for user in users
    ], more


@dataclass(frozen=True)
class AccountDetail:
    """One account as the console shows it before any content is opened."""

    id: str
    email: str
    name: str
    role: str
    created_at: datetime
    conversations: int
    usage_30d: UsageTotals
    suspended_at: datetime | None = None
    suspension_reason: str = ""


def account_detail(*, session: Session, admin_id: str, user_id: str) -> AccountDetail:
    """Open one account (recorded on that account's audit trail).

    Raises:
        NotFound: no such account (or the caller is not an admin).
    """
    require_admin(session=session, user_id=admin_id)
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound(user_id)
    conversations = session.exec(
        select(func.count(Conversation.id)).where(Conversation.user_id == user.id)
    ).one()
    audit.record_event(
        session=session, kind=audit.ADMIN_VIEWED_ACCOUNT, user_id=user.id, admin_id=admin_id
    )
    return AccountDetail(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        created_at=user.created_at,
        conversations=int(conversations),
        usage_30d=usage_summary(
            session=session, user_id=user.id, start=utcnow() - timedelta(days=SERIES_DAYS)
        ),
        suspended_at=user.suspended_at,
        suspension_reason=user.suspension_reason,
    )


@dataclass(frozen=True)
class ConversationExcerpt:
    """A conversation opened by an admin, with its latest messages."""

    id: str
    title: str
    messages: list[tuple[str, str]]  # (role, text)


def read_conversations(
    *, session: Session, admin_id: str, user_id: str, reason: str, limit: int = 10
) -> list[ConversationExcerpt]:
    """Show a person's conversations to an admin who states why.

    The reason is written to the person's audit trail, where they can read it.

    Raises:
        FieldErrors: ``{"reason": ...}`` when the reason is missing, too long
            or carries unsafe characters.
        NotFound: no such account (or the caller is not an admin).
    """
    require_admin(session=session, user_id=admin_id)
    cleaned = check_reason(reason)
    if session.get(User, user_id) is None:
        raise NotFound(user_id)
    audit.record_event(
        session=session,
        kind=audit.ADMIN_VIEWED_CONVERSATIONS,
        user_id=user_id,
        admin_id=admin_id,
        reason=cleaned,
    )
    conversations = session.exec(
        select(Conversation)
        .where(Conversation.user_id == user_id)
        .order_by(col(Conversation.updated_at).desc())
        .limit(limit)
    ).all()
    excerpts = []
    for conversation in conversations:
        rows = session.exec(
            select(Message.role, Message.content)
            .where(Message.conversation_id == conversation.id, ON_PATH)
            .order_by(col(Message.seq).desc())
            .limit(20)
        ).all()
        excerpts.append(
            ConversationExcerpt(
                conversation.id, conversation.title, [(r, c) for r, c in reversed(rows)]
            )
        )
    return excerpts


@dataclass(frozen=True)
class DayPoint:
    """One UTC day of the console's charts."""

    day: date
    signups: int = 0
    messages: int = 0
    images: int = 0
    tokens: int = 0
    failed_replies: int = 0
    failed_signins: int = 0


def _by_day(session: Session, column, *conditions) -> dict[date, int]:
    counts: dict[date, int] = {}
    for moment in session.exec(select(column).where(*conditions)):
        day = moment.astimezone(UTC).date()
        counts[day] = counts.get(day, 0) + 1
    return counts


def daily_series(*, session: Session, admin_id: str, days: int = SERIES_DAYS) -> list[DayPoint]:
    """Sign-ups, usage and errors per UTC day, oldest first (no personal data)."""
    require_admin(session=session, user_id=admin_id)
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    signups = _by_day(session, User.created_at, User.created_at >= start)
    failed = _by_day(
        session, Message.created_at, Message.created_at >= start, Message.status == "failed"
    )
    bad_signins = _by_day(
        session,
        SecurityEvent.created_at,
        SecurityEvent.created_at >= start,
        SecurityEvent.kind == audit.SIGNIN_FAILED,
    )
    usage: dict[date, list[int]] = {}
    for moment, kind, tokens in session.exec(
        select(
            UsageEvent.created_at,
            UsageEvent.kind,
            UsageEvent.prompt_tokens + UsageEvent.completion_tokens,
        ).where(UsageEvent.created_at >= start)
    ):
        bucket = usage.setdefault(moment.astimezone(UTC).date(), [0, 0, 0])
        bucket[0 if kind == "message" else 1] += 1
        bucket[2] += int(tokens)
    points = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        messages, images, tokens = usage.get(day, [0, 0, 0])
        points.append(
            DayPoint(
                day=day,
                signups=signups.get(day, 0),
                messages=messages,
                images=images,
                tokens=tokens,
                failed_replies=failed.get(day, 0),
                failed_signins=bad_signins.get(day, 0),
            )
        )
    return points


@dataclass(frozen=True)
class ErrorRow:
    """A failed reply: when, which model, and our own error text (never the content)."""

    when: datetime
    model: str
    error: str


def recent_errors(*, session: Session, admin_id: str, limit: int = 20) -> list[ErrorRow]:
    """The latest failed replies across the service."""
    require_admin(session=session, user_id=admin_id)
    rows = session.exec(
        select(Message.created_at, Message.model, Message.error)
        .where(Message.status == "failed")
        .order_by(col(Message.created_at).desc())
        .limit(limit)
    ).all()
    return [ErrorRow(when, model, error) for when, model, error in rows]
