from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nomask_app.config import get_settings
from nomask_app.models import BillingAccount
from nomask_app.services.billing.quotas import QuotaExceeded, check_quota
from nomask_app.services.billing.usage import record_usage
from nomask_app.services.common.errors import FieldErrors
from tests.factories import make_user
from tests.fakes.stripe_server import use_fake_stripe

SMALL_PLANS = "tests/fakes/plans_small.toml"  # free: 3 messages/day, 2 images/month
NOW = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)


@pytest.fixture
def billing_off(engine, monkeypatch):
    monkeypatch.setenv("NOMASK_PLANS_FILE", SMALL_PLANS)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def billing_on(engine, monkeypatch):
    yield use_fake_stripe(monkeypatch, plans_file=SMALL_PLANS)
    get_settings.cache_clear()


def _use(session, user, kind, *, at=NOW, times=1):
    for _ in range(times):
        record_usage(
            session=session, user_id=user.id, kind=kind, model="demo", provider="demo", at=at
        )
    session.commit()


def _subscribe(session, user, *, status="active", period_start=None, period_end=None, **extra):
    account = BillingAccount(
        user_id=user.id,
        stripe_customer_id=f"cus_{user.id[:8]}",
        stripe_subscription_id=f"sub_{user.id[:8]}",
        plan="plus",
        status=status,
        current_period_start=period_start,
        current_period_end=period_end,
        **extra,
    )
    session.add(account)
    session.commit()
    return account


def test_messages_at_the_daily_limit(session, billing_off):
    user = make_user(session)
    _use(session, user, "message", times=1)  # N-2 used
    check_quota(session=session, user_id=user.id, kind="message", now=NOW)  # N-1 ok
    _use(session, user, "message")
    check_quota(session=session, user_id=user.id, kind="message", now=NOW)  # N ok
    _use(session, user, "message")
    with pytest.raises(QuotaExceeded) as refused:  # N+1 refused
        check_quota(session=session, user_id=user.id, kind="message", now=NOW)
    error = refused.value
    assert error.reason == "messages_per_day"
    assert error.limit == 3
    assert error.resets_at == datetime(2026, 3, 15, tzinfo=UTC)
    assert error.upgrade_url == "/billing"
    assert "3 of the 3 messages" in error.message
    assert "March 15, 2026 at 00:00 UTC" in error.message
    assert "Upgrade" not in error.message  # billing is off: nothing to upgrade to


def test_yesterdays_messages_do_not_count(session, billing_off):
    user = make_user(session)
    midnight = NOW.replace(hour=0, minute=0)
    _use(session, user, "message", at=midnight - timedelta(microseconds=1), times=3)
    _use(session, user, "message", at=midnight, times=2)
    check_quota(session=session, user_id=user.id, kind="message", now=NOW)
    _use(session, user, "message")
    with pytest.raises(QuotaExceeded):
        check_quota(session=session, user_id=user.id, kind="message", now=NOW)


def test_other_peoples_usage_does_not_count(session, billing_off):
    user, other = make_user(session), make_user(session)
    _use(session, other, "message", times=3)
    assert check_quota(session=session, user_id=user.id, kind="message", now=NOW).id == "free"


def test_images_at_the_monthly_limit_reset_at_the_start_of_next_month(session, billing_off):
    user = make_user(session)
    _use(session, user, "image", at=datetime(2026, 2, 28, 23, 59, tzinfo=UTC), times=5)
    _use(session, user, "image", at=datetime(2026, 3, 1, tzinfo=UTC))
    check_quota(session=session, user_id=user.id, kind="image", now=NOW)  # N ok
    with pytest.raises(QuotaExceeded):  # two at once would be N+1
        check_quota(session=session, user_id=user.id, kind="image", count=2, now=NOW)
    _use(session, user, "image")
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="image", now=NOW)
    assert refused.value.reason == "images_per_month"
    assert refused.value.resets_at == datetime(2026, 4, 1, tzinfo=UTC)
    # Messages are a separate allowance.
    check_quota(session=session, user_id=user.id, kind="message", now=NOW)


def test_december_resets_in_january(session, billing_off):
    user = make_user(session)
    december = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    _use(session, user, "image", at=december, times=2)
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="image", now=december)
    assert refused.value.resets_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_models_outside_the_plan_are_refused(session, billing_off):
    user = make_user(session)
    check_quota(session=session, user_id=user.id, kind="message", model="demo", now=NOW)
    check_quota(
        session=session, user_id=user.id, kind="message", model="openai/gpt-4o-mini", now=NOW
    )
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(
            session=session, user_id=user.id, kind="message", model="openai/gpt-4o", now=NOW
        )
    assert refused.value.reason == "model"
    assert refused.value.resets_at is None
    assert "openai/gpt-4o is not included in the Free plan" in refused.value.message


def test_uploads_above_the_plan_limit_are_refused(session, billing_off):
    user = make_user(session)
    check_quota(session=session, user_id=user.id, kind="image", upload_bytes=1000, now=NOW)
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="image", upload_bytes=1001, now=NOW)
    assert refused.value.reason == "upload_size"
    assert refused.value.limit == 1000


def test_a_plain_upload_checks_the_size_but_no_allowance(session, billing_off):
    user = make_user(session)
    _use(session, user, "image", times=2)  # the monthly generations are used up
    check_quota(session=session, user_id=user.id, kind="upload", upload_bytes=1000, now=NOW)
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="upload", upload_bytes=1001, now=NOW)
    assert refused.value.reason == "upload_size"
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="image", now=NOW)
    assert refused.value.reason == "images_per_month"


def test_unknown_kinds_are_a_programming_error(session, billing_off):
    user = make_user(session)
    with pytest.raises(FieldErrors):
        check_quota(session=session, user_id=user.id, kind="video")


def test_an_active_subscription_raises_limits_and_opens_models(session, billing_on):
    user = make_user(session)
    _subscribe(session, user)
    _use(session, user, "message", times=4)
    plan = check_quota(
        session=session, user_id=user.id, kind="message", model="openai/gpt-4o", now=NOW
    )
    assert plan.id == "plus"
    _use(session, user, "message")
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="message", now=NOW)
    assert refused.value.limit == 5
    assert "Upgrade your plan on the billing page" in refused.value.message


def test_without_billing_a_subscription_row_grants_nothing(session, billing_off):
    # Billing off means everyone has the default plan, whatever the database says.
    user = make_user(session)
    _subscribe(session, user)
    _use(session, user, "message", times=3)
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="message", now=NOW)
    assert refused.value.plan.id == "free"


def test_paid_image_allowance_follows_the_billing_period(session, billing_on):
    user = make_user(session)
    start, end = NOW - timedelta(days=10), NOW + timedelta(days=20)
    _subscribe(session, user, period_start=start, period_end=end)
    _use(session, user, "image", at=start - timedelta(seconds=1), times=4)  # last period
    _use(session, user, "image", at=start, times=3)
    check_quota(session=session, user_id=user.id, kind="image", now=NOW)
    _use(session, user, "image")
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="image", now=NOW)
    assert refused.value.resets_at == end
    assert "this billing period" in refused.value.message


def test_a_failed_payment_keeps_the_plan_during_the_grace_period_only(session, billing_on):
    user = make_user(session)
    grace = timedelta(days=get_settings().billing_grace_days)
    failed_at = NOW - grace + timedelta(minutes=1)
    _subscribe(session, user, status="past_due", past_due_since=failed_at)
    _use(session, user, "message", times=4)
    assert check_quota(session=session, user_id=user.id, kind="message", now=NOW).id == "plus"
    later = failed_at + grace
    _use(session, user, "message", at=later, times=3)
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(session=session, user_id=user.id, kind="message", now=later)
    assert refused.value.plan.id == "free"


@pytest.fixture
def self_hosted(engine, monkeypatch):
    """Billing off with the bundled plans file, as `make run` starts."""
    monkeypatch.delenv("NOMASK_PLANS_FILE", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_with_billing_off_and_no_operator_caps_nobody_is_capped(session, self_hosted):
    user = make_user(session)
    _use(session, user, "message", times=60)  # more than any plan's daily allowance
    _use(session, user, "image", times=25)
    plan = check_quota(session=session, user_id=user.id, kind="message", now=NOW)
    check_quota(session=session, user_id=user.id, kind="image", count=4, now=NOW)
    check_quota(session=session, user_id=user.id, kind="message", model="any/model", now=NOW)
    assert (plan.id, plan.messages_per_day, plan.images_per_month) == ("no-limits", None, None)
    # Uploads stay bounded by the server's own cap.
    assert plan.max_upload_bytes == get_settings().max_upload_bytes
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(
            session=session,
            user_id=user.id,
            kind="upload",
            upload_bytes=get_settings().max_upload_bytes + 1,
            now=NOW,
        )
    assert refused.value.reason == "upload_size"


def test_billing_off_must_name_a_plan_of_the_file(tmp_path, monkeypatch):
    from nomask_app.services.billing.plans import plan_catalog

    bad = tmp_path / "plans.toml"
    bad.write_text(
        'billing_off = "gold"\n'
        + Path(SMALL_PLANS).read_text().replace('billing_off = "free"\n', "")
    )
    monkeypatch.setenv("NOMASK_PLANS_FILE", str(bad))
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="billing_off"):
        plan_catalog()
    get_settings.cache_clear()


def test_the_allowance_left_follows_usage_and_the_plan(session, billing_off):
    from nomask_app.services.billing.quotas import allowance

    user = make_user(session)
    _use(session, user, "image")
    left = allowance(session=session, user_id=user.id, kind="image", now=NOW)
    assert (left.used, left.limit, left.left) == (1, 2, 1)
    assert left.resets_at == datetime(2026, 4, 1, tzinfo=UTC) and not left.paid_period
    _use(session, user, "image", times=3)  # over the limit (recorded elsewhere): never negative
    assert allowance(session=session, user_id=user.id, kind="image", now=NOW).left == 0
    with pytest.raises(FieldErrors):
        allowance(session=session, user_id=user.id, kind="upload", now=NOW)


def test_without_a_cap_nothing_is_left_to_count(session, self_hosted):
    from nomask_app.services.billing.quotas import allowance

    user = make_user(session)
    _use(session, user, "image", times=3)
    left = allowance(session=session, user_id=user.id, kind="image", now=NOW)
    assert (left.used, left.limit, left.left) == (3, None, None)


def test_one_upload_limit_names_the_file_and_where_the_limit_comes_from(session, self_hosted):
    from nomask_app.services.billing.quotas import upload_limit

    user = make_user(session)
    server = get_settings().max_upload_bytes
    limit = upload_limit(session=session, user_id=user.id)
    assert (limit.max_bytes, limit.source) == (server, "on this server")  # no plan sets less
    assert limit.label == "Up to 21 MB per file."
    assert limit.refusal("a.png", 23_400_000) == (
        "“a.png” is 23.4 MB: files can be at most 21 MB on this server."
    )
    assert (
        limit.refusal("a.png") == "“a.png” is too large: files can be at most 21 MB on this server."
    )


def test_a_plans_smaller_upload_limit_is_the_one_stated(session, billing_off):
    from nomask_app.services.billing.quotas import upload_limit

    limit = upload_limit(session=session, user_id=make_user(session).id)
    assert (limit.max_bytes, limit.source, limit.label) == (
        1000,
        "on the Free plan",
        "Up to 1 KB per file.",
    )
