"""What the billing page is given to show (the state's data, without a browser)."""

import pytest

from nomask_app.config import get_settings
from nomask_app.models import BillingAccount
from nomask_app.services.billing.usage import record_usage
from nomask_app.states.billing.subscription import _overview
from tests.factories import make_user
from tests.fakes.stripe_server import use_fake_stripe


def test_with_billing_off_the_page_says_so(session):
    get_settings.cache_clear()
    user = make_user(session)
    record_usage(
        session=session, user_id=user.id, kind="message", model="demo", provider="demo", cost=0.5
    )
    session.commit()
    view = _overview(user.id)
    assert view["enabled"] is False
    assert view["billing_off_note"].startswith("Billing is not enabled on this server")
    assert view["status_label"] == "No subscription"
    assert view["has_customer"] is False
    assert (view["usage_messages"], view["usage_cost"]) == ("1", "$0.50")
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


def test_a_self_hosted_page_says_nobody_is_capped(session):
    get_settings.cache_clear()
    user = make_user(session)
    for _ in range(3):
        record_usage(session=session, user_id=user.id, kind="message", model="m", provider="p")
    session.commit()
    view = _overview(user.id)
    assert view["plan_name"] == "No limits"
    assert "nobody is capped" in view["billing_off_note"]
    assert view["plan_features"][:2] == ["No message limit", "No image limit"]
    assert view["allowance_label"].startswith("Today: 3 messages (no daily limit).")


def test_an_operators_caps_are_named_while_billing_is_off(session, monkeypatch):
    monkeypatch.setenv("NOMASK_PLANS_FILE", "tests/fakes/plans_small.toml")
    get_settings.cache_clear()
    user = make_user(session)
    view = _overview(user.id)
    assert view["plan_name"] == "Free"
    assert "allowances of the Free plan, set by the server's operator" in view["billing_off_note"]
    assert view["allowance_label"].startswith("Today: 0 of 3 messages (resets daily")
    get_settings.cache_clear()


def test_a_free_plan_card_does_not_repeat_its_name_as_its_price(session, monkeypatch):
    monkeypatch.setenv("NOMASK_PLANS_FILE", "tests/fakes/plans_small.toml")  # price "Free"
    get_settings.cache_clear()
    cards = {plan.id: plan for plan in _overview(make_user(session).id)["plans"]}
    assert (cards["free"].name, cards["free"].price) == ("Free", "")
    assert cards["plus"].price == "$10 a month"
    monkeypatch.delenv("NOMASK_PLANS_FILE")
    get_settings.cache_clear()
    bundled = {plan.id: plan for plan in _overview(make_user(session).id)["plans"]}
    assert bundled["free"].price not in ("", "Free")


def _tab_back_from_checkout(session, user):
    from nomask_app.services.accounts import sessions
    from nomask_app.states.billing.subscription import BillingState
    from tests.states.harness import root_state, substate

    _, token = sessions.create_session(session=session, user_id=user.id)
    session.commit()
    root = root_state(token=token, path="/billing?checkout=success")
    return substate(root, BillingState)


async def test_back_from_checkout_with_the_plan_granted_the_page_says_so(session, billing_on):
    from nomask_app.states.billing.subscription import BillingState
    from tests.states.harness import run

    user = make_user(session)
    session.add(
        BillingAccount(user_id=user.id, stripe_customer_id="cus_2", plan="plus", status="active")
    )
    session.commit()
    page = _tab_back_from_checkout(session, user)
    assert await run(page, BillingState.load) is None
    assert page.notice == "Thank you. You are now on the Plus plan."
    assert "Reload" not in page.notice


async def test_back_from_checkout_before_the_webhook_the_page_waits_for_it(
    session, billing_on, monkeypatch
):
    from nomask_app.states.billing import subscription
    from nomask_app.states.billing.subscription import BillingState
    from tests.states.harness import run

    user = make_user(session)
    page = _tab_back_from_checkout(session, user)
    follow_up = await run(page, BillingState.load)
    assert page.notice == subscription.CHECKOUT_WAITING
    assert follow_up == BillingState.watch_checkout
    # What the watcher waits for: the webhook grants the plan while it polls.
    monkeypatch.setattr(subscription, "CHECKOUT_POLL_SECONDS", 0)
    monkeypatch.setattr(subscription, "CHECKOUT_POLLS", 2)
    assert await subscription._await_paid_plan(user.id) is None
    session.add(
        BillingAccount(user_id=user.id, stripe_customer_id="cus_3", plan="pro", status="trialing")
    )
    session.commit()
    granted = await subscription._await_paid_plan(user.id)
    assert granted is not None and granted["plan_name"] == "Pro"
