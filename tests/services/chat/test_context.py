"""Context building: the newest messages that fit the model's window."""

import pytest
from sqlalchemy import event

from nomask_app.services.chat import context, reply_progress
from tests.factories import make_user, post_message


def test_context_is_trimmed_to_the_window_newest_first(session):
    user = make_user(session)
    turn = post_message(session, user, "one")
    cid = turn.conversation.id
    for text in ("two", "three"):
        reply_progress.finish_reply(
            session=session, message_id=turn.reply.id, content=f"reply {text}", status="complete"
        )
        turn = post_message(session, user, text, conversation_id=cid)

    def count(messages):
        return sum(len(m["content"].split()) for m in messages)

    def build(budget):
        kept, dropped, ids = context.build_context(
            session=session,
            conversation_id=cid,
            upto_seq=turn.user_message.seq,
            budget_tokens=budget,
            count_tokens=count,
            render=lambda m: {"role": m.role, "content": m.content, "id": m.id},
        )
        assert ids == [m.pop("id") for m in kept]  # the ids of exactly what is sent
        return [m["content"] for m in kept], dropped

    assert build(100) == (["one", "reply two", "two", "reply three", "three"], 0)
    assert build(3) == (["reply three", "three"], 3)


def test_context_that_surely_fits_is_not_counted(session):
    """Counting tokens is slow; a window far larger than the text needs no count."""
    user = make_user(session)
    turn = post_message(session, user, "one")
    calls = []

    def count(messages):
        calls.append(messages)
        return sum(len(m["content"].split()) for m in messages)

    def build(budget):
        return context.build_context(
            session=session,
            conversation_id=turn.conversation.id,
            upto_seq=turn.user_message.seq,
            budget_tokens=budget,
            count_tokens=count,
            render=lambda m: {"role": m.role, "content": m.content},
        )

    sent = ([{"role": "user", "content": "one"}], 0, [turn.user_message.id])
    assert build(10_000) == sent
    assert calls == []
    # Near the limit it counts exactly, with the same outcome as ever.
    assert build(1) == sent
    assert calls


def test_a_long_conversation_is_read_only_as_far_as_the_window_reaches(session, monkeypatch):
    user = make_user(session)
    turn = post_message(session, user, "question 0")
    cid = turn.conversation.id
    for n in range(1, 100):
        # Every tenth reply failed: the model never sees it, and it is not "left out".
        failed = n % 10 == 0
        reply_progress.finish_reply(
            session=session,
            message_id=turn.reply.id,
            content="" if failed else f"answer {n - 1}",
            status="failed" if failed else "complete",
        )
        turn = post_message(session, user, f"question {n}", conversation_id=cid)
    session.commit()
    reads = []

    def on_execute(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM messages" in statement:
            reads.append(statement)

    monkeypatch.setattr(context, "_PAGE", 8)
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        kept, dropped, _ids = context.build_context(
            session=session,
            conversation_id=cid,
            upto_seq=turn.user_message.seq,
            budget_tokens=10 * 2,  # ten messages of two words
            count_tokens=lambda messages: sum(len(m["content"].split()) for m in messages),
            render=lambda m: {"role": m.role, "content": m.content},
        )
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)

    assert [m["content"] for m in kept][-3:] == ["question 98", "answer 98", "question 99"]
    assert len(kept) == 10
    usable = 100 + 99 - 9  # questions, answers, minus the failed replies
    assert dropped == usable - 10
    # Two pages of 8 (each with a LIMIT) and a count of the rest, not all 199 rows.
    pages = [r for r in reads if "count(" not in r.lower()]
    assert len(pages) == 2 and all("LIMIT" in r.upper() for r in pages)
    assert len(reads) == 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain words here",
        " " * 300,
        "\n\n\t" * 50,
        "ünïcödé ✓ 漢字かな 🙂🙂🙂",
        "a" * 5000,
        "".join(chr(c) for c in range(33, 2000)),
        "1234567890" * 40,
    ],
)
def test_the_byte_bound_of_a_message_is_never_below_litellms_count(use_models, text):
    from nomask_app.integrations.llm import get_gateway

    use_models(OPENAI_API_KEY="sk-test", ANTHROPIC_API_KEY="sk-ant-test")
    gateway = get_gateway()
    for role in ("user", "assistant"):
        message = {"role": role, "content": text}
        for model in ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"):
            assert gateway.count_tokens(model, [message]) <= context.token_bound(message)
