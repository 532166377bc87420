from datetime import UTC, datetime

import pytest
from sqlmodel import select

from nomask_app.config import get_settings
from nomask_app.integrations.stripe import StripeUnavailable
from nomask_app.models import BillingAccount
from nomask_app.services.billing.subscriptions import (
    billing_status,
    cancel_and_delete_customer,
    current_plan,
    ensure_customer,
    get_account,
    open_portal,
    start_checkout,
)
from nomask_app.services.common.errors import FieldErrors
from tests.factories import make_user
from tests.fakes.stripe_server import use_fake_stripe


@pytest.fixture
def fake(engine, monkeypatch):
    yield use_fake_stripe(monkeypatch)
    get_settings.cache_clear()


@pytest.fixture
def billing_off(engine):
    get_settings.cache_clear()
    assert not get_settings().billing_enabled
    yield


def _checkout(session, user, plan_id="plus"):
    url = start_checkout(session=session, user_id=user.id, plan_id=plan_id)
    session.commit()
    return url


def test_upgrade_creates_a_subscription_checkout_for_the_person(session, fake):
    user = make_user(session)
    url = _checkout(session, user)

    (customer_call,) = fake.calls("POST", "/v1/customers")
    assert customer_call["params"] == {"email": user.email, "metadata": {"user_id": user.id}}
    account = get_account(session=session, user_id=user.id)
    assert account.stripe_customer_id in fake.customers

    (checkout_call,) = fake.calls("POST", "/v1/checkout/sessions")
    params = checkout_call["params"]
    assert params["mode"] == "subscription"
    assert params["client_reference_id"] == user.id
    assert params["customer"] == account.stripe_customer_id
    assert params["line_items"] == [{"price": "price_nomask_plus_monthly", "quantity": "1"}]
    assert params["success_url"].endswith("/billing?checkout=success")
    assert checkout_call["idempotency_key"].startswith("nomask-checkout-")
    (created,) = fake.checkout_sessions.values()
    assert url == created["url"] == f"{fake.url}/checkout/{created['id']}"


def test_starting_a_checkout_grants_nothing(session, fake):
    user = make_user(session)
    _checkout(session, user)
    assert current_plan(session=session, user_id=user.id).id == "free"
    status = billing_status(session=session, user_id=user.id)
    assert (status.plan.id, status.status) == ("free", "none")


def test_the_customer_is_created_once_and_reused(session, fake):
    user = make_user(session)
    _checkout(session, user)
    _checkout(session, user, "pro")
    assert len(fake.calls("POST", "/v1/customers")) == 1
    first, second = fake.calls("POST", "/v1/checkout/sessions")
    assert first["params"]["customer"] == second["params"]["customer"]
    assert second["params"]["line_items"][0]["price"] == "price_nomask_pro_monthly"
    assert first["idempotency_key"] != second["idempotency_key"]


def test_a_double_click_reuses_the_same_checkout_session(session, fake):
    user = make_user(session)
    assert _checkout(session, user) == _checkout(session, user)
    assert len(fake.checkout_sessions) == 1


def test_only_paid_plans_can_be_bought(session, fake):
    user = make_user(session)
    for plan_id in ("free", "platinum", ""):
        with pytest.raises(FieldErrors) as problem:
            start_checkout(session=session, user_id=user.id, plan_id=plan_id)
        assert "plan" in problem.value.errors
    assert fake.requests == []


def test_a_live_subscriber_is_sent_to_the_portal_not_billed_twice(session, fake):
    user = make_user(session)
    _checkout(session, user)
    account = get_account(session=session, user_id=user.id)
    account.status, account.plan = "active", "plus"
    session.commit()
    url = _checkout(session, user, "pro")
    assert url.startswith(f"{fake.url}/portal/")
    assert len(fake.checkout_sessions) == 1


def test_manage_billing_opens_the_portal_for_the_persons_customer(session, fake):
    user = make_user(session)
    with pytest.raises(FieldErrors):
        open_portal(session=session, user_id=user.id)
    _checkout(session, user)
    url = open_portal(session=session, user_id=user.id)
    (call,) = fake.calls("POST", "/v1/billing_portal/sessions")
    assert (
        call["params"]["customer"]
        == get_account(session=session, user_id=user.id).stripe_customer_id
    )
    assert call["params"]["return_url"].endswith("/billing")
    assert url.startswith(f"{fake.url}/portal/")


def test_with_billing_off_nothing_reaches_stripe(session, billing_off):
    user = make_user(session)
    with pytest.raises(FieldErrors, match="not enabled"):
        start_checkout(session=session, user_id=user.id, plan_id="plus")
    with pytest.raises(FieldErrors, match="not enabled"):
        open_portal(session=session, user_id=user.id)
    status = billing_status(session=session, user_id=user.id)
    assert not status.enabled and not status.has_customer and status.plan.id == "no-limits"
    assert cancel_and_delete_customer(session=session, user_id=user.id) is False


def test_stripe_being_down_is_reported_and_nothing_is_kept(session, fake):
    user = make_user(session)
    fake.outage = True
    with pytest.raises(StripeUnavailable):
        start_checkout(session=session, user_id=user.id, plan_id="plus")
    session.rollback()
    assert get_account(session=session, user_id=user.id) is None


def test_a_customer_committed_first_survives_a_failed_checkout(session, fake):
    user = make_user(session)
    account = ensure_customer(session=session, user_id=user.id)
    session.commit()
    fake.outage = True
    with pytest.raises(StripeUnavailable):
        start_checkout(session=session, user_id=user.id, plan_id="plus")
    session.rollback()
    assert get_account(session=session, user_id=user.id).stripe_customer_id == (
        account.stripe_customer_id
    )
    fake.outage = False
    assert cancel_and_delete_customer(session=session, user_id=user.id) is True
    assert fake.customers == {}


def test_account_deletion_cancels_the_subscription_and_deletes_the_customer(session, fake):
    user = make_user(session)
    _checkout(session, user)
    (checkout,) = fake.checkout_sessions
    _, subscription = fake.complete_checkout(checkout)
    account = get_account(session=session, user_id=user.id)
    account.stripe_subscription_id, account.status = subscription["id"], "active"
    session.commit()
    customer_id = account.stripe_customer_id

    assert cancel_and_delete_customer(session=session, user_id=user.id) is True
    session.commit()
    assert [c["path"] for c in fake.requests if c["method"] == "DELETE"] == [
        f"/v1/subscriptions/{subscription['id']}",
        f"/v1/customers/{customer_id}",
    ]
    assert fake.subscriptions[subscription["id"]]["status"] == "canceled"
    assert customer_id not in fake.customers
    assert session.exec(select(BillingAccount)).first() is None


def test_account_deletion_finishes_after_a_partial_failure(session, fake):
    # The customer is already gone at Stripe, but our record survived a rollback.
    user = make_user(session)
    _checkout(session, user)
    fake.customers.clear()
    assert cancel_and_delete_customer(session=session, user_id=user.id) is True
    session.commit()
    assert get_account(session=session, user_id=user.id) is None


def test_account_deletion_is_a_no_op_for_people_who_never_paid(session, fake):
    user = make_user(session)
    assert cancel_and_delete_customer(session=session, user_id=user.id) is False
    assert fake.requests == []


def test_account_deletion_is_refused_while_stripe_is_down(session, fake):
    user = make_user(session)
    _checkout(session, user)
    fake.outage = True
    with pytest.raises(StripeUnavailable):
        cancel_and_delete_customer(session=session, user_id=user.id)
    session.rollback()
    assert get_account(session=session, user_id=user.id) is not None


def test_billing_status_reports_the_paid_period(session, fake):
    user = make_user(session)
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    session.add(
        BillingAccount(
            user_id=user.id,
            stripe_customer_id="cus_1",
            stripe_subscription_id="sub_1",
            plan="plus",
            status="active",
            current_period_start=start,
            current_period_end=end,
            cancel_at_period_end=True,
        )
    )
    session.commit()
    status = billing_status(session=session, user_id=user.id, now=datetime(2026, 3, 14, tzinfo=UTC))
    assert (status.plan.id, status.status, status.has_customer) == ("plus", "active", True)
    assert (status.period_start, status.period_end, status.renews) == (start, end, False)
