"""Quotas: whether a person's plan allows one more message or image, checked first.

Chat and the image studio call `check_quota` BEFORE any provider call (and
before storing anything that would be lost), and `record_usage` once the
provider has answered. At the limit `QuotaExceeded` carries a message for
people, when the quota resets and where to upgrade.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from nomask_app.config import get_settings
from nomask_app.models.common import utcnow
from nomask_app.services.billing.plans import Plan
from nomask_app.services.billing.subscriptions import (
    BILLING_PATH,
    billing_enabled,
    get_account,
    plan_of,
    usage_period,
)
from nomask_app.services.billing.usage import KINDS, count_usage
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.common.units import file_size


class QuotaExceeded(Exception):
    """The plan does not allow this request.

    Attributes:
        message: What to tell the person, ready to show next to their input.
        reason: ``messages_per_day``, ``images_per_month``, ``model`` or ``upload_size``.
        limit: The plan's limit that was reached (a count, or bytes for uploads).
        resets_at: When the quota resets (UTC), or None for limits that do not reset.
        upgrade_url: Where to upgrade (the billing page).
        plan: The plan in force.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        limit: int | None,
        resets_at: datetime | None,
        plan: Plan,
    ):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.limit = limit
        self.resets_at = resets_at
        self.upgrade_url = BILLING_PATH
        self.plan = plan


def next_utc_midnight(now: datetime) -> datetime:
    """The start of the next UTC day."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def _when(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment:%Y} at {moment:%H:%M} UTC"


# Files named in one "too large" message; a client may claim to have dropped thousands.
MAX_REFUSALS = 20


@dataclass(frozen=True)
class UploadLimit:
    """The largest file a person may upload now, and where that limit comes from.

    Attributes:
        max_bytes: The smaller of the plan's limit and the server's own cap.
        source: "on the Free plan", or "on this server" when no plan sets it lower.
    """

    max_bytes: int
    source: str

    @property
    def label(self) -> str:
        """The limit as shown next to an upload button."""
        return f"Up to {file_size(self.max_bytes)} per file."

    def refusal(self, filename: str = "", size: int | None = None) -> str:
        """The one message for a file over the limit: it names the file and the limit."""
        name = f"“{filename}”" if filename else "This file"
        said = f"{name} is {file_size(size)}" if size else f"{name} is too large"
        return f"{said}: files can be at most {file_size(self.max_bytes)} {self.source}."

    def refusals(self, names: object) -> str:
        """Why the browser kept files back: one `refusal` naming each (a few at most).

        The names come from the client: anything but a list of text is skipped.
        """
        said = [
            self.refusal(name.removeprefix("./")[:255] or "file")
            for name in (names[:MAX_REFUSALS] if isinstance(names, list) else [])
            if isinstance(name, str)
        ]
        return " ".join(said)


def _upload_limit(plan: Plan) -> UploadLimit:
    server = get_settings().max_upload_bytes
    if plan.max_upload_bytes < server:
        return UploadLimit(plan.max_upload_bytes, f"on the {plan.name} plan")
    return UploadLimit(server, "on this server")


def upload_limit(*, session: Session, user_id: str, now: datetime | None = None) -> UploadLimit:
    """The largest file this person may upload now (plan and server caps together)."""
    account = get_account(session=session, user_id=user_id)
    return _upload_limit(plan_of(account, now=now or utcnow()))


def check_quota(
    *,
    session: Session,
    user_id: str,
    kind: str,
    model: str | None = None,
    upload_bytes: int | None = None,
    filename: str = "",
    count: int = 1,
    now: datetime | None = None,
) -> Plan:
    """Check that this person's plan allows `count` more of `kind` now.

    Args:
        session: The caller's session (only read).
        user_id: Who is asking; identity must come from the session cookie.
        kind: ``"message"`` (a chat message, attachment included), ``"image"``
            (an image generation or AI edit), or ``"upload"`` (storing a file
            only: just `upload_bytes` is checked, no allowance is counted).
        model: The model about to be called, if any; checked against the plan.
        upload_bytes: The size of a file about to be stored, if any.
        filename: The name of that file, for the message.
        count: How many messages or images this request would use.
        now: The current time (for tests).

    Returns:
        The plan in force, for callers that want its other limits.

    Raises:
        QuotaExceeded: the plan does not allow it; nothing was used up.
        FieldErrors: an unknown kind.
    """
    if kind not in (*KINDS, "upload"):
        raise FieldErrors({"kind": f"Quota kind must be one of {', '.join(KINDS)} or upload."})
    now = now or utcnow()
    account = get_account(session=session, user_id=user_id)
    plan = plan_of(account, now=now)
    # With billing off there is nothing to upgrade to: do not suggest it.
    upgrade = " Upgrade your plan on the billing page for more." if billing_enabled() else ""
    uploads = _upload_limit(plan)
    if upload_bytes is not None and upload_bytes > uploads.max_bytes:
        raise QuotaExceeded(
            uploads.refusal(filename, upload_bytes)
            + (upgrade if uploads.max_bytes == plan.max_upload_bytes else ""),
            reason="upload_size",
            limit=uploads.max_bytes,
            resets_at=None,
            plan=plan,
        )
    if model is not None and not plan.allows_model(model):
        raise QuotaExceeded(
            f"The model {model} is not included in the {plan.name} plan. Choose another "
            + ("model, or upgrade your plan on the billing page." if upgrade else "model."),
            reason="model",
            limit=None,
            resets_at=None,
            plan=plan,
        )
    if kind == "upload":
        return plan
    allowance = _allowance(session, user_id, account, plan, kind, now)
    if allowance.limit is None:  # this plan does not cap it
        return plan
    if allowance.used + count > allowance.limit:
        if kind == "message":
            what, span, reason = "messages", "today", "messages_per_day"
        else:
            what, reason = "image generations", "images_per_month"
            span = "this billing period" if plan.is_paid else "this month"
        raise QuotaExceeded(
            f"You have used {allowance.used} of the {allowance.limit} {what} the {plan.name} "
            f"plan includes {span}. Your allowance resets on {_when(allowance.resets_at)}."
            f"{upgrade}",
            reason=reason,
            limit=allowance.limit,
            resets_at=allowance.resets_at,
            plan=plan,
        )
    return plan


@dataclass(frozen=True)
class Allowance:
    """How much of one allowance a person has used in its current period.

    Attributes:
        used: Messages (today) or images (this month or billing period) used.
        limit: What the plan allows in that period; None for no limit.
        resets_at: When the period ends (UTC).
        paid_period: Whether the period is a paid billing period (not a calendar month).
    """

    used: int
    limit: int | None
    resets_at: datetime
    paid_period: bool

    @property
    def left(self) -> int | None:
        """How many are left (never below 0); None for no limit."""
        return None if self.limit is None else max(0, self.limit - self.used)


def _allowance(session, user_id, account, plan: Plan, kind: str, now: datetime) -> Allowance:
    if kind == "message":
        since, resets_at = next_utc_midnight(now) - timedelta(days=1), next_utc_midnight(now)
        limit = plan.messages_per_day
    else:
        since, resets_at = usage_period(account, now=now)
        limit = plan.images_per_month
    used = count_usage(session=session, user_id=user_id, kind=kind, since=since)
    return Allowance(used=used, limit=limit, resets_at=resets_at, paid_period=plan.is_paid)


def allowance(
    *, session: Session, user_id: str, kind: str, now: datetime | None = None
) -> Allowance:
    """How much of this person's message or image allowance is used and left now.

    Raises:
        FieldErrors: an unknown kind.
    """
    if kind not in KINDS:
        raise FieldErrors({"kind": f"Quota kind must be one of {', '.join(KINDS)}."})
    now = now or utcnow()
    account = get_account(session=session, user_id=user_id)
    return _allowance(session, user_id, account, plan_of(account, now=now), kind, now)
