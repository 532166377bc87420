"""`POST /api/stripe/webhook`: signed, exactly once, in any order, against the local Stripe."""

import time
from datetime import timedelta

import pytest
import stripe
from sqlmodel import select

from nomask_app.config import get_settings
from nomask_app.models import BillingAccount, StripeEvent
from nomask_app.services.billing.subscriptions import current_plan, get_account, start_checkout
from tests.factories import make_user
from tests.fakes.stripe_server import WEBHOOK_SECRET, FakeStripe, use_fake_stripe

URL = "/api/stripe/webhook"


@pytest.fixture
def fake(engine, monkeypatch):
    yield use_fake_stripe(monkeypatch)
    get_settings.cache_clear()


def _deliver(client, event, **signing):
    body, headers = FakeStripe.signed_event(event, **signing)
    return client.post(URL, content=body, headers=headers)


def _paid_checkout(session, fake, user, plan_id="plus"):
    """The person clicks Upgrade and pays on Stripe's page; returns the completed session."""
    url = start_checkout(session=session, user_id=user.id, plan_id=plan_id)
    session.commit()
    checkout, subscription = fake.complete_checkout(url.rsplit("/", 1)[1])
    return checkout, subscription


def _account(session, user) -> BillingAccount:
    session.expire_all()
    return get_account(session=session, user_id=user.id)


def _events(session) -> list[StripeEvent]:
    session.expire_all()
    return list(session.exec(select(StripeEvent)))


def test_checkout_completed_grants_the_paid_plan(client, session, fake):
    user = make_user(session)
    checkout, subscription = _paid_checkout(session, fake, user)
    assert current_plan(session=session, user_id=user.id).id == "free"  # paying is not enough

    response = _deliver(client, fake.event("checkout.session.completed", checkout))
    assert response.status_code == 200
    assert response.json() == {"status": "applied"}
    account = _account(session, user)
    assert (account.plan, account.status) == ("plus", "active")
    assert account.stripe_subscription_id == subscription["id"]
    period_end = subscription["items"]["data"][0]["current_period_end"]
    assert int(account.current_period_end.timestamp()) == period_end
    assert current_plan(session=session, user_id=user.id).id == "plus"
    assert [(e.type, e.outcome) for e in _events(session)] == [
        ("checkout.session.completed", "applied")
    ]


def _signature_for(body: bytes, secret: str) -> str:
    return stripe.WebhookSignature.generate_signature_header(body.decode(), secret)


@pytest.mark.parametrize(
    "forge",
    [
        lambda body, headers: (body, {**headers, "stripe-signature": ""}),
        lambda body, headers: (body.replace(b'"subscription"', b'"payment"', 1), headers),
        lambda body, headers: (
            body,
            {**headers, "stripe-signature": _signature_for(body, "whsec_someone_else")},
        ),
        lambda body, headers: (
            body,
            {**headers, "stripe-signature": headers["stripe-signature"].replace("v1=", "v0=")},
        ),
    ],
    ids=["missing", "tampered-body", "other-secret", "wrong-scheme"],
)
def test_forged_events_are_refused_and_change_nothing(client, session, fake, forge):
    user = make_user(session)
    checkout, _ = _paid_checkout(session, fake, user)
    body, headers = FakeStripe.signed_event(fake.event("checkout.session.completed", checkout))
    body, headers = forge(body, headers)
    response = client.post(URL, content=body, headers=headers)
    assert response.status_code == 400
    assert _account(session, user).status == "none"
    assert _events(session) == []
    assert fake.calls("GET", "/v1/subscriptions") == []


def test_a_replay_older_than_the_tolerance_is_refused(client, session, fake):
    user = make_user(session)
    checkout, _ = _paid_checkout(session, fake, user)
    event = fake.event("checkout.session.completed", checkout)
    stale = int(time.time()) - 301
    response = _deliver(client, event, timestamp=stale)
    assert response.status_code == 400
    assert _events(session) == []
    # The same event, freshly signed as Stripe's retry would be, is accepted.
    assert _deliver(client, event).json() == {"status": "applied"}


def test_a_signed_body_that_is_not_json_is_refused(client, fake):
    header = _signature_for(b"not json", WEBHOOK_SECRET)
    response = client.post(URL, content=b"not json", headers={"stripe-signature": header})
    assert response.status_code == 400


def test_oversized_bodies_are_refused(client, fake):
    response = client.post(
        URL, content=b"x" * (512 * 1024 + 1), headers={"stripe-signature": "t=1"}
    )
    assert response.status_code == 413


def test_a_duplicate_event_does_nothing(client, session, fake):
    user = make_user(session)
    checkout, subscription = _paid_checkout(session, fake, user)
    event = fake.event("checkout.session.completed", checkout)
    assert _deliver(client, event).json() == {"status": "applied"}
    # Stripe changes the subscription; a redelivery of the old event must not re-read it.
    fake.update_subscription(subscription["id"], status="past_due")
    assert _deliver(client, event).json() == {"status": "duplicate"}
    assert len(fake.calls("GET", "/v1/subscriptions")) == 1
    assert _account(session, user).status == "active"
    assert len(_events(session)) == 1


def test_out_of_order_a_stale_update_after_the_deletion_keeps_it_canceled(client, session, fake):
    user = make_user(session)
    checkout, subscription = _paid_checkout(session, fake, user)
    _deliver(client, fake.event("checkout.session.completed", checkout))
    active_snapshot = fake.update_subscription(subscription["id"], cancel_at_period_end=True)
    canceled = fake.update_subscription(subscription["id"], status="canceled")

    assert (
        _deliver(client, fake.event("customer.subscription.deleted", canceled)).status_code == 200
    )
    # The older "updated" event arrives last, still saying "active".
    assert active_snapshot["status"] == "active"
    late = fake.event("customer.subscription.updated", active_snapshot, created=1)
    assert _deliver(client, late).json() == {"status": "applied"}
    account = _account(session, user)
    assert account.status == "canceled"
    assert current_plan(session=session, user_id=user.id).id == "free"


def test_out_of_order_subscription_created_before_checkout_completed(client, session, fake):
    user = make_user(session)
    checkout, subscription = _paid_checkout(session, fake, user)
    created = fake.event("customer.subscription.created", subscription)
    assert _deliver(client, created).json() == {"status": "applied"}
    assert current_plan(session=session, user_id=user.id).id == "plus"
    assert _deliver(client, fake.event("checkout.session.completed", checkout)).status_code == 200
    assert _account(session, user).status == "active"


def test_payment_failed_then_past_due_then_canceled(client, session, fake):
    user = make_user(session)
    checkout, subscription = _paid_checkout(session, fake, user)
    _deliver(client, fake.event("checkout.session.completed", checkout))
    sub_id = subscription["id"]

    fake.update_subscription(sub_id, status="past_due")
    failed = fake.event("invoice.payment_failed", fake.invoice(sub_id, status="open"))
    assert _deliver(client, failed).json() == {"status": "applied"}
    account = _account(session, user)
    assert account.status == "past_due"
    assert account.past_due_since is not None
    # Within the grace period the paid plan keeps working...
    grace = timedelta(days=get_settings().billing_grace_days)
    assert current_plan(session=session, user_id=user.id).id == "plus"
    # ...and after it, the free plan applies even though Stripe still retries.
    after_grace = account.past_due_since + grace
    assert current_plan(session=session, user_id=user.id, now=after_grace).id == "free"
    assert (
        current_plan(session=session, user_id=user.id, now=after_grace - timedelta(seconds=1)).id
        == "plus"
    )

    canceled = fake.update_subscription(sub_id, status="canceled")
    assert (
        _deliver(client, fake.event("customer.subscription.deleted", canceled)).status_code == 200
    )
    account = _account(session, user)
    assert (account.status, account.past_due_since) == ("canceled", None)
    assert current_plan(session=session, user_id=user.id).id == "free"


def test_paying_the_invoice_ends_the_grace_period(client, session, fake):
    user = make_user(session)
    _, subscription = _paid_checkout(session, fake, user)
    sub_id = subscription["id"]
    fake.update_subscription(sub_id, status="past_due")
    _deliver(client, fake.event("invoice.payment_failed", fake.invoice(sub_id, status="open")))
    assert _account(session, user).past_due_since is not None

    fake.update_subscription(sub_id, status="active")
    paid = fake.event("invoice.paid", fake.invoice(sub_id, status="paid"))
    assert _deliver(client, paid).json() == {"status": "applied"}
    account = _account(session, user)
    assert (account.status, account.past_due_since) == ("active", None)
    # A late "payment_failed" for the old invoice changes nothing: Stripe says active.
    _deliver(client, fake.event("invoice.payment_failed", fake.invoice(sub_id, status="open")))
    assert _account(session, user).status == "active"


def test_events_about_unknown_customers_are_ignored_safely(client, session, fake):
    user = make_user(session)
    _, subscription = _paid_checkout(session, fake, user)
    stranger = fake.update_subscription(subscription["id"], customer="cus_somebody_else")
    response = _deliver(client, fake.event("customer.subscription.updated", stranger))
    assert response.json() == {"status": "ignored"}
    assert _account(session, user).status == "none"

    # A checkout naming a person who does not exist creates nothing.
    orphan = {
        "id": "cs_test_orphan",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": "cus_orphan",
        "client_reference_id": "0" * 32,
        "subscription": subscription["id"],
    }
    assert _deliver(client, fake.event("checkout.session.completed", orphan)).json() == {
        "status": "ignored"
    }
    session.expire_all()
    assert session.exec(select(BillingAccount)).all() == [_account(session, user)]


def test_unhandled_event_types_are_acknowledged(client, fake):
    response = _deliver(
        client, fake.event("customer.created", {"id": "cus_x", "object": "customer"})
    )
    assert response.json() == {"status": "unhandled"}


def test_when_stripe_cannot_be_read_the_event_is_retried_later(client, session, fake):
    user = make_user(session)
    checkout, _ = _paid_checkout(session, fake, user)
    event = fake.event("checkout.session.completed", checkout)
    fake.outage = True
    assert _deliver(client, event).status_code == 503
    assert _events(session) == []
    assert _account(session, user).status == "none"
    fake.outage = False
    assert _deliver(client, event).json() == {"status": "applied"}
    assert _account(session, user).status == "active"


def test_the_success_redirect_alone_grants_nothing(client, session, fake):
    user = make_user(session)
    _paid_checkout(session, fake, user)
    client.get("/billing?checkout=success")
    assert current_plan(session=session, user_id=user.id).id == "free"


def test_without_billing_the_webhook_does_not_exist(client, session):
    get_settings.cache_clear()
    body, headers = FakeStripe.signed_event(FakeStripe.event("invoice.paid", {}))
    assert client.post(URL, content=body, headers=headers).status_code == 404
