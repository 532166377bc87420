"""Applying verified Stripe webhook events to billing records.

Each event id is stored in a unique column in the same transaction as its
effect, so a redelivered event does nothing. Stripe does not promise any
order, so events are treated as a nudge: the subscription is re-read from
Stripe and its current state is stored, whatever the event's snapshot said.
Events about customers we do not know are acknowledged and ignored.

Stripe is read before anything is written, so no database write lock is
held during the network call (SQLite has one writer at a time).
"""

import logging
from typing import Any

from sqlmodel import Session, select

from nomask_app.integrations import stripe as stripe_api
from nomask_app.models import BillingAccount, StripeEvent, User
from nomask_app.models.common import utcnow
from nomask_app.services.billing.plans import plan_catalog
from nomask_app.services.billing.subscriptions import (
    LIVE_STATUSES,
    account_for_customer,
    get_account,
)
from nomask_app.services.operations.audit import BILLING_CHANGED, record_event

log = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})
CHECKOUT_COMPLETED = "checkout.session.completed"
HANDLED_EVENTS = SUBSCRIPTION_EVENTS | INVOICE_EVENTS | {CHECKOUT_COMPLETED}


def already_processed(*, session: Session, event_id: str) -> bool:
    """Whether this event id has been applied before."""
    query = select(StripeEvent.id).where(StripeEvent.event_id == event_id[:255])
    return session.exec(query).first() is not None


def handle_event(*, session: Session, event: dict[str, Any]) -> str:
    """Apply one verified event, exactly once.

    Args:
        session: The caller's transaction; the event id and its effect commit together.
        event: The event as verified by `integrations.stripe.verify_webhook`.

    Returns:
        What happened: ``applied``, ``duplicate``, ``ignored`` or ``unhandled``.

    Raises:
        StripeUnavailable: the subscription could not be re-read; roll back so
            that Stripe delivers the event again.
        IntegrityError: (at commit) the same event was applied concurrently;
            the caller treats it as a duplicate.
    """
    event_id, event_type = event["id"][:255], event["type"][:100]
    if already_processed(session=session, event_id=event_id):
        return "duplicate"
    outcome = _apply(session, event_type, (event.get("data") or {}).get("object") or {})
    session.add(StripeEvent(event_id=event_id, type=event_type, outcome=outcome))
    log.info("stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome


def _apply(session: Session, event_type: str, obj: dict[str, Any]) -> str:
    if event_type == CHECKOUT_COMPLETED:
        return _checkout_completed(session, obj)
    if event_type in SUBSCRIPTION_EVENTS:
        account = account_for_customer(session=session, customer_id=_id(obj.get("customer")))
        return _sync(session, account, obj.get("id"))
    if event_type in INVOICE_EVENTS:
        account = account_for_customer(session=session, customer_id=_id(obj.get("customer")))
        return _sync(session, account, _invoice_subscription(obj))
    return "unhandled"


def _id(value: Any) -> str | None:
    if isinstance(value, str) or value is None:
        return value
    return value.get("id") if isinstance(value, dict) else None


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    # API versions since 2025-03-31 name it under `parent`; older ones at the top.
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(invoice.get("subscription"))


def _checkout_completed(session: Session, checkout: dict[str, Any]) -> str:
    if checkout.get("mode") != "subscription":
        return "ignored"
    customer_id = _id(checkout.get("customer"))
    account = account_for_customer(session=session, customer_id=customer_id)
    if account is None:
        user_id = checkout.get("client_reference_id")
        if not user_id or not customer_id or session.get(User, user_id) is None:
            return "ignored"
        account = get_account(session=session, user_id=user_id)
        if account is not None and account.stripe_customer_id:
            # Every checkout we start reuses the person's customer; another one is not ours.
            log.warning("checkout for a customer that is not the person's own: ignored")
            return "ignored"
        # Added to the session by `_sync`, after Stripe has been read.
        account = account or BillingAccount(user_id=user_id)
        account.stripe_customer_id = customer_id
    return _sync(session, account, _id(checkout.get("subscription")))


def _sync(session: Session, account: BillingAccount | None, subscription_id: str | None) -> str:
    """Store the subscription's current state as Stripe has it now."""
    if account is None or not subscription_id:
        return "ignored"
    before = (account.plan, account.status)
    subscription = stripe_api.retrieve_subscription(subscription_id)
    if subscription is None:
        # Stripe has forgotten it entirely: nothing is being paid for.
        if account.stripe_subscription_id == subscription_id:
            account.status = "canceled"
            account.past_due_since = None
            _touch(session, account, before)
            return "applied"
        return "ignored"
    if subscription.customer_id != account.stripe_customer_id:
        return "ignored"
    current = account.stripe_subscription_id
    if (
        current
        and current != subscription.id
        and subscription.status not in LIVE_STATUSES
        and account.status in LIVE_STATUSES
    ):
        # An old, ended subscription must not replace the live one.
        return "ignored"
    plan = plan_catalog().for_price(subscription.price_id)
    if plan is None:
        log.warning("subscription at a price no plan sells: granting nothing")
    account.stripe_subscription_id = subscription.id
    account.plan = plan.id if plan else ""
    account.status = subscription.status
    account.current_period_start = subscription.period_start
    account.current_period_end = subscription.period_end
    account.cancel_at_period_end = subscription.cancel_at_period_end
    if subscription.status != "past_due":
        account.past_due_since = None
    elif account.past_due_since is None:
        # The grace period runs from when we first learn of the failed payment.
        account.past_due_since = utcnow()
    _touch(session, account, before)
    return "applied"


def _touch(session: Session, account: BillingAccount, before: tuple[str, str]) -> None:
    account.updated_at = utcnow()
    session.add(account)
    if (account.plan, account.status) != before:
        record_event(
            session=session,
            kind=BILLING_CHANGED,
            user_id=account.user_id,
            plan=account.plan,
            status=account.status,
        )
