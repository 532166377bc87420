"""A local stand-in for the Stripe API: just the endpoints NoMask calls, in Stripe's wire format.

The real `stripe` library talks to it over HTTP (form-encoded requests,
JSON responses, Stripe's error envelope, idempotency keys). It also serves
the Checkout and Customer Portal URLs it hands out as small HTML pages, so a
browser can land on them. Tests drive the "Stripe side" with helpers:
`complete_checkout`, `update_subscription`, and `signed_event` for webhooks.
"""

import itertools
import json
import secrets
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

import stripe

from tests.fakes.stripe_http import make_handler

API_KEY = "sk_test_nomask_fake_key"
WEBHOOK_SECRET = "whsec_nomask_fake_secret"
API_VERSION = stripe.api_version
PERIOD = 30 * 86400

_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}{secrets.token_hex(6)}"


class StripeError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, kind: str = ""):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.kind = kind or "invalid_request_error"

    def body(self) -> dict:
        error = {"type": self.kind, "message": self.message}
        if self.code:
            error["code"] = self.code
        return {"error": error}


def _missing(what: str, object_id: str) -> StripeError:
    return StripeError(404, f"No such {what}: '{object_id}'", code="resource_missing")


class FakeStripe:
    """The server and its objects. Thread-safe enough for one app and one test."""

    Error = StripeError

    def __init__(self, api_key: str = API_KEY):
        self.api_key = api_key
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.reset()

    def start(self) -> "FakeStripe":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self) -> None:
        """Forget every object and request, and end any outage."""
        with self.lock:
            self.customers: dict[str, dict] = {}
            self.subscriptions: dict[str, dict] = {}
            self.checkout_sessions: dict[str, dict] = {}
            self.portal_sessions: dict[str, dict] = {}
            self.requests: list[dict] = []
            self.idempotent: dict[str, tuple[str, int, dict]] = {}
            self.outage = False

    # ----- what tests do on "Stripe's side" -------------------------------------------

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        """Requests received with this method whose path starts with `path_prefix`."""
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)
        ]

    def complete_checkout(self, session_id: str, *, status: str = "active") -> tuple[dict, dict]:
        """The person paid: create the subscription and complete the Checkout Session."""
        with self.lock:
            checkout = self.checkout_sessions[session_id]
            price_id = checkout["_line_items"][0]["price"]
            subscription = self._new_subscription(checkout["customer"], price_id, status)
            subscription["metadata"] = dict(checkout["_subscription_metadata"])
            checkout.update(status="complete", payment_status="paid")
            checkout["subscription"] = subscription["id"]
            return self._public(checkout), dict(subscription)

    def update_subscription(self, subscription_id: str, **changes: Any) -> dict:
        """Change a subscription as Stripe would (status, cancel_at_period_end, ...)."""
        with self.lock:
            subscription = self.subscriptions[subscription_id]
            subscription.update(changes)
            if changes.get("status") == "canceled":
                subscription["canceled_at"] = subscription["ended_at"] = int(time.time())
            return dict(subscription)

    def invoice(self, subscription_id: str, *, status: str) -> dict:
        """An invoice object for a subscription, as in `invoice.*` events."""
        subscription = self.subscriptions[subscription_id]
        item = subscription["items"]["data"][0]
        return {
            "id": _new_id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "status": status,
            "paid": status == "paid",
            "amount_due": 1000,
            "currency": "usd",
            "billing_reason": "subscription_cycle",
            "parent": {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "subscription": subscription_id,
                    "metadata": subscription["metadata"],
                },
            },
            "period_start": item["current_period_start"],
            "period_end": item["current_period_end"],
            "livemode": False,
        }

    @staticmethod
    def event(event_type: str, obj: dict, *, created: int | None = None) -> dict:
        """A webhook event wrapping `obj`, as Stripe sends it."""
        return {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": created or int(time.time()),
            "type": event_type,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }

    @staticmethod
    def signed_event(
        event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a webhook delivery, signed by Stripe's own helper."""
        body = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(
            body, secret, timestamp=timestamp
        )
        return body.encode(), {"stripe-signature": header, "content-type": "application/json"}

    # ----- objects -------------------------------------------------------------------

    def _new_subscription(self, customer_id: str, price_id: str, status: str) -> dict:
        now = int(time.time())
        subscription_id = _new_id("sub")
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer_id,
            "status": status,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "ended_at": None,
            "created": now,
            "start_date": now,
            "currency": "usd",
            "collection_method": "charge_automatically",
            "latest_invoice": _new_id("in"),
            "metadata": {},
            "livemode": False,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": _new_id("si"),
                        "object": "subscription_item",
                        "subscription": subscription_id,
                        "quantity": 1,
                        "current_period_start": now,
                        "current_period_end": now + PERIOD,
                        "price": {
                            "id": price_id,
                            "object": "price",
                            "active": True,
                            "currency": "usd",
                            "unit_amount": 1000,
                            "recurring": {"interval": "month", "interval_count": 1},
                            "type": "recurring",
                        },
                    }
                ],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
        }
        self.subscriptions[subscription_id] = subscription
        return subscription

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    # ----- the API -------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if self.outage:
            raise StripeError(500, "An unknown error occurred", kind="api_error")
        route = (method, *path.strip("/").split("/"))
        match route:
            case ("POST", "v1", "customers"):
                return 200, self._create_customer(params)
            case ("GET", "v1", "customers", customer_id):
                return 200, self._customer(customer_id)
            case ("DELETE", "v1", "customers", customer_id):
                return 200, self._delete_customer(customer_id)
            case ("POST", "v1", "checkout", "sessions"):
                return 200, self._create_checkout(params)
            case ("POST", "v1", "billing_portal", "sessions"):
                return 200, self._create_portal(params)
            case ("GET", "v1", "subscriptions", subscription_id):
                return 200, dict(self._subscription(subscription_id))
            case ("DELETE", "v1", "subscriptions", subscription_id):
                return 200, self._cancel(subscription_id)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _create_customer(self, params: dict) -> dict:
        customer = {
            "id": _new_id("cus"),
            "object": "customer",
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _customer(self, customer_id: str) -> dict:
        if customer_id not in self.customers:
            raise _missing("customer", customer_id)
        return self.customers[customer_id]

    def _delete_customer(self, customer_id: str) -> dict:
        self._customer(customer_id)
        del self.customers[customer_id]
        # Deleting a customer cancels its subscriptions at once.
        for subscription in self.subscriptions.values():
            if subscription["customer"] == customer_id and subscription["status"] != "canceled":
                subscription["status"] = "canceled"
                subscription["canceled_at"] = subscription["ended_at"] = int(time.time())
        return {"id": customer_id, "object": "customer", "deleted": True}

    def _create_checkout(self, params: dict) -> dict:
        if params.get("mode") != "subscription":
            raise StripeError(400, "This fake only sells subscriptions.", code="parameter_invalid")
        customer_id = params.get("customer")
        if customer_id:
            self._customer(customer_id)
        line_items = params.get("line_items") or []
        if not line_items or not line_items[0].get("price"):
            raise StripeError(400, "Missing required param: line_items.", code="parameter_missing")
        session_id = _new_id("cs")
        checkout = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "open",
            "payment_status": "unpaid",
            "customer": customer_id,
            "client_reference_id": params.get("client_reference_id"),
            "subscription": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "url": f"{self.url}/checkout/{session_id}",
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "expires_at": int(time.time()) + 86400,
            "livemode": False,
            "_line_items": line_items,
            "_subscription_metadata": (params.get("subscription_data") or {}).get("metadata", {}),
        }
        self.checkout_sessions[session_id] = checkout
        return self._public(checkout)

    def _create_portal(self, params: dict) -> dict:
        customer_id = params.get("customer", "")
        self._customer(customer_id)
        portal_id = _new_id("bps")
        portal = {
            "id": portal_id,
            "object": "billing_portal.session",
            "customer": customer_id,
            "return_url": params.get("return_url"),
            "url": f"{self.url}/portal/{portal_id}",
            "created": int(time.time()),
            "livemode": False,
        }
        self.portal_sessions[portal_id] = portal
        return portal

    def _subscription(self, subscription_id: str) -> dict:
        if subscription_id not in self.subscriptions:
            raise _missing("subscription", subscription_id)
        return self.subscriptions[subscription_id]

    def _cancel(self, subscription_id: str) -> dict:
        subscription = self._subscription(subscription_id)
        if subscription["status"] == "canceled":
            raise StripeError(400, "This subscription has already been canceled.")
        subscription["status"] = "canceled"
        subscription["canceled_at"] = subscription["ended_at"] = int(time.time())
        return dict(subscription)


_shared: FakeStripe | None = None


def shared_fake_stripe() -> FakeStripe:
    """One server per test process, started on first use and emptied by each user."""
    global _shared
    if _shared is None:
        _shared = FakeStripe().start()
    _shared.reset()
    return _shared


def billing_env(fake: FakeStripe) -> dict[str, str]:
    """The settings that turn billing on against this fake."""
    return {
        "NOMASK_STRIPE_SECRET_KEY": fake.api_key,
        "NOMASK_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NOMASK_STRIPE_API_BASE": fake.url,
    }


def use_fake_stripe(monkeypatch, *, plans_file=None) -> FakeStripe:
    """Turn billing on for one test, against the emptied shared fake."""
    from nomask_app.config import get_settings

    fake = shared_fake_stripe()
    for name, value in billing_env(fake).items():
        monkeypatch.setenv(name, value)
    if plans_file is not None:
        monkeypatch.setenv("NOMASK_PLANS_FILE", str(plans_file))
    get_settings.cache_clear()
    return fake
