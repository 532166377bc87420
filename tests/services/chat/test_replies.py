"""A chat turn meets the plan: quotas before anything is stored, usage after the reply."""

import pytest
from sqlmodel import func, select

from nomask_app.models import Message, UsageEvent
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.billing.usage import record_usage
from nomask_app.services.chat import replies
from tests.factories import make_user


def _use_up_messages(session, user, count):
    for _ in range(count):
        record_usage(session=session, user_id=user.id, kind="message", model="m", provider="p")
    session.commit()


def test_at_the_daily_limit_nothing_is_stored_and_the_reason_is_clear(
    session, fake_models, operator_caps
):
    user = make_user(session)
    _use_up_messages(session, user, 50)  # the free plan's daily allowance
    with pytest.raises(QuotaExceeded) as caught:
        replies.start_turn(
            session=session,
            user_id=user.id,
            conversation_id=None,
            text="one more",
            model_id="custom/fake-a",
        )
    assert "resets" in caught.value.message.lower() or "UTC" in caught.value.message
    assert caught.value.upgrade_url == "/billing"
    session.rollback()
    assert session.exec(select(func.count()).select_from(Message)).one() == 0


def test_one_below_the_limit_is_still_allowed(session, fake_models, operator_caps):
    user = make_user(session)
    _use_up_messages(session, user, 49)
    prepared = replies.start_turn(
        session=session,
        user_id=user.id,
        conversation_id=None,
        text="last one",
        model_id="custom/fake-a",
    )
    assert prepared.turn.user_message.content == "last one"


@pytest.mark.parametrize(("status", "counted"), [("complete", 1), ("stopped", 1), ("failed", 0)])
def test_answered_replies_count_as_usage(session, fake_models, status, counted):
    user = make_user(session)
    prepared = replies.start_turn(
        session=session,
        user_id=user.id,
        conversation_id=None,
        text="hi",
        model_id="custom/fake-a",
    )
    session.commit()
    replies.finish_reply(
        session=session,
        message_id=prepared.turn.reply.id,
        content="ok",
        status=status,
        provider="custom",
        prompt_tokens=7,
        completion_tokens=3,
        cost_usd=0.001,
    )
    session.commit()
    events = session.exec(select(UsageEvent).where(UsageEvent.user_id == user.id)).all()
    assert len(events) == counted
    if counted:
        assert (events[0].kind, events[0].model, events[0].prompt_tokens) == (
            "message",
            "custom/fake-a",
            7,
        )
