"""The billing page: plan, payment status, this period's usage, and the way to Stripe."""

import asyncio
import dataclasses
from datetime import datetime
from decimal import Decimal

import reflex as rx
from sqlalchemy.exc import IntegrityError

from nomask_app.db import session_scope
from nomask_app.integrations.stripe import StripeUnavailable
from nomask_app.services.billing import subscriptions
from nomask_app.services.billing.plans import NO_LIMITS_ID, Plan, plan_catalog
from nomask_app.services.billing.usage import daily_usage, usage_summary
from nomask_app.services.common.errors import FieldErrors
from nomask_app.states.accounts.session import SessionState

STATUS_LABELS = {
    "none": "No subscription",
    "active": "Paid and active",
    "trialing": "Free trial",
    "past_due": "Payment failed",
    "unpaid": "Unpaid",
    "incomplete": "Waiting for the first payment",
    "incomplete_expired": "Checkout not completed",
    "paused": "Paused",
    "canceled": "Canceled",
}
STRIPE_DOWN = "We could not reach Stripe. Nothing was charged; please try again in a moment."
CHECKOUT_CANCELED = "Checkout was canceled. Nothing was charged."
CHECKOUT_WAITING = (
    "Thank you. Waiting for Stripe to confirm the payment, usually within a minute: "
    "this page updates by itself as soon as it does."
)
CHECKOUT_SLOW = (
    "Stripe has not confirmed the payment yet. Your plan changes as soon as it does; "
    "nothing more is charged if you check this page again later."
)
# After a checkout, the page asks again this often, this many times (2 minutes).
CHECKOUT_POLL_SECONDS = 3.0
CHECKOUT_POLLS = 40


def _checkout_done(plan_name: str) -> str:
    return f"Thank you. You are now on the {plan_name} plan."


@dataclasses.dataclass
class PlanView:
    """One plan as a card on the page."""

    id: str = ""
    name: str = ""
    price: str = ""
    features: list[str] = dataclasses.field(default_factory=list)
    paid: bool = False
    current: bool = False


def _date(moment: datetime | None) -> str:
    return f"{moment:%B} {moment.day}, {moment:%Y}" if moment else ""


def _money(amount) -> str:
    # Cents for anything a person would pay; fractions of a cent still show.
    return f"${amount:,.2f}" if amount >= Decimal("0.01") or amount == 0 else f"${amount:,.4f}"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _features(plan: Plan) -> list[str]:
    models = "All models" if "*" in plan.models else "Models: " + ", ".join(plan.models)
    return [
        "No message limit"
        if plan.messages_per_day is None
        else f"{plan.messages_per_day:,} messages a day",
        "No image limit"
        if plan.images_per_month is None
        else f"{plan.images_per_month:,} images a month",
        models,
        f"Uploads up to {plan.max_upload_bytes / 1_000_000:g} MB",
    ]


def _price(plan: Plan) -> str:
    # A plan file may price its free plan "Free": the card would read "Free / Free".
    return "" if plan.price_label.casefold() == plan.name.casefold() else plan.price_label


def _of_limit(used: int, limit: int | None, noun: str, span: str) -> str:
    if limit is None:
        return f"{_count(used, noun)} (no {span} limit)"
    return f"{used:,} of {_count(limit, noun)}"


def _billing_off_note(plan: Plan) -> str:
    if plan.id == NO_LIMITS_ID:
        return (
            "Billing is not enabled on this server, so nobody is capped: there is no "
            "daily message or monthly image limit, and every feature works."
        )
    return (
        "Billing is not enabled on this server. Everyone has the allowances of the "
        f"{plan.name} plan, set by the server's operator, and every feature works."
    )


def _overview(user_id: str) -> dict:
    """Everything the page shows, read in one transaction (runs in a worker thread)."""
    with session_scope() as session:
        status = subscriptions.billing_status(session=session, user_id=user_id)
        totals = usage_summary(
            session=session, user_id=user_id, start=status.period_start, end=status.period_end
        )
        days = daily_usage(session=session, user_id=user_id)
        messages_today = days[-1].messages
    plans = [
        PlanView(
            id=plan.id,
            name=plan.name,
            price=_price(plan),
            features=_features(plan),
            paid=plan.is_paid,
            current=plan.id == status.plan.id,
        )
        for plan in plan_catalog().plans
    ]
    busiest = max(days, key=lambda day: day.messages + day.images)
    total_messages = sum(day.messages for day in days)
    total_images = sum(day.images for day in days)
    summary = (
        f"In the last 30 days you sent {_count(total_messages, 'message')} and generated "
        f"{_count(total_images, 'image')}."
    )
    if total_messages or total_images:
        summary += (
            f" The busiest day was {_date(busiest.day)}, with "
            f"{_count(busiest.messages, 'message')} and {_count(busiest.images, 'image')}."
        )
    return {
        "enabled": status.enabled,
        "billing_off_note": "" if status.enabled else _billing_off_note(status.plan),
        "plan_features": _features(status.plan),
        "on_paid_plan": status.plan.is_paid and status.status in subscriptions.GRANTING_STATUSES,
        "plan_name": status.plan.name,
        "status_label": STATUS_LABELS.get(status.status, status.status.replace("_", " ")),
        "period_label": (
            f"Since {_date(status.period_start)}; resets on {_date(status.period_end)}"
        ),
        "period_end_label": (
            ("Renews on " if status.renews else "Ends on ") + _date(status.period_end)
            if status.plan.is_paid
            else ""
        ),
        "grace_label": (
            f"Update your payment method by {_date(status.grace_ends_at)} to keep "
            f"the {status.plan.name} plan."
            if status.grace_ends_at and status.plan.is_paid
            else ""
        ),
        "has_customer": status.has_customer,
        "allowance_label": (
            f"Today: {_of_limit(messages_today, status.plan.messages_per_day, 'message', 'daily')}"
            + (" (resets daily at 00:00 UTC)" if status.plan.messages_per_day is not None else "")
            + ". This period: "
            + _of_limit(totals.images, status.plan.images_per_month, "image", "monthly")
            + "."
        ),
        "usage_messages": f"{totals.messages:,}",
        "usage_images": f"{totals.images:,}",
        "usage_tokens": f"{totals.tokens:,}",
        "usage_cost": _money(totals.cost_usd),
        "plans": plans,
        "daily": [
            {
                "day": f"{day.day:%b} {day.day.day}",
                "date": _date(day.day),
                "messages": day.messages,
                "images": day.images,
                "tokens": f"{day.tokens:,}",
                "cost": _money(day.cost_usd),
            }
            for day in days
        ],
        "chart_summary": summary,
    }


async def _await_paid_plan(user_id: str) -> dict | None:
    """The overview once a paid plan is in force, or None after two minutes without one."""
    for _ in range(CHECKOUT_POLLS):
        await asyncio.sleep(CHECKOUT_POLL_SECONDS)
        overview = await asyncio.to_thread(_overview, user_id)
        if overview["on_paid_plan"]:
            return overview
    return None


def _checkout_url(user_id: str, plan_id: str) -> str:
    plan = plan_catalog().find(plan_id)
    if subscriptions.billing_enabled() and plan is not None and plan.is_paid:
        # Its own transaction: the Stripe customer is on record even if the
        # checkout then fails, so account deletion can always remove it.
        with session_scope() as session:
            subscriptions.ensure_customer(session=session, user_id=user_id)
    with session_scope() as session:
        return subscriptions.start_checkout(session=session, user_id=user_id, plan_id=plan_id)


def _portal_url(user_id: str) -> str:
    with session_scope() as session:
        return subscriptions.open_portal(session=session, user_id=user_id)


class BillingState(SessionState):
    """What /billing shows, and the two ways to Stripe: Upgrade and Manage billing."""

    loaded: bool = False
    enabled: bool = False
    billing_off_note: str = ""
    plan_features: list[str] = []
    on_paid_plan: bool = False
    plan_name: str = ""
    status_label: str = ""
    period_label: str = ""
    period_end_label: str = ""
    grace_label: str = ""
    has_customer: bool = False
    allowance_label: str = ""
    usage_messages: str = "0"
    usage_images: str = "0"
    usage_tokens: str = "0"
    usage_cost: str = "$0.00"
    plans: list[PlanView] = []
    daily: list[dict[str, str | int]] = []
    chart_summary: str = ""
    notice: str = ""
    error: str = ""
    busy: str = ""

    @rx.event
    async def load(self):
        """Read the person's plan and usage (identity from the session cookie)."""
        user = await self.current_user()
        if user is None:
            return
        self.error = ""
        self._show(await asyncio.to_thread(_overview, user.id))
        self.loaded = True
        outcome = self.router.url.query_parameters.get("checkout", "")
        self.notice = CHECKOUT_CANCELED if outcome == "canceled" else ""
        if outcome == "success":
            if self.on_paid_plan:
                self.notice = _checkout_done(self.plan_name)
                return None
            self.notice = CHECKOUT_WAITING
            return BillingState.watch_checkout
        return None

    def _show(self, overview: dict) -> None:
        for name, value in overview.items():
            setattr(self, name, value)

    @rx.event(background=True)
    async def watch_checkout(self):
        """After Checkout, follow the plan until Stripe's webhook has changed it.

        The plan changes only through Stripe's signed webhook, which may arrive
        after the browser is back: ask again every few seconds for two minutes.
        """
        async with self:
            user = await self.current_user()
        if user is None:
            return
        overview = await _await_paid_plan(user.id)
        async with self:
            if overview is not None:
                self._show(overview)
                self.notice = _checkout_done(self.plan_name)
            elif self.notice == CHECKOUT_WAITING:
                self.notice = CHECKOUT_SLOW

    async def _go_to_stripe(self, busy: str, fetch, *args):
        user = await self.current_user()
        if user is None:
            yield rx.redirect("/login?next=/billing", replace=True)
            return
        self.error, self.busy = "", busy
        yield
        try:
            url = await asyncio.to_thread(fetch, user.id, *args)
        except FieldErrors as problem:
            self.error = " ".join(problem.errors.values())
        except (StripeUnavailable, IntegrityError):
            # IntegrityError: two clicks raced to create the same customer.
            self.error = STRIPE_DOWN
        else:
            yield rx.redirect(url)
        self.busy = ""

    @rx.event
    async def upgrade(self, plan_id: str):
        """Start a Stripe Checkout for a paid plan and send the browser there."""
        plan_id = str(plan_id)[:32]
        async for update in self._go_to_stripe(f"plan:{plan_id}", _checkout_url, plan_id):
            yield update

    @rx.event
    async def manage_billing(self):
        """Open the Stripe Customer Portal (card, invoices, plan, cancel)."""
        async for update in self._go_to_stripe("portal", _portal_url):
            yield update
