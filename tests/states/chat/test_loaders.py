"""A send's identity check, rate limit and stored turn: one transaction, all or nothing."""

from datetime import timedelta

from sqlalchemy import event, func
from sqlalchemy.engine.interfaces import CacheStats
from sqlmodel import SQLModel, select

from nomask_app.db import get_engine
from nomask_app.models import Conversation, Message, UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import sessions
from nomask_app.services.chat import replies
from nomask_app.services.common.errors import NotFound
from nomask_app.services.operations import ratelimit
from nomask_app.states.chat import loaders
from tests.factories import make_user, store_text_file


def _signed_in(session, *, last_seen_ago=timedelta(0)):
    person = make_user(session)
    row, token = sessions.create_session(session=session, user_id=person.id)
    row.last_seen_at = utcnow() - last_seen_ago
    session.add(row)
    session.commit()
    return person, row, token


def _send(token, **kwargs):
    return loaders.begin_turn(
        token,
        "203.0.113.7",
        replies.start_turn,
        model_id="",
        conversation_id=kwargs.pop("conversation_id", None),
        text=kwargs.pop("text", "Plan a trip to Lisbon"),
        **kwargs,
    )


def _stored(session, user_id):
    session.expire_all()
    conversations = session.exec(select(Conversation).where(Conversation.user_id == user_id))
    messages = session.exec(select(Message).where(Message.user_id == user_id))
    return len(list(conversations)), len(list(messages))


def test_a_send_checks_the_session_and_stores_the_turn_in_one_transaction(session, use_models):
    use_models()
    engine = get_engine()  # the app's engine, as the models' settings left it
    person, _, token = _signed_in(session)
    begun = []

    def count(connection):
        begun.append(connection)

    event.listen(engine, "begin", count)
    try:
        user, prepared = _send(token)
    finally:
        event.remove(engine, "begin", count)

    assert user.id == person.id
    assert isinstance(prepared, replies.PreparedReply)
    assert prepared.messages[-1] == {"role": "user", "content": "Plan a trip to Lisbon"}
    assert len(begun) == 1
    assert _stored(session, person.id) == (1, 2)  # committed: the user message and its reply


def test_a_send_without_a_valid_session_stores_nothing(session, use_models):
    use_models()
    person, _, _ = _signed_in(session)

    assert _send("not-a-session-token") == (None, None)
    assert _send(None) == (None, None)
    assert _stored(session, person.id) == (0, 0)


def test_a_refused_turn_is_rolled_back_while_the_session_stays_fresh(session, use_models):
    use_models()
    person, row, token = _signed_in(session, last_seen_ago=timedelta(hours=2))
    stranger = make_user(session)
    foreign = store_text_file(session, stranger, b"not yours")

    # The conversation and the message are written before the foreign
    # attachment is found: all of it must go.
    user, refusal = _send(token, attachment_ids=(foreign.id,))

    assert user.id == person.id
    assert isinstance(refusal, NotFound)
    assert _stored(session, person.id) == (0, 0)
    refreshed = session.get(UserSession, row.id)
    assert utcnow() - refreshed.last_seen_at < timedelta(minutes=1)


def test_a_rate_limited_send_stores_nothing(session, use_models, monkeypatch):
    use_models()
    person, _, token = _signed_in(session)
    monkeypatch.setitem(ratelimit.DEFAULT_LIMITS, ratelimit.CHAT_SEND, "1/minute")

    _, first = _send(token, text="one")
    _, second = _send(token, text="two")

    assert isinstance(first, replies.PreparedReply)
    assert isinstance(second, ratelimit.RateLimited)
    assert "Try again in" in second.message
    assert _stored(session, person.id) == (1, 2)


def _row_counts(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.exec(select(func.count()).select_from(table)).one()
        for table in SQLModel.metadata.sorted_tables
    }


def _compiled_during_sends(token) -> list[str]:
    """The statements the app's engine had to compile for a new chat's send and a follow-up."""
    compiled = []

    def note(_connection, _cursor, statement, _parameters, context, _executemany):
        if context.cache_hit == CacheStats.CACHE_MISS:
            compiled.append(statement)

    engine = get_engine()
    event.listen(engine, "after_cursor_execute", note)
    try:
        _, first = _send(token)
        _, second = _send(token, conversation_id=first.turn.conversation.id)
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert isinstance(second, replies.PreparedReply)
    return compiled


def test_a_worker_s_first_send_compiles_its_statements(session, use_models):
    """Why workers rehearse: the first send of a process compiles what it runs."""
    use_models()
    _, _, token = _signed_in(session)

    assert _compiled_during_sends(token)


def test_after_the_rehearsal_a_first_send_compiles_nothing(session, use_models):
    use_models()
    _, _, token = _signed_in(session)

    loaders.rehearse_turns()

    assert _compiled_during_sends(token) == []


def test_the_rehearsal_leaves_nothing_behind(session, use_models):
    use_models()
    _signed_in(session)
    before = _row_counts(session)

    loaders.rehearse_turns()

    assert _row_counts(session) == before
