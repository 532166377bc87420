"""Plans and their entitlements, read from configuration (content/plans.toml).

A plan says how many messages a day and images a month a person may use,
which models they may pick and how large an upload may be. Paid plans name
a Stripe price; `NOMASK_STRIPE_PRICE_IDS` overrides those ids per plan.

With billing off (no Stripe keys) nobody can pay, so nobody is capped: the
built-in "No limits" plan applies, unless the plans file names a plan for
that case with `billing_off = "<plan id>"` (a self-hosting operator's caps).
"""

import tomllib
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

from nomask_app.config import get_settings

DEFAULT_PLANS_FILE = Path(__file__).resolve().parents[2] / "content" / "plans.toml"


@dataclass(frozen=True)
class Plan:
    """One plan and what it allows.

    Attributes:
        id: Short key, stored with a subscription (``free``, ``plus``, ...).
        name: What people read.
        price_label: The price as shown on the billing page.
        stripe_price_id: The Stripe price of a paid plan; None for the default plan.
        messages_per_day: Chat messages per UTC day; None for no limit.
        images_per_month: Image generations per month (or billing period); None for no limit.
        models: Allowed model ids or shell-style patterns; ``*`` allows all.
        max_upload_bytes: The largest upload.
    """

    id: str
    name: str
    price_label: str
    stripe_price_id: str | None
    messages_per_day: int | None
    images_per_month: int | None
    models: tuple[str, ...]
    max_upload_bytes: int

    @property
    def is_paid(self) -> bool:
        """Whether this plan is sold through Stripe."""
        return self.stripe_price_id is not None

    def allows_model(self, model: str) -> bool:
        """Whether `model` (a model id as the chat picker names it) is included."""
        return any(fnmatchcase(model, pattern) for pattern in self.models)


NO_LIMITS_ID = "no-limits"


def no_limits_plan(max_upload_bytes: int) -> Plan:
    """The plan of everyone while billing is off and the plans file names none.

    Args:
        max_upload_bytes: The server's own upload cap (``NOMASK_MAX_UPLOAD_BYTES``).
    """
    return Plan(
        id=NO_LIMITS_ID,
        name="No limits",
        price_label="",
        stripe_price_id=None,
        messages_per_day=None,
        images_per_month=None,
        models=("*",),
        max_upload_bytes=max_upload_bytes,
    )


@dataclass(frozen=True)
class PlanCatalog:
    """Every plan in display order, the default one, and the one used while billing is off."""

    plans: tuple[Plan, ...]
    default_id: str
    billing_off_id: str | None = None

    @property
    def default(self) -> Plan:
        """The plan of everyone without a paid subscription."""
        return next(plan for plan in self.plans if plan.id == self.default_id)

    def get(self, plan_id: str) -> Plan:
        """The plan with this id, or the default plan for an unknown (retired) id."""
        return self.find(plan_id) or self.default

    def find(self, plan_id: str) -> Plan | None:
        """The plan with this id, or None."""
        return next((plan for plan in self.plans if plan.id == plan_id), None)

    def for_price(self, price_id: str | None) -> Plan | None:
        """The paid plan sold at this Stripe price, or None."""
        if not price_id:
            return None
        return next((plan for plan in self.plans if plan.stripe_price_id == price_id), None)

    def when_billing_off(self, max_upload_bytes: int) -> Plan:
        """Everyone's plan while billing is off: the operator's choice, or no limits."""
        if self.billing_off_id is None:
            return no_limits_plan(max_upload_bytes)
        return self.get(self.billing_off_id)

    @property
    def paid(self) -> tuple[Plan, ...]:
        """The plans one can buy."""
        return tuple(plan for plan in self.plans if plan.is_paid)


def _non_negative_int(plan_id: str, raw: dict, key: str) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"plan {plan_id!r}: {key} must be a whole number >= 0")
    return value


def _parse_plan(plan_id: str, raw: dict) -> Plan:
    models = raw.get("models", ["*"])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise ValueError(f"plan {plan_id!r}: models must be a list of model ids or patterns")
    price = raw.get("stripe_price_id")
    return Plan(
        id=plan_id,
        name=str(raw.get("name", plan_id.title())),
        price_label=str(raw.get("price_label", "")),
        stripe_price_id=str(price) if price else None,
        messages_per_day=_non_negative_int(plan_id, raw, "messages_per_day"),
        images_per_month=_non_negative_int(plan_id, raw, "images_per_month"),
        models=tuple(models),
        max_upload_bytes=_non_negative_int(plan_id, raw, "max_upload_bytes"),
    )


@lru_cache
def _read_catalog(path: Path) -> PlanCatalog:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    raw_plans = data.get("plans")
    if not isinstance(raw_plans, dict) or not raw_plans:
        raise ValueError(f"{path}: no [plans.<id>] tables")
    plans = tuple(_parse_plan(plan_id, raw) for plan_id, raw in raw_plans.items())
    default_id = data.get("default")
    default = next((plan for plan in plans if plan.id == default_id), None)
    if default is None:
        raise ValueError(f"{path}: `default` must name one of the plans")
    if default.is_paid:
        raise ValueError(f"{path}: the default plan {default_id!r} must not have a Stripe price")
    billing_off_id = data.get("billing_off")
    if billing_off_id is not None and not any(plan.id == billing_off_id for plan in plans):
        raise ValueError(f"{path}: `billing_off` must name one of the plans")
    return PlanCatalog(plans=plans, default_id=default_id, billing_off_id=billing_off_id)


def plan_catalog() -> PlanCatalog:
    """The configured plans, with Stripe price ids overridden from the settings.

    Raises:
        ValueError: the plans file is invalid (the app refuses to guess).
    """
    settings = get_settings()
    path = settings.resolve_path(settings.plans_file) if settings.plans_file else DEFAULT_PLANS_FILE
    catalog = _read_catalog(path)
    overrides = settings.stripe_price_ids
    if not overrides:
        return catalog
    unsellable = set(overrides) - {plan.id for plan in catalog.paid}
    if unsellable:
        raise ValueError(
            f"NOMASK_STRIPE_PRICE_IDS names plans that are not paid plans: {sorted(unsellable)}"
        )
    plans = tuple(
        replace(plan, stripe_price_id=overrides.get(plan.id, plan.stripe_price_id))
        for plan in catalog.plans
    )
    return replace(catalog, plans=plans)
