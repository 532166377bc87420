"""Subscriptions: who is on which plan, upgrading, managing and ending billing.

Access to a paid plan comes only from verified Stripe webhooks
(services/billing/stripe_events.py); the browser's return from Checkout changes
nothing. With no Stripe keys configured billing is off: nobody is capped,
unless the plans file names a plan for that case (`billing_off`).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from nomask_app.config import get_settings
from nomask_app.integrations import stripe as stripe_api
from nomask_app.models import BillingAccount, User
from nomask_app.models.common import utcnow
from nomask_app.services.billing.plans import Plan, plan_catalog
from nomask_app.services.common.errors import FieldErrors, NotFound

# Statuses in which Stripe still expects payment: a new checkout would double-bill.
LIVE_STATUSES = frozenset({"active", "trialing", "past_due", "unpaid", "incomplete", "paused"})
GRANTING_STATUSES = frozenset({"active", "trialing"})
BILLING_PATH = "/billing"


def billing_enabled() -> bool:
    """Whether Stripe billing is configured."""
    return get_settings().billing_enabled


def get_account(*, session: Session, user_id: str) -> BillingAccount | None:
    """This person's billing record, if they ever started a checkout."""
    return session.exec(select(BillingAccount).where(BillingAccount.user_id == user_id)).first()


def account_for_customer(*, session: Session, customer_id: str | None) -> BillingAccount | None:
    """The billing record of a Stripe customer, or None for a customer we do not know."""
    if not customer_id:
        return None
    return session.exec(
        select(BillingAccount).where(BillingAccount.stripe_customer_id == customer_id)
    ).first()


def grace_ends_at(account: BillingAccount) -> datetime | None:
    """When a past-due subscription stops granting its plan (None when not past due)."""
    if account.status != "past_due" or account.past_due_since is None:
        return None
    return account.past_due_since + timedelta(days=get_settings().billing_grace_days)


def _grants_plan(account: BillingAccount, now: datetime) -> bool:
    if account.status in GRANTING_STATUSES:
        return True
    grace_end = grace_ends_at(account)
    return grace_end is not None and now < grace_end


def plan_of(account: BillingAccount | None, *, now: datetime | None = None) -> Plan:
    """The plan a billing record grants right now."""
    catalog = plan_catalog()
    if not billing_enabled():
        return catalog.when_billing_off(get_settings().max_upload_bytes)
    if account is None or not _grants_plan(account, now or utcnow()):
        return catalog.default
    return catalog.get(account.plan)


def current_plan(*, session: Session, user_id: str, now: datetime | None = None) -> Plan:
    """The plan whose entitlements apply to this person now.

    With billing off, the plan for that case (no limits unless the operator
    set one). Otherwise the default plan, unless a verified subscription is
    active, trialing, or past due within the grace period.
    """
    return plan_of(get_account(session=session, user_id=user_id), now=now)


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar month around `now`."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def usage_period(
    account: BillingAccount | None, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The period that monthly allowances count in: the paid billing period, else the month."""
    now = now or utcnow()
    if (
        account is not None
        and account.current_period_start is not None
        and account.current_period_end is not None
        and account.current_period_start <= now < account.current_period_end
        and plan_of(account, now=now).is_paid
    ):
        return account.current_period_start, account.current_period_end
    return month_bounds(now)


@dataclass(frozen=True)
class BillingStatus:
    """What the billing page shows about a person's subscription.

    Attributes:
        enabled: Whether billing is on at all.
        plan: The plan in force now.
        status: Stripe's subscription status, or ``none``.
        period_start: Start of the usage period (billing period or calendar month).
        period_end: End of that period.
        renews: Whether a paid plan renews at `period_end` (False when it ends then).
        grace_ends_at: After a failed payment, when the paid plan stops.
        has_customer: Whether there is a Stripe customer to manage.
    """

    enabled: bool
    plan: Plan
    status: str
    period_start: datetime
    period_end: datetime
    renews: bool
    grace_ends_at: datetime | None
    has_customer: bool


def billing_status(*, session: Session, user_id: str, now: datetime | None = None) -> BillingStatus:
    """Plan, payment status and current period of this person."""
    now = now or utcnow()
    account = get_account(session=session, user_id=user_id)
    enabled = billing_enabled()
    plan = plan_of(account, now=now)
    start, end = usage_period(account, now=now)
    return BillingStatus(
        enabled=enabled,
        plan=plan,
        status=account.status if account and enabled else "none",
        period_start=start,
        period_end=end,
        renews=plan.is_paid and account is not None and not account.cancel_at_period_end,
        grace_ends_at=grace_ends_at(account) if account and enabled else None,
        has_customer=enabled and account is not None and account.stripe_customer_id is not None,
    )


def _require_billing() -> None:
    if not billing_enabled():
        raise FieldErrors({"billing": "Billing is not enabled on this server."})


def ensure_customer(*, session: Session, user_id: str) -> BillingAccount:
    """This person's billing record with a Stripe customer, creating both on first use.

    Callers commit it before starting a checkout, so a customer created at
    Stripe is always on record here (and deleted with the account).

    Raises:
        FieldErrors: billing is off.
        NotFound: no such user.
        StripeUnavailable: Stripe could not be reached.
    """
    _require_billing()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    account = get_account(session=session, user_id=user.id)
    if account is not None and account.stripe_customer_id:
        return account
    # The same key on a retry returns the same customer instead of a second one.
    customer_id = stripe_api.create_customer(
        email=user.email, user_id=user.id, idempotency_key=f"nomask-customer-{user.id}"
    )
    account = account or BillingAccount(user_id=user.id)
    account.stripe_customer_id = customer_id
    account.updated_at = utcnow()
    session.add(account)
    return account


def _checkout_key(user_id: str, price_id: str, now: datetime) -> str:
    # Clicks within the same minute reuse one Checkout Session instead of opening two.
    minute = now.strftime("%Y%m%d%H%M")
    digest = hashlib.sha256(f"{user_id}:{price_id}:{minute}".encode()).hexdigest()
    return f"nomask-checkout-{digest[:40]}"


def start_checkout(*, session: Session, user_id: str, plan_id: str) -> str:
    """The Stripe URL where this person pays for `plan_id` (or manages billing).

    Creates the Stripe customer on first use and reuses it afterwards. A
    person whose subscription is still live is sent to the Customer Portal
    instead, where they change plans without being billed twice. Nothing
    is granted here: the plan changes when Stripe's signed webhook arrives.

    Raises:
        FieldErrors: billing is off, or `plan_id` is not a paid plan.
        NotFound: no such user.
        StripeUnavailable: Stripe could not be reached.
    """
    _require_billing()
    plan = plan_catalog().find(plan_id)
    if plan is None or plan.stripe_price_id is None:
        raise FieldErrors({"plan": "Choose one of the paid plans."})
    account = get_account(session=session, user_id=user_id)
    if account is not None and account.stripe_customer_id and account.status in LIVE_STATUSES:
        return open_portal(session=session, user_id=user_id)
    account = ensure_customer(session=session, user_id=user_id)
    app_url = get_settings().app_url.rstrip("/")
    return stripe_api.create_checkout_session(
        customer_id=account.stripe_customer_id,
        price_id=plan.stripe_price_id,
        user_id=user_id,
        success_url=f"{app_url}{BILLING_PATH}?checkout=success",
        cancel_url=f"{app_url}{BILLING_PATH}?checkout=canceled",
        idempotency_key=_checkout_key(user_id, plan.stripe_price_id, utcnow()),
    )


def open_portal(*, session: Session, user_id: str) -> str:
    """The Stripe Customer Portal URL for this person (invoices, card, plan, cancel).

    Raises:
        FieldErrors: billing is off, or this person has never had a subscription.
        StripeUnavailable: Stripe could not be reached.
    """
    _require_billing()
    account = get_account(session=session, user_id=user_id)
    if account is None or not account.stripe_customer_id:
        raise FieldErrors({"billing": "There is no billing to manage yet. Choose a plan first."})
    return stripe_api.create_portal_session(
        customer_id=account.stripe_customer_id,
        return_url=f"{get_settings().app_url.rstrip('/')}{BILLING_PATH}",
    )


def cancel_and_delete_customer(*, session: Session, user_id: str) -> bool:
    """End this person's billing at Stripe: cancel the subscription, delete the customer.

    For account deletion (policy §4: all personal data is removed). Call it
    before deleting the user; it removes the billing record too. Safe to
    call again after a partial failure: what is already gone is skipped.

    Returns:
        True if a Stripe customer was deleted; False (a no-op) when billing
        is off or the person never started a checkout.

    Raises:
        StripeUnavailable: Stripe could not be reached; abort the deletion and
            retry rather than leave a subscription that keeps charging.
    """
    account = get_account(session=session, user_id=user_id)
    if account is None or not account.stripe_customer_id or not billing_enabled():
        return False
    if account.stripe_subscription_id and not stripe_api.subscription_has_ended(account.status):
        stripe_api.cancel_subscription(account.stripe_subscription_id)
    stripe_api.delete_customer(account.stripe_customer_id)
    session.delete(account)
    return True
