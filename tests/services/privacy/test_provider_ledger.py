"""What each AI provider received: recorded before it leaves, ids only, summed per provider."""

import asyncio
import json

import pytest
from sqlmodel import select

from nomask_app.db import session_scope
from nomask_app.integrations.llm_models import ProviderError
from nomask_app.models import Message, ProviderRequest
from nomask_app.services.chat import conversations, replies
from nomask_app.services.chat.generation import ReplyJobs
from nomask_app.services.images import image_requests
from nomask_app.services.privacy import provider_ledger
from tests.factories import make_user


async def _send(user_id: str, text: str, conversation_id: str | None = None, **kwargs):
    """A chat turn as the page sends it: stored and recorded, then answered by a job."""
    with session_scope() as session:
        prepared = replies.start_turn(
            session=session,
            user_id=user_id,
            conversation_id=conversation_id,
            text=text,
            model_id=kwargs.pop("model_id", "custom/fake-a"),
        )
    job = ReplyJobs().start(
        message_id=prepared.turn.reply.id,
        user_id=user_id,
        model_id=prepared.model_id,
        messages=prepared.messages,
    )
    for _ in range(200):
        if job.done:
            break
        await asyncio.sleep(0.05)
    assert job.done
    await asyncio.sleep(0.1)  # the end is saved before followers hear of it
    return prepared.turn


def _requests(session, user_id: str) -> list[ProviderRequest]:
    session.expire_all()
    return list(
        session.exec(
            select(ProviderRequest)
            .where(ProviderRequest.user_id == user_id)
            .order_by(ProviderRequest.created_at)
        )
    )


async def test_each_turn_is_recorded_with_the_ids_sent_and_completed_with_tokens(
    session, fake_models
):
    user = make_user(session)
    first = await _send(user.id, "secret plans for the trip")
    [record] = _requests(session, user.id)
    assert (record.kind, record.provider, record.model) == ("chat", "custom", "custom/fake-a")
    assert record.conversation_id == first.conversation.id
    assert record.reply_message_id == first.reply.id
    assert json.loads(record.message_ids) == [first.user_message.id]
    assert (record.status, record.deployment) == ("complete", "openai/fake-a")
    reply = session.get(Message, first.reply.id)
    assert (record.prompt_tokens, record.completion_tokens) == (
        reply.prompt_tokens,
        reply.completion_tokens,
    )
    assert record.completion_tokens > 0
    assert record.finished_at is not None
    # No content: the text sent is nowhere in the record.
    assert "secret" not in json.dumps(record.model_dump(), default=str)

    second = await _send(user.id, "and more", conversation_id=first.conversation.id)
    latest = _requests(session, user.id)[-1]
    # The history goes again with each turn: all of it is named.
    assert json.loads(latest.message_ids) == [
        first.user_message.id,
        first.reply.id,
        second.user_message.id,
    ]
    [summary] = provider_ledger.summary(session=session, user_id=user.id)
    assert (summary.provider, summary.requests, summary.messages) == ("custom", 2, 3)
    assert summary.latest_conversations == [(first.conversation.id, "secret plans for the trip")]
    records = _requests(session, user.id)
    assert summary.completion_tokens == sum(r.completion_tokens for r in records) > 0


async def test_a_deleted_conversation_stays_in_the_record_without_its_title(session, fake_models):
    user = make_user(session)
    turn = await _send(user.id, "soon gone")
    with session_scope() as scope:
        conversations.delete_conversation(
            session=scope, user_id=user.id, conversation_id=turn.conversation.id
        )
    [summary] = provider_ledger.summary(session=session, user_id=user.id)
    assert summary.latest_conversations == [(turn.conversation.id, None)]
    assert summary.messages == 1


async def test_the_offline_demo_sends_nothing_so_records_nothing(session, use_models):
    use_models()  # no provider configured: the offline demo answers on this server
    user = make_user(session)
    await _send(user.id, "hello demo", model_id="offline-demo")
    assert _requests(session, user.id) == []
    assert provider_ledger.summary(session=session, user_id=user.id) == []


async def test_image_requests_are_recorded_and_a_refusal_is_noted(session, fake_models, use_models):
    use_models(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_models.base_url,
        NOMASK_OPENAI_COMPATIBLE_IMAGE_MODELS='["fake-img"]',
    )
    user = make_user(session)
    session.commit()
    [made] = await image_requests.generate(
        user_id=user.id, prompt="a lighthouse", model_id="", size="1024x1024", count=1
    )
    fake_models.fail_model("fake-img", 500)
    with pytest.raises(ProviderError):
        await image_requests.generate(
            user_id=user.id, prompt="another", model_id="", size="1024x1024", count=1
        )
    records = _requests(session, user.id)
    assert [(r.kind, r.status) for r in records] == [
        ("image_generate", "sent"),
        ("image_generate", "failed"),
    ]
    assert "lighthouse" not in json.dumps([r.model_dump() for r in records], default=str)
    [summary] = provider_ledger.summary(session=session, user_id=user.id)
    assert (summary.images, summary.messages) == (2, 0)
    assert made.kind == "generated"


async def test_a_failover_records_each_provider_that_received_the_request(
    session, fake_provider, use_models, tmp_path
):
    deployments = [
        {
            "model_name": "team",
            "litellm_params": {
                "model": f"openai/{name}",
                "api_base": fake_provider.base_url,
                "api_key": "x",
                "order": order,
            },
            "model_info": {"provider": provider},
        }
        for order, name, provider in ((1, "fake-a", "first-cloud"), (2, "fake-b", "second-cloud"))
    ]
    models_file = tmp_path / "models.json"
    models_file.write_text(json.dumps({"model_list": deployments}))
    use_models(NOMASK_MODELS_FILE=str(models_file))
    fake_provider.fail_model("fake-a", 500)
    user = make_user(session)
    turn = await _send(user.id, "who gets this?", model_id="team")
    records = _requests(session, user.id)
    assert sorted((r.provider, r.deployment, r.status) for r in records) == [
        ("first-cloud", "openai/fake-a", "failed"),
        ("second-cloud", "openai/fake-b", "complete"),  # the one that answered
    ]
    assert {r.conversation_id for r in records} == {turn.conversation.id}
    assert all(json.loads(r.message_ids) == [turn.user_message.id] for r in records)
    summary = {
        s.provider: s.messages for s in provider_ledger.summary(session=session, user_id=user.id)
    }
    assert summary == {"first-cloud": 1, "second-cloud": 1}
