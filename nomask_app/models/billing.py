"""Billing: a person's Stripe subscription, processed webhooks and usage (policy §1.4, §2).

Only Stripe ids, the plan, the subscription status and period dates are
kept. Card numbers, expiry dates and other payment credentials never reach
us: Stripe Checkout and the Customer Portal collect them on Stripe's pages
(tests/test_no_card_data.py walks the schema to keep it that way).
"""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from nomask_app.models.common import id_field, user_fk, utcnow


class BillingAccount(SQLModel, table=True):
    """The link between a person and their Stripe customer and subscription.

    `status` mirrors the Stripe subscription status (``active``,
    ``past_due``, ``canceled``, ...) or is ``none`` before any subscription.
    `past_due_since` starts the grace period after a failed payment.
    """

    __tablename__ = "billing_accounts"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: str = id_field()
    user_id: str = user_fk()
    stripe_customer_id: str | None = Field(default=None, max_length=255, unique=True)
    stripe_subscription_id: str | None = Field(default=None, max_length=255, index=True)
    plan: str = Field(default="", max_length=32)
    status: str = Field(default="none", max_length=32)
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    past_due_since: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StripeEvent(SQLModel, table=True):
    """A webhook event already processed; the unique `event_id` makes redelivery a no-op.

    Holds no personal data, so it outlives the account it may have concerned.
    """

    __tablename__ = "stripe_events"

    id: str = id_field()
    event_id: str = Field(max_length=255, unique=True)
    type: str = Field(max_length=100)
    outcome: str = Field(default="", max_length=32)
    received_at: datetime = Field(default_factory=utcnow)


class UsageEvent(SQLModel, table=True):
    """One chat message answered or one image generated: the basis of quotas.

    `cost_micro_usd` is the provider cost in millionths of a dollar, exact
    where floats would drift when summed.
    """

    __tablename__ = "usage_events"
    # Quota checks count one person's events of one kind since a moment.
    __table_args__ = (Index("ix_usage_events_user_kind_created", "user_id", "kind", "created_at"),)

    id: str = id_field()
    user_id: str = user_fk()
    kind: str = Field(max_length=16)
    model: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=64)
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    cost_micro_usd: int = Field(default=0, ge=0)
    created_at: datetime = Field(default_factory=utcnow)
