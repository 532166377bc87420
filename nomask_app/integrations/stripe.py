"""Stripe, the one module that imports the Stripe SDK.

Everything else talks to the small interface below, which returns plain
values. The client's API address is a setting, so tests point the real
library at a local stand-in (tests/fakes/stripe_server.py).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stripe

from nomask_app.config import get_settings

log = logging.getLogger(__name__)

# A webhook must be answered within seconds, and a person is waiting on a click.
_TIMEOUT_SECONDS = 10
_NETWORK_RETRIES = 1
# Canceled or expired subscriptions cannot be canceled again.
_ENDED = frozenset({"canceled", "incomplete_expired"})


class StripeUnavailable(RuntimeError):
    """Stripe could not be reached or refused the request (nothing was changed here)."""


class InvalidWebhook(ValueError):
    """A webhook whose signature, age or body is not acceptable."""


@dataclass(frozen=True)
class Subscription:
    """The facts about a subscription that we keep.

    Attributes:
        id: ``sub_...``.
        customer_id: ``cus_...``.
        status: Stripe's status (``active``, ``past_due``, ``canceled``, ...).
        price_id: The price of its first item (our plans have one item).
        period_start: Start of the current billing period.
        period_end: End of the current billing period.
        cancel_at_period_end: Whether it ends when the period ends.
    """

    id: str
    customer_id: str
    status: str
    price_id: str | None
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=_NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=_TIMEOUT_SECONDS),
    )


def client() -> stripe.StripeClient:
    """The Stripe client for the configured key and API address.

    Raises:
        StripeUnavailable: billing is off (no key configured).
    """
    settings = get_settings()
    if settings.stripe_secret_key is None:
        raise StripeUnavailable("billing is off: no Stripe key configured")
    return _client(settings.stripe_secret_key.get_secret_value(), settings.stripe_api_base)


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _id(value: Any) -> str | None:
    # An expandable field is an id, or the whole object when expanded.
    if isinstance(value, str) or value is None:
        return value
    return value.get("id")


def _missing(error: stripe.StripeError) -> bool:
    return isinstance(error, stripe.InvalidRequestError) and error.code == "resource_missing"


def _unavailable(action: str, error: stripe.StripeError) -> StripeUnavailable:
    # The message may name ids but never holds keys; the request id helps support.
    log.warning("stripe %s failed: %s (%s)", action, type(error).__name__, error.request_id)
    return StripeUnavailable(f"Stripe could not {action}")


def subscription_from(data: dict[str, Any]) -> Subscription:
    """Read a subscription object (API response or webhook payload)."""
    items = (data.get("items") or {}).get("data") or [{}]
    first = items[0]
    price = first.get("price") or {}
    # Since API version 2025-03-31 the period lives on each item.
    return Subscription(
        id=data["id"],
        customer_id=_id(data.get("customer")) or "",
        status=str(data.get("status") or ""),
        price_id=_id(price) if price else None,
        period_start=_timestamp(first.get("current_period_start")),
        period_end=_timestamp(first.get("current_period_end")),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
    )


def create_customer(*, email: str, user_id: str, idempotency_key: str) -> str:
    """Create the Stripe customer for a person; return its id.

    Only the email (Stripe sends receipts to it) and our user id go to Stripe.
    """
    try:
        customer = client().v1.customers.create(
            params={"email": email, "metadata": {"user_id": user_id}},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _unavailable("create the customer", error) from error
    return customer.id


def create_checkout_session(
    *,
    customer_id: str,
    price_id: str,
    user_id: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> str:
    """Create a subscription Checkout Session; return the URL to send the browser to."""
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer_id,
        "client_reference_id": user_id,
        "line_items": [{"price": price_id, "quantity": 1}],
        "subscription_data": {"metadata": {"user_id": user_id}},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        checkout = client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as error:
        raise _unavailable("start the checkout", error) from error
    if not checkout.url:
        raise StripeUnavailable("Stripe returned a checkout session without a URL")
    return checkout.url


def create_portal_session(*, customer_id: str, return_url: str) -> str:
    """Open a Customer Portal session; return its URL."""
    try:
        portal = client().v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        )
    except stripe.StripeError as error:
        raise _unavailable("open the billing portal", error) from error
    return portal.url


def retrieve_subscription(subscription_id: str) -> Subscription | None:
    """The subscription as Stripe has it now, or None if Stripe has no such subscription."""
    try:
        data = client().v1.subscriptions.retrieve(subscription_id)
    except stripe.StripeError as error:
        if _missing(error):
            return None
        raise _unavailable("read the subscription", error) from error
    return subscription_from(data.to_dict())


def cancel_subscription(subscription_id: str) -> None:
    """Cancel a subscription now; one that is already gone or ended is fine."""
    try:
        client().v1.subscriptions.cancel(subscription_id)
    except stripe.StripeError as error:
        if _missing(error):
            return
        raise _unavailable("cancel the subscription", error) from error


def delete_customer(customer_id: str) -> None:
    """Delete a Stripe customer (and with it its payment methods); a missing one is fine."""
    try:
        client().v1.customers.delete(customer_id)
    except stripe.StripeError as error:
        if _missing(error):
            return
        raise _unavailable("delete the customer", error) from error


def subscription_has_ended(status: str) -> bool:
    """Whether a subscription in this status can no longer be canceled or charged."""
    return status in _ENDED


def verify_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check a webhook's signature and age on the raw body; return the event as a dict.

    Raises:
        InvalidWebhook: a missing, forged or expired signature, or a body that is not JSON.
    """
    secret = get_settings().stripe_webhook_secret
    if secret is None:
        raise InvalidWebhook("billing is off")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret.get_secret_value())
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook("bad signature") from error
    except ValueError as error:  # the body is not JSON
        raise InvalidWebhook("bad payload") from error
    data = event.to_dict()
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise InvalidWebhook("not an event")
    return data
