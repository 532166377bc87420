"""What the billing page is given to show (the state's data, without a browser)."""

import pytest

from nomask_app.config import get_settings
from nomask_app.models import BillingAccount
from nomask_app.services.billing.usage import record_usage
from nomask_app.states.billing.subscription import _overview
from tests.factories import make_user
from tests.fakes.stripe_server import use_fake_stripe


def test_with_billing_off_the_page_says_so_and_shows_the_default_plan(session):
    get_settings.cache_clear()
    user = make_user(session)
    record_usage(
        session=session, user_id=user.id, kind="message", model="demo", provider="demo", cost=0.5
    )
    session.commit()
    view = _overview(user.id)
    assert view["enabled"] is False
    assert view["plan_name"] == "Free"
    assert view["status_label"] == "No subscription"
    assert view["has_customer"] is False
    assert (view["usage_messages"], view["usage_cost"]) == ("1", "$0.50")
    assert [plan.id for plan in view["plans"] if plan.current] == ["free"]
    assert len(view["daily"]) == 30


@pytest.fixture
def billing_on(engine, monkeypatch):
    yield use_fake_stripe(monkeypatch)
    get_settings.cache_clear()


def test_a_past_due_subscription_warns_about_the_end_of_the_grace_period(session, billing_on):
    from nomask_app.models.common import utcnow

    user = make_user(session)
    session.add(
        BillingAccount(
            user_id=user.id,
            stripe_customer_id="cus_1",
            stripe_subscription_id="sub_1",
            plan="plus",
            status="past_due",
            past_due_since=utcnow(),
        )
    )
    session.commit()
    view = _overview(user.id)
    assert view["enabled"] and view["has_customer"]
    assert view["plan_name"] == "Plus"
    assert view["status_label"] == "Payment failed"
    assert view["grace_label"].startswith("Update your payment method by ")
    assert view["grace_label"].endswith("to keep the Plus plan.")
