"""The audit trail: security events, append-only (policy §1.3 IP addresses, §6 monitored access).

Every event names its kind with one of the constants below. Rows are only
ever added: the ORM refuses to update or delete one (see `_append_only`);
they leave the database only with their account (ON DELETE CASCADE), because
deleting an account deletes everything about the person.

Features built elsewhere record their events through `record_event` with
these kinds: exports (`EXPORT_REQUESTED`, `EXPORT_DOWNLOADED`), deletions
(`CONVERSATION_DELETED`, `CONVERSATIONS_DELETED`, `ACCOUNT_DELETED`), billing changes
(`BILLING_CHANGED`), and every admin look at a person's data (`ADMIN_*`).
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from nomask_app.models import SecurityEvent

# Accounts and sign-in.
ACCOUNT_CREATED = "account.created"
ACCOUNT_ACTIVATED = "account.activated"
ADDRESS_CLAIMED = "address.claimed"
SIGNIN_SUCCEEDED = "signin.succeeded"
SIGNIN_FAILED = "signin.failed"
SIGNIN_THROTTLED = "signin.throttled"
SIGNIN_SECOND_FACTOR_FAILED = "signin.2fa_failed"
RECOVERY_CODE_USED = "signin.recovery_code_used"
SIGNOUT = "signout"
SIGNOUT_EVERYWHERE = "signout.everywhere"
SESSION_REVOKED = "session.revoked"
# Credentials and address.
PASSWORD_CHANGED = "password.changed"  # noqa: S105 (event kinds)
PASSWORD_RESET_REQUESTED = "password.reset_requested"  # noqa: S105
PASSWORD_RESET = "password.reset"  # noqa: S105
EMAIL_CHANGE_REQUESTED = "email.change_requested"
EMAIL_CHANGED = "email.changed"
EMAIL_VERIFIED = "email.verified"
TWO_FACTOR_ENABLED = "2fa.enabled"
TWO_FACTOR_DISABLED = "2fa.disabled"
RECOVERY_CODES_REGENERATED = "2fa.recovery_codes_regenerated"
# Data leaving or being removed (call sites: the privacy center).
EXPORT_REQUESTED = "export.requested"
EXPORT_DOWNLOADED = "export.downloaded"
CONVERSATION_DELETED = "conversation.deleted"
CONVERSATIONS_DELETED = "conversations.deleted"
ACCOUNT_DELETED = "account.deleted"
# Retention the person chose (services/privacy/retention.py): the choice, and each
# conversation it deleted (its id only).
AUTO_DELETE_CHANGED = "retention.auto_delete_changed"
CONVERSATION_AUTO_DELETED = "conversation.auto_deleted"
# Billing (services/billing/stripe_events.py).
BILLING_CHANGED = "billing.changed"
# Administration.
ROLE_CHANGED = "role.changed"
ADMIN_LISTED_USERS = "admin.listed_users"
ADMIN_VIEWED_ACCOUNT = "admin.viewed_account"
ADMIN_VIEWED_CONVERSATIONS = "admin.viewed_conversations"
ACCOUNT_SUSPENDED = "account.suspended"
ACCOUNT_UNSUSPENDED = "account.unsuspended"
# Email to many people (operator commands).
PRODUCT_UPDATE_SENT = "product_update.sent"

# The privacy center shows this many events per page.
EVENTS_PAGE_SIZE = 20

LABELS = {
    ACCOUNT_CREATED: "Account created",
    ACCOUNT_ACTIVATED: "Account ready: its emailed link was used",
    ADDRESS_CLAIMED: "Someone tried to use your email address for another account",
    SIGNIN_SUCCEEDED: "Signed in",
    SIGNIN_FAILED: "Failed sign-in",
    SIGNIN_THROTTLED: "Sign-in refused: too many attempts",
    SIGNIN_SECOND_FACTOR_FAILED: "Wrong two-factor code",
    RECOVERY_CODE_USED: "Signed in with a recovery code",
    SIGNOUT: "Signed out",
    SIGNOUT_EVERYWHERE: "Signed out everywhere",
    SESSION_REVOKED: "A session was signed out",
    PASSWORD_CHANGED: "Password changed",
    PASSWORD_RESET_REQUESTED: "Password reset requested",
    PASSWORD_RESET: "Password reset",
    EMAIL_CHANGE_REQUESTED: "Email change requested",
    EMAIL_CHANGED: "Email address changed",
    EMAIL_VERIFIED: "Email address confirmed",
    TWO_FACTOR_ENABLED: "Two-factor sign-in switched on",
    TWO_FACTOR_DISABLED: "Two-factor sign-in switched off",
    RECOVERY_CODES_REGENERATED: "New recovery codes made",
    EXPORT_REQUESTED: "Data export requested",
    EXPORT_DOWNLOADED: "Data export downloaded",
    CONVERSATION_DELETED: "A conversation deleted",
    CONVERSATIONS_DELETED: "All conversations deleted",
    ACCOUNT_DELETED: "Account deleted",
    AUTO_DELETE_CHANGED: "Automatic deletion of conversations changed",
    CONVERSATION_AUTO_DELETED: "A conversation deleted automatically",
    BILLING_CHANGED: "Plan or payment status changed",
    ROLE_CHANGED: "Account role changed",
    ADMIN_LISTED_USERS: "An administrator listed the accounts",
    ADMIN_VIEWED_ACCOUNT: "An administrator opened your account details",
    ADMIN_VIEWED_CONVERSATIONS: "An administrator read your conversations",
    ACCOUNT_SUSPENDED: "An administrator suspended your account",
    ACCOUNT_UNSUSPENDED: "An administrator lifted the suspension of your account",
    PRODUCT_UPDATE_SENT: "Product update sent",
}

# Events whose recorded reason the person reads next to the label (an admin
# must say why they looked, and the person is told).
_REASON_SHOWN = frozenset({ADMIN_VIEWED_CONVERSATIONS, ACCOUNT_SUSPENDED, ACCOUNT_UNSUSPENDED})


class AppendOnly(RuntimeError):
    """Someone tried to change or delete a security event."""


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
    event_row = SecurityEvent(
        kind=kind,
        user_id=user_id,
        ip_address=ip_address[:45],
        user_agent=user_agent[:512],
        detail=json.dumps(detail, sort_keys=True)[:2000],
    )
    session.add(event_row)
    return event_row


@dataclass(frozen=True)
class EventView:
    """One event as shown to people (the privacy center, the admin console).

    Attributes:
        note: What the person is told besides the label (the reason an admin
            gave), or "".
    """

    id: str
    kind: str
    label: str
    when: datetime
    ip_address: str
    device: str
    detail: dict
    note: str = ""


def label(kind: str) -> str:
    """A sentence-case description of an event kind (unknown kinds as recorded)."""
    return LABELS.get(kind, kind)


def events_for_user(
    *, session: Session, user_id: str, page: int = 0, page_size: int = EVENTS_PAGE_SIZE
) -> tuple[list[EventView], int]:
    """One page of the person's own events, newest first, and how many there are.

    Only theirs: the query is filtered by owner.
    """
    from nomask_app.services.accounts.sessions import describe_device

    owned = SecurityEvent.user_id == user_id
    total = session.exec(select(func.count()).select_from(SecurityEvent).where(owned)).one()
    rows = session.exec(
        select(SecurityEvent)
        .where(owned)
        .order_by(col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc())
        .offset(max(0, page) * page_size)
        .limit(page_size)
    ).all()
    views = []
    for row in rows:
        detail = _detail(row.detail)
        views.append(
            EventView(
                id=row.id,
                kind=row.kind,
                label=label(row.kind),
                when=row.created_at,
                ip_address=row.ip_address,
                device=describe_device(row.user_agent) if row.user_agent else "",
                detail=detail,
                note=_note(row.kind, detail),
            )
        )
    return views, total


def _note(kind: str, detail: dict) -> str:
    reason = str(detail.get("reason") or "") if kind in _REASON_SHOWN else ""
    return f"Reason given: “{reason}”" if reason else ""


def _detail(raw: str) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@event.listens_for(OrmSession, "before_flush")
def _append_only(session: OrmSession, _context, _instances) -> None:
    # Deleting the account removes its events in the database (CASCADE), never here.
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, SecurityEvent) and (row in session.deleted or session.is_modified(row)):
            raise AppendOnly("security events are append-only")


@event.listens_for(OrmSession, "do_orm_execute")
def _no_bulk_changes(state) -> None:
    # `update(SecurityEvent)` / `delete(SecurityEvent)` statements skip the flush check.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is SecurityEvent for mapper in state.all_mappers
    ):
        raise AppendOnly("security events are append-only")
