"""Usage accounting: every answered message and generated image, with tokens and cost.

Chat and the image studio call `record_usage` once per assistant message or
generated image, in the same transaction that stores it. Quotas
(services/billing/quotas.py) and the billing page read these events.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from nomask_app.models import UsageEvent
from nomask_app.models.common import utcnow
from nomask_app.services.common.errors import FieldErrors

KINDS = ("message", "image")
_MICRO = Decimal("0.000001")
DAILY_SERIES_DAYS = 30


def to_micro_usd(cost: float | Decimal | int | None) -> int:
    """Dollars (as litellm reports them) -> whole millionths of a dollar."""
    if not cost:
        return 0
    micro = (Decimal(str(cost)) / _MICRO).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(micro), 0)


def from_micro_usd(micro: int) -> Decimal:
    """Whole millionths of a dollar -> dollars."""
    return Decimal(micro) * _MICRO


def record_usage(
    *,
    session: Session,
    user_id: str,
    kind: str,
    model: str,
    provider: str,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cost: float | Decimal | None = 0,
    at: datetime | None = None,
) -> UsageEvent:
    """Record one answered message (``kind="message"``) or generated image (``"image"``).

    Args:
        session: The caller's session; the event is added, not committed.
        user_id: Whose usage this is.
        kind: ``"message"`` or ``"image"``.
        model: The model id as the picker names it.
        provider: The provider that served it (``openai``, ``anthropic``, ...).
        prompt_tokens: Tokens sent (0 when unknown).
        completion_tokens: Tokens received (0 when unknown).
        cost: Provider cost in US dollars, as litellm reports it (None when unknown).
        at: When it happened (now by default).

    Raises:
        FieldErrors: an unknown kind or negative numbers; nothing is recorded.
    """
    errors = {}
    if kind not in KINDS:
        errors["kind"] = f"Usage kind must be one of {', '.join(KINDS)}."
    if prompt_tokens < 0 or completion_tokens < 0:
        errors["tokens"] = "Token counts cannot be negative."
    if cost is not None and cost < 0:
        errors["cost"] = "Cost cannot be negative."
    if errors:
        raise FieldErrors(errors)
    event = UsageEvent(
        user_id=user_id,
        kind=kind,
        model=model[:200],
        provider=provider[:64],
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_micro_usd=to_micro_usd(cost),
        created_at=at or utcnow(),
    )
    session.add(event)
    return event


def count_usage(*, session: Session, user_id: str, kind: str, since: datetime) -> int:
    """How many events of `kind` this person has had since `since`."""
    query = select(func.count(UsageEvent.id)).where(
        UsageEvent.user_id == user_id,
        UsageEvent.kind == kind,
        UsageEvent.created_at >= since,
    )
    return int(session.exec(query).one())


@dataclass(frozen=True)
class UsageTotals:
    """Usage over a span of time."""

    messages: int = 0
    images: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)

    @property
    def tokens(self) -> int:
        """Prompt and completion tokens together."""
        return self.prompt_tokens + self.completion_tokens


def usage_summary(
    *, session: Session, user_id: str, start: datetime, end: datetime | None = None
) -> UsageTotals:
    """This person's messages, images, tokens and cost in ``[start, end)``."""
    query = select(
        UsageEvent.kind,
        func.count(UsageEvent.id),
        func.coalesce(func.sum(UsageEvent.prompt_tokens), 0),
        func.coalesce(func.sum(UsageEvent.completion_tokens), 0),
        func.coalesce(func.sum(UsageEvent.cost_micro_usd), 0),
    ).where(UsageEvent.user_id == user_id, UsageEvent.created_at >= start)
    if end is not None:
        query = query.where(UsageEvent.created_at < end)
    counts = {"message": 0, "image": 0}
    prompt = completion = micro = 0
    for kind, count, kind_prompt, kind_completion, kind_micro in session.exec(
        query.group_by(UsageEvent.kind)
    ):
        counts[kind] = int(count)
        prompt += int(kind_prompt)
        completion += int(kind_completion)
        micro += int(kind_micro)
    return UsageTotals(
        messages=counts["message"],
        images=counts["image"],
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_usd=from_micro_usd(micro),
    )


@dataclass(frozen=True)
class DailyUsage:
    """One UTC day of usage."""

    day: date
    messages: int = 0
    images: int = 0
    tokens: int = 0
    cost_usd: Decimal = Decimal(0)


def daily_usage(
    *, session: Session, user_id: str, days: int = DAILY_SERIES_DAYS, now: datetime | None = None
) -> list[DailyUsage]:
    """This person's usage per UTC day for the last `days` days, oldest first, today last.

    Days without usage are included with zeros, so a chart has no gaps.
    """
    today = (now or utcnow()).astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    # Grouped here rather than in SQL: "the date in UTC" is spelled differently
    # on every database, and a month of one person's events is small.
    rows = session.exec(
        select(
            UsageEvent.created_at,
            UsageEvent.kind,
            UsageEvent.prompt_tokens + UsageEvent.completion_tokens,
            UsageEvent.cost_micro_usd,
        ).where(UsageEvent.user_id == user_id, UsageEvent.created_at >= start)
    )
    buckets = {first + timedelta(days=n): [0, 0, 0, 0] for n in range(days)}
    for created_at, kind, tokens, micro in rows:
        bucket = buckets.get(created_at.astimezone(UTC).date())
        if bucket is None:  # in the future of `now`
            continue
        bucket[0 if kind == "message" else 1] += 1
        bucket[2] += int(tokens)
        bucket[3] += int(micro)
    return [
        DailyUsage(
            day=day,
            messages=messages,
            images=images,
            tokens=tokens,
            cost_usd=from_micro_usd(micro),
        )
        for day, (messages, images, tokens, micro) in buckets.items()
    ]
