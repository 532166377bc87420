"""Replies as server-side jobs, against the local OpenAI-compatible server."""

import asyncio

import pytest
from sqlmodel import Session, select

from nomask_app.models import Message, UsageEvent
from nomask_app.services.chat import conversations, reply_progress
from nomask_app.services.chat.generation import STALLED, ReplyJobs
from nomask_app.states.chat.views import message_view
from tests.factories import make_user, post_message
from tests.support import fallback_models_file


@pytest.fixture
def jobs():
    return ReplyJobs()


def _turn(session, text):
    user = make_user(session)
    return user, post_message(session, user, text)


def _start(jobs, user, turn, text, **kwargs):
    return jobs.start(
        message_id=turn.reply.id,
        user_id=user.id,
        model_id="custom/fake-a",
        messages=[{"role": "user", "content": text}],
        **kwargs,
    )


def _start_with(jobs, session, model_id, text):
    """A new person's first message to `model_id`, and the job writing its reply."""
    user = make_user(session)
    turn = conversations.post_user_message(
        session=session,
        user_id=user.id,
        conversation_id=None,
        text=text,
        model_id=model_id,
        max_chars=100,
    )
    session.commit()
    job = jobs.start(
        message_id=turn.reply.id,
        user_id=user.id,
        model_id=model_id,
        messages=[{"role": "user", "content": text}],
    )
    return user, turn, job


def _stored(engine, message_id) -> Message:
    with Session(engine) as session:
        return session.get(Message, message_id)


async def _until(condition, what: str, timeout=10):
    """Wait for `condition()` (a busy CI machine may be slow to the first token)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


async def _finished(job, timeout=10):
    await _until(lambda: job.done, "the reply finished", timeout)


async def test_a_reply_is_stored_complete_with_its_usage(session, engine, fake_models, jobs):
    user, turn = _turn(session, "hello")
    job = _start(jobs, user, turn, "hello")
    await _finished(job)
    stored = _stored(engine, turn.reply.id)
    assert (stored.status, stored.content) == ("complete", "Echo: hello")
    assert (stored.prompt_tokens, stored.completion_tokens) == (10, 2)
    assert (stored.model, stored.deployment, stored.provider) == (
        "custom/fake-a",
        "openai/fake-a",
        "custom",
    )


async def test_a_fallback_reply_is_credited_to_the_model_that_answered(
    session, engine, fake_provider, use_models, jobs, tmp_path
):
    models_file = fallback_models_file(tmp_path / "models.json", fake_provider.base_url)
    use_models(NOMASK_MODELS_FILE=str(models_file))
    user, turn, job = _start_with(jobs, session, "main", "hello")
    await _finished(job)
    stored = _stored(engine, turn.reply.id)
    assert (stored.status, stored.content) == ("complete", "Echo: hello")
    assert (stored.model, stored.deployment, stored.provider) == ("spare", "openai/fake-c", "Live")
    with Session(engine) as fresh:
        usage = fresh.exec(select(UsageEvent).where(UsageEvent.user_id == user.id)).one()
        assert (usage.model, usage.provider) == ("spare", "Live")
    labels = {"main": "Main model", "spare": "Spare model"}
    assert message_view(stored, (), labels).model == "Spare model"


async def test_the_growing_reply_is_saved_while_it_streams(session, engine, fake_models, jobs):
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[slow]] [[tokens:20]]")
    await _until(
        lambda: _stored(engine, turn.reply.id).content.startswith("word0 word1"),
        "the partial reply is saved",
    )
    assert _stored(engine, turn.reply.id).status == "streaming"
    await _finished(job)
    assert _stored(engine, turn.reply.id).content.endswith("word19")


async def test_replies_written_together_are_saved_in_one_round_a_second(
    session, engine, fake_models, monkeypatch
):
    from nomask_app.services.chat import generation
    from nomask_app.services.chat.generation import _in_thread

    monkeypatch.setattr(generation, "SAVE_INTERVAL", 0.3)
    calls = []

    async def counted(function, /, **kwargs):
        calls.append((function, kwargs))
        return await _in_thread(function, **kwargs)

    jobs = ReplyJobs(save=counted)
    started = [_start(jobs, *_turn(session, "x"), "[[slow]] [[tokens:12]]") for _ in range(5)]
    for job in started:
        await _until(
            lambda job=job: _stored(engine, job.message_id).content.startswith("word0 word1"),
            "each growing reply is saved",
        )
    rounds = [kwargs for function, kwargs in calls if function is reply_progress.keep_up]
    # One round carries all five replies: one transaction for the lot, not five.
    assert rounds and all(len(kwargs["running"]) == 5 for kwargs in rounds[:2])
    assert max(len(kwargs["progress"]) for kwargs in rounds) == 5
    for job in started:
        await _finished(job)
    assert all(_stored(engine, job.message_id).status == "complete" for job in started)
    # The rounds end with the replies: none runs while nothing is written.
    ended = len(calls)
    await asyncio.sleep(0.7)
    assert len(calls) == ended


async def test_stop_keeps_the_text_and_closes_the_upstream_stream(
    session, engine, fake_models, jobs
):
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[slow]] [[tokens:100]]")
    await _until(lambda: "word1" in job.text, "the reply streams")
    other = make_user(session)
    assert not await jobs.stop(message_id=turn.reply.id, user_id=other.id)
    assert await jobs.stop(message_id=turn.reply.id, user_id=user.id)
    stored = _stored(engine, turn.reply.id)
    assert stored.status == "stopped"
    assert stored.content.startswith("word0")
    assert len(stored.content) < len(" ".join(f"word{i}" for i in range(100)))
    for _ in range(40):
        if fake_models.state.disconnects:
            break
        await asyncio.sleep(0.05)
    assert fake_models.state.disconnects == ["fake-a"]
    assert not await jobs.stop(message_id=turn.reply.id, user_id=user.id)


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        ("[[error:429]]", "busy"),
        ("[[error:500]]", "unavailable"),
        ("[[drop]] [[tokens:9]]", "interrupted"),
    ],
)
async def test_provider_failures_are_stored_with_a_clear_message(
    session, engine, fake_models, jobs, directive, message
):
    user, turn = _turn(session, "keep me")
    job = _start(jobs, user, turn, directive)
    await _finished(job)
    stored = _stored(engine, turn.reply.id)
    assert stored.status == "failed"
    assert message in stored.error
    assert _stored(engine, turn.user_message.id).content == "keep me"


async def test_a_hung_provider_fails_the_reply(session, engine, fake_models, jobs):
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[hang]]", stall_timeout=0.5)
    await _finished(job)
    stored = _stored(engine, turn.reply.id)
    assert (stored.status, stored.error) == ("failed", STALLED)


async def test_a_send_waits_for_the_provider_request_but_never_for_its_first_token(
    session, engine, fake_models, jobs
):
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[hang]]", stall_timeout=2)
    await asyncio.wait_for(job.head_start(limit=5), 4)
    assert job.requested.is_set() and not job.done and job.text == ""
    await jobs.stop(message_id=turn.reply.id, user_id=user.id)


async def test_the_head_start_ends_when_a_job_fails_before_any_request(
    session, engine, fake_models, jobs
):
    user, turn = _turn(session, "x")
    job = jobs.start(
        message_id=turn.reply.id,
        user_id=user.id,
        model_id="custom/not-configured",
        messages=[{"role": "user", "content": "x"}],
    )
    await asyncio.wait_for(job.head_start(limit=5), 4)
    await _finished(job)
    assert job.status == "failed"


async def test_followers_resume_from_any_offset(session, engine, fake_models, jobs):
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[slow]] [[tokens:12]]")
    await _until(lambda: "word1" in job.text, "the reply streams")
    late_offset = len(job.text)
    assert late_offset > 0
    pieces, end = [], None
    async for event in jobs.follow(turn.reply.id, offset=late_offset):
        if event.status:
            end = event
        else:
            pieces.append(event.text)
    full = " ".join(f"word{i}" for i in range(12))
    assert job.text[:late_offset] + "".join(pieces) == full
    assert end.status == "complete" and end.offset == len(full)
    # The stored row says "complete" by the time followers hear the end.
    assert _stored(engine, turn.reply.id).status == "complete"


async def test_tokens_arriving_together_reach_followers_as_a_few_pieces(
    session, engine, fake_models, jobs
):
    # 300 tokens sent back to back: followers (and the relay) get them in batches.
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[tokens:300]] [[gap:0]]")
    pieces = [e.text async for e in jobs.follow(turn.reply.id) if not e.status]
    assert "".join(pieces) == " ".join(f"word{i}" for i in range(300)) == job.text
    assert 1 <= len(pieces) < 100
    assert _stored(engine, turn.reply.id).content == job.text


async def test_the_offline_demo_runs_as_a_job_too(session, engine, use_models, jobs):
    use_models()
    _, turn, job = _start_with(jobs, session, "offline-demo", "hi demo")
    await _finished(job)
    stored = _stored(engine, turn.reply.id)
    assert stored.status == "complete" and "> hi demo" in stored.content
    assert stored.completion_tokens > 0


async def test_stop_pressed_on_another_worker_stops_the_reply(session, engine, fake_models):
    writer, other_worker = ReplyJobs(), ReplyJobs()
    user, turn = _turn(session, "x")
    job = _start(writer, user, turn, "[[slow]] [[tokens:100]]")
    await _until(lambda: "word1" in job.text, "the reply streams")
    stranger = make_user(session)
    assert not await other_worker.stop(message_id=turn.reply.id, user_id=stranger.id)
    assert await other_worker.stop(message_id=turn.reply.id, user_id=user.id)
    await _finished(job, timeout=5)
    stored = _stored(engine, turn.reply.id)
    assert stored.status == "stopped"
    assert stored.content.startswith("word0")


@pytest.fixture
def redis_url(monkeypatch):
    """The machine's Redis (skipped where none runs), on a database of its own."""
    import redis

    url = "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    monkeypatch.setenv("NOMASK_REDIS_URL", url)
    from tests.support import reset_app_caches

    reset_app_caches()
    return url


async def test_another_worker_streams_the_reply_through_redis(
    session, engine, fake_models, redis_url
):
    from nomask_app.integrations import redis_relay

    writer = ReplyJobs()
    user, turn = _turn(session, "x")
    job = _start(writer, user, turn, "[[slow]] [[tokens:12]]")
    for _ in range(100):  # join mid-reply
        if job.text:
            break
        await asyncio.sleep(0.05)
    joined_at = len(job.text)
    pieces, end = [], None
    async for event in redis_relay.follow(turn.reply.id, offset=0):
        if "s" in event:
            end = event
        else:
            pieces.append(event["t"])
    full = " ".join(f"word{i}" for i in range(12))
    assert joined_at > 0
    assert "".join(pieces) == full
    assert (end["s"], end["o"]) == ("complete", len(full))
    # A follower arriving after the end still gets the whole reply and its end.
    late = [event async for event in redis_relay.follow(turn.reply.id, offset=5)]
    assert late[0]["t"] == full[5:] and late[-1]["s"] == "complete"


async def test_a_database_outage_during_a_reply_loses_nothing(session, engine, fake_models):
    from nomask_app.services.chat import generation
    from nomask_app.services.chat.generation import _in_thread

    failures = {"left": 3}

    async def flaky_save(function, /, **kwargs):
        # The database is away for the first saves, progress and final alike.
        if failures["left"] > 0:
            failures["left"] -= 1
            raise ConnectionError("database restarting")
        return await _in_thread(function, **kwargs)

    jobs = ReplyJobs(save=flaky_save)
    user, turn = _turn(session, "x")
    job = _start(jobs, user, turn, "[[slow]] [[tokens:14]]")
    await _finished(job, timeout=20)
    stored = _stored(engine, turn.reply.id)
    assert stored.status == "complete"
    assert stored.content.endswith("word13")
    assert failures["left"] == 0
    assert generation.FINAL_SAVE_ATTEMPTS > 1


async def test_a_missing_redis_does_not_break_replies(session, engine, fake_models, monkeypatch):
    monkeypatch.setenv("NOMASK_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    from tests.support import reset_app_caches

    reset_app_caches()
    jobs = ReplyJobs()
    user, turn = _turn(session, "hello")
    job = _start(jobs, user, turn, "hello")
    await _finished(job)
    assert _stored(engine, turn.reply.id).status == "complete"


async def test_a_relayed_reply_that_goes_quiet_is_handed_back(redis_url):
    from nomask_app.integrations import redis_relay

    await redis_relay.publish_start("orphan")
    await redis_relay.publish_text("orphan", 5, "hello")
    events = [event async for event in redis_relay.follow("orphan", 0, idle=1.5)]
    # The text so far, and no end: the caller falls back to the database.
    assert events == [{"o": 5, "t": "hello"}]
