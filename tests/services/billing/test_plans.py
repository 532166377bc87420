import pytest

from nomask_app.config import get_settings
from nomask_app.services.billing.plans import DEFAULT_PLANS_FILE, _read_catalog, plan_catalog

SMALL_PLANS = "tests/fakes/plans_small.toml"


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_bundled_plans_have_a_free_default_and_paid_plans_with_prices():
    catalog = _read_catalog(DEFAULT_PLANS_FILE)
    assert catalog.default.id == "free"
    assert catalog.default.stripe_price_id is None
    assert [plan.id for plan in catalog.paid] == ["plus", "pro"]
    assert all(plan.stripe_price_id.startswith("price_") for plan in catalog.paid)
    for plan in catalog.paid:
        assert plan.messages_per_day > catalog.default.messages_per_day
        assert plan.images_per_month > catalog.default.images_per_month


def test_the_default_plan_alone_keeps_every_model_usable():
    # With billing off everyone is on the default plan: the app must work fully.
    free = _read_catalog(DEFAULT_PLANS_FILE).default
    assert free.allows_model("openai/gpt-4o")
    assert free.allows_model("anthropic/claude-sonnet-4")
    assert free.messages_per_day > 0 and free.images_per_month > 0


def test_models_are_matched_by_id_or_pattern(monkeypatch):
    monkeypatch.setenv("NOMASK_PLANS_FILE", SMALL_PLANS)
    free = plan_catalog().default
    assert free.allows_model("demo")
    assert free.allows_model("openai/gpt-4o-mini")
    assert not free.allows_model("openai/gpt-4o")
    assert not free.allows_model("demo-large")


def test_price_ids_are_overridden_by_settings(monkeypatch):
    monkeypatch.setenv("NOMASK_STRIPE_PRICE_IDS", '{"plus": "price_live_123"}')
    catalog = plan_catalog()
    assert catalog.get("plus").stripe_price_id == "price_live_123"
    assert catalog.for_price("price_live_123").id == "plus"
    assert catalog.for_price("price_nomask_plus_monthly") is None
    assert catalog.get("pro").stripe_price_id == "price_nomask_pro_monthly"


def test_the_default_plan_cannot_be_given_a_price(monkeypatch):
    monkeypatch.setenv("NOMASK_STRIPE_PRICE_IDS", '{"free": "price_oops"}')
    with pytest.raises(ValueError, match="not paid plans"):
        plan_catalog()


def test_unknown_plan_ids_fall_back_to_the_default():
    catalog = plan_catalog()
    assert catalog.get("retired-plan").id == "free"
    assert catalog.find("retired-plan") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            'default = "gold"\n[plans.free]\nmessages_per_day = 1\nimages_per_month = 1\n'
            "max_upload_bytes = 1\n",
            "must name one of the plans",
        ),
        (
            'default = "free"\n[plans.free]\nmessages_per_day = -1\nimages_per_month = 1\n'
            "max_upload_bytes = 1\n",
            "messages_per_day",
        ),
        (
            'default = "free"\n[plans.free]\nstripe_price_id = "price_x"\nmessages_per_day = 1\n'
            "images_per_month = 1\nmax_upload_bytes = 1\n",
            "must not have a Stripe price",
        ),
        (
            'default = "free"\n[plans.free]\nmessages_per_day = 1\nimages_per_month = 1\n'
            'max_upload_bytes = 1\nmodels = "*"\n',
            "models must be a list",
        ),
    ],
)
def test_invalid_plans_files_are_refused(tmp_path, monkeypatch, text, problem):
    path = tmp_path / "plans.toml"
    path.write_text(text)
    monkeypatch.setenv("NOMASK_PLANS_FILE", str(path))
    with pytest.raises(ValueError, match=problem):
        plan_catalog()
