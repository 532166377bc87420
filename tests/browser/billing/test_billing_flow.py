"""Billing in the production build: Upgrade leads to Stripe; only a signed webhook grants a plan."""

import json
import re
import urllib.request

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import User
from nomask_app.services.billing.usage import record_usage
from tests.browser.helpers import at, sign_up
from tests.fakes.stripe_server import FakeStripe


def _fact(page: Page, label: str):
    """The value shown next to a label in the plan's facts."""
    return page.locator(f"xpath=//dt[normalize-space()='{label}']/following-sibling::dd[1]")


def _deliver(app_server, event: dict) -> dict:
    body, headers = FakeStripe.signed_event(event)
    request = urllib.request.Request(
        f"{app_server.url}/api/stripe/webhook", data=body, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _app_user_id(app_server, email: str) -> str:
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return session.exec(select(User.id).where(User.email == email)).one()
    finally:
        engine.dispose()


def test_upgrade_goes_to_checkout_and_the_signed_webhook_grants_the_plan(
    page, app_server, stripe_server, assert_accessible
):
    email = sign_up(page, name="Paying Person")
    page.get_by_role("button", name="Account", exact=True).click()
    page.get_by_role("menuitem", name="Billing").click()
    expect(page).to_have_url(at("/billing"))
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    expect(_fact(page, "Plan")).to_have_text("Free")
    expect(_fact(page, "Payment status")).to_have_text("No subscription")
    expect(page.get_by_role("button", name="Manage billing")).to_have_count(0)
    assert_accessible(page)

    plus = page.get_by_role("article", name="Plus")
    expect(
        page.get_by_role("article", name="Pro").get_by_role("button", name="Upgrade")
    ).to_be_visible()
    plus.get_by_role("button", name="Upgrade").click()

    # The browser lands on the Checkout URL that the (local) Stripe API returned.
    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_server.url)}/checkout/cs_test_\w+$"))
    expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
    checkout_id = page.url.rsplit("/", 1)[1]
    checkout = stripe_server.checkout_sessions[checkout_id]
    assert checkout["url"] == page.url
    user_id = _app_user_id(app_server, email)
    assert checkout["client_reference_id"] == user_id
    assert stripe_server.customers[checkout["customer"]]["metadata"] == {"user_id": user_id}

    # The person pays; Stripe sends them back. The redirect alone grants nothing.
    completed, subscription = stripe_server.complete_checkout(checkout_id)
    page.goto(checkout["success_url"])
    expect(page.get_by_text("Waiting for Stripe to confirm the payment")).to_be_visible()
    expect(_fact(page, "Plan")).to_have_text("Free")

    # Stripe's signed event arrives: the open page follows, with no reload.
    assert _deliver(app_server, FakeStripe.event("checkout.session.completed", completed)) == {
        "status": "applied"
    }
    expect(page.get_by_text("Thank you. You are now on the Plus plan.")).to_be_visible()
    expect(page.get_by_text("Waiting for Stripe")).to_have_count(0)
    expect(page.get_by_text("Reload")).to_have_count(0)
    expect(_fact(page, "Plan")).to_have_text("Plus")
    expect(_fact(page, "Payment status")).to_have_text("Paid and active")
    expect(_fact(page, "Billing period")).to_contain_text("Renews on ")
    expect(plus.get_by_text("Current plan")).to_be_visible()
    expect(plus.get_by_role("button", name="Upgrade")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Manage billing").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_server.url)}/portal/bps_test_\w+$"))
    assert subscription["customer"] == checkout["customer"]


def test_usage_is_shown_with_a_text_alternative_to_the_chart(page, app_server, assert_accessible):
    email = sign_up(page, name="Counting Person")
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    try:
        with Session(engine) as session:
            user_id = session.exec(select(User.id).where(User.email == email)).one()
            for tokens in (100, 200, 300):
                record_usage(
                    session=session,
                    user_id=user_id,
                    kind="message",
                    model="demo",
                    provider="demo",
                    prompt_tokens=tokens,
                    completion_tokens=tokens,
                    cost=0.25,
                )
            record_usage(
                session=session, user_id=user_id, kind="image", model="demo", provider="demo"
            )
            session.commit()
    finally:
        engine.dispose()

    page.goto("/billing")
    usage = page.get_by_role("region", name="Usage this period")
    expect(usage.get_by_text("Messages", exact=True).locator("xpath=..")).to_contain_text("3")
    expect(usage).to_contain_text("1,200")  # tokens
    expect(usage).to_contain_text("$0.75")
    expect(usage).to_contain_text("Today: 3 of 50 messages")
    history = page.get_by_role("region", name="Last 30 days")
    expect(history.get_by_role("figure")).to_contain_text(
        "In the last 30 days you sent 3 messages and generated 1 image."
    )
    history.get_by_text("Daily usage as a table").click()
    table = history.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(31)
    last_row = table.get_by_role("row").last
    expect(last_row.get_by_role("cell")).to_have_text(["3", "1", "1,200", "$0.75"])
    assert_accessible(page)
