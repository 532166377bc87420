from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from nomask_app.models import UsageEvent
from nomask_app.services.billing.usage import daily_usage, record_usage, usage_summary
from nomask_app.services.common.errors import FieldErrors
from tests.factories import make_user

NOW = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)


def _message(session, user, *, at=NOW, prompt=10, completion=20, cost=0.001):
    return record_usage(
        session=session,
        user_id=user.id,
        kind="message",
        model="openai/gpt-4o-mini",
        provider="openai",
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost=cost,
        at=at,
    )


def test_record_usage_stores_what_chat_reports(session):
    user = make_user(session)
    record_usage(
        session=session,
        user_id=user.id,
        kind="message",
        model="anthropic/claude-sonnet-4",
        provider="anthropic",
        prompt_tokens=1200,
        completion_tokens=345,
        cost=0.0123456,
    )
    session.commit()
    event = session.exec(select(UsageEvent)).one()
    assert (event.user_id, event.kind, event.model, event.provider) == (
        user.id,
        "message",
        "anthropic/claude-sonnet-4",
        "anthropic",
    )
    assert (event.prompt_tokens, event.completion_tokens) == (1200, 345)
    assert event.cost_micro_usd == 12346  # rounded to the millionth of a dollar
    assert event.created_at.tzinfo is not None


def test_costs_add_up_exactly(session):
    user = make_user(session)
    for _ in range(3):
        _message(session, user, cost=0.1)
    session.commit()
    summary = usage_summary(session=session, user_id=user.id, start=NOW - timedelta(days=1))
    assert summary.cost_usd == Decimal("0.3")  # floats would give 0.30000000000000004


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "video"}, "kind"),
        ({"prompt_tokens": -1}, "tokens"),
        ({"cost": -0.5}, "cost"),
    ],
)
def test_bad_usage_is_refused_and_nothing_is_recorded(session, kwargs, field):
    user = make_user(session)
    arguments = {
        "session": session,
        "user_id": user.id,
        "kind": "message",
        "model": "demo",
        "provider": "demo",
        **kwargs,
    }
    with pytest.raises(FieldErrors) as problem:
        record_usage(**arguments)
    assert field in problem.value.errors
    assert session.exec(select(UsageEvent)).first() is None


def test_summary_counts_one_persons_period_only(session):
    user, other = make_user(session), make_user(session)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    _message(session, user, at=start, prompt=1, completion=2, cost=0.5)
    _message(session, user, at=NOW, prompt=10, completion=20, cost=0.25)
    record_usage(
        session=session,
        user_id=user.id,
        kind="image",
        model="openai/gpt-image-1",
        provider="openai",
        cost=0.04,
        at=NOW,
    )
    _message(session, user, at=start - timedelta(seconds=1), cost=9)  # before the period
    _message(session, other, at=NOW, cost=9)  # someone else
    session.commit()

    summary = usage_summary(session=session, user_id=user.id, start=start)
    assert (summary.messages, summary.images) == (2, 1)
    assert (summary.prompt_tokens, summary.completion_tokens, summary.tokens) == (11, 22, 33)
    assert summary.cost_usd == Decimal("0.79")

    until_now = usage_summary(session=session, user_id=user.id, start=start, end=NOW)
    assert (until_now.messages, until_now.images) == (1, 0)


def test_daily_series_has_thirty_days_oldest_first_with_zeros(session):
    user, other = make_user(session), make_user(session)
    _message(session, user, at=NOW, prompt=5, completion=5, cost=0.01)
    _message(session, user, at=NOW.replace(hour=0, minute=0), prompt=1, completion=1)
    _message(session, user, at=NOW - timedelta(days=29))
    _message(session, user, at=NOW - timedelta(days=30))  # outside the window
    record_usage(session=session, user_id=user.id, kind="image", model="m", provider="p", at=NOW)
    _message(session, other, at=NOW)
    session.commit()

    series = daily_usage(session=session, user_id=user.id, now=NOW)
    assert len(series) == 30
    assert series[0].day == (NOW - timedelta(days=29)).date()
    assert series[-1].day == NOW.date()
    assert (series[-1].messages, series[-1].images, series[-1].tokens) == (2, 1, 12)
    assert series[-1].cost_usd == Decimal("0.011")
    assert series[0].messages == 1
    assert sum(day.messages for day in series[1:-1]) == 0
