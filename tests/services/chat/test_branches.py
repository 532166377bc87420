"""Versions of messages: regenerate and edit branch the conversation; the path is what shows."""

import pytest

from nomask_app.models import Message
from nomask_app.services.chat import branches, context, conversations, reply_progress
from nomask_app.services.common.errors import FieldErrors, NotFound
from tests.factories import make_user, post_message

MAX = 32_000


def _finish(session, reply: Message, text: str) -> None:
    reply_progress.finish_reply(
        session=session, message_id=reply.id, content=text, status="complete"
    )
    session.commit()


def _shown(session, user, conversation_id) -> list[str]:
    rows, _ = conversations.list_messages(
        session=session, user_id=user.id, conversation_id=conversation_id
    )
    return [row.content for row in rows]


def _context(session, conversation_id: str, upto_seq: int) -> list[str]:
    messages, _, _ = context.build_context(
        session=session,
        conversation_id=conversation_id,
        upto_seq=upto_seq,
        budget_tokens=100_000,
        count_tokens=lambda rendered: 1,
        render=lambda row: {"role": row.role, "content": row.content},
    )
    return [m["content"] for m in messages]


def _regenerate(session, user, conversation_id, text: str) -> conversations.Turn:
    turn = branches.regenerate_last_reply(
        session=session, user_id=user.id, conversation_id=conversation_id, model_id="m2"
    )
    session.commit()
    _finish(session, turn.reply, text)
    return turn


def _edit(session, user, message: Message, text: str) -> conversations.Turn:
    turn = branches.edit_user_message(
        session=session,
        user_id=user.id,
        message_id=message.id,
        text=text,
        model_id="m",
        max_chars=MAX,
    )
    session.commit()
    return turn


def _positions(session, user, conversation_id) -> list[tuple[int, int]]:
    rows, _ = conversations.list_messages(
        session=session, user_id=user.id, conversation_id=conversation_id
    )
    found = branches.version_positions(session, rows)
    return [found.get(row.id, (0, 0)) for row in rows]


def test_regenerate_keeps_the_earlier_reply_as_a_version(session):
    user = make_user(session)
    turn = post_message(session, user, "Name a colour")
    _finish(session, turn.reply, "red")
    again = _regenerate(session, user, turn.conversation.id, "blue")
    cid = turn.conversation.id
    assert again.user_message.id == turn.user_message.id
    assert (again.reply.seq, again.reply.parent_id) == (2, turn.user_message.id)
    assert _shown(session, user, cid) == ["Name a colour", "blue"]
    assert _positions(session, user, cid) == [(0, 0), (2, 2)]
    assert session.get(Message, turn.reply.id).content == "red"  # kept, off the path


def test_a_failed_empty_reply_is_replaced_not_kept(session):
    user = make_user(session)
    turn = post_message(session, user)
    reply_progress.finish_reply(
        session=session, message_id=turn.reply.id, content="", status="failed"
    )
    session.commit()
    _regenerate(session, user, turn.conversation.id, "fine")
    assert session.get(Message, turn.reply.id) is None
    assert _positions(session, user, turn.conversation.id) == [(0, 0), (0, 0)]


def test_switching_versions_changes_the_path_and_the_next_context(session):
    user = make_user(session)
    turn = post_message(session, user, "Name a colour")
    cid = turn.conversation.id
    _finish(session, turn.reply, "red")
    second = _regenerate(session, user, cid, "blue")
    branches.switch_version(session=session, user_id=user.id, message_id=second.reply.id, step=-1)
    session.commit()
    assert _shown(session, user, cid) == ["Name a colour", "red"]
    assert _positions(session, user, cid) == [(0, 0), (1, 2)]
    follow = post_message(session, user, "Another?", conversation_id=cid)
    assert follow.user_message.parent_id == turn.reply.id
    assert _context(session, cid, follow.user_message.seq) == ["Name a colour", "red", "Another?"]
    with pytest.raises(NotFound):  # no version before the first
        branches.switch_version(session=session, user_id=user.id, message_id=turn.reply.id, step=-1)


def _two_turns(session, user) -> tuple[conversations.Turn, conversations.Turn]:
    """A conversation "one", "1", "two", "2"."""
    first = post_message(session, user, "one")
    _finish(session, first.reply, "1")
    second = post_message(session, user, "two", conversation_id=first.conversation.id)
    _finish(session, second.reply, "2")
    return first, second


def test_editing_an_earlier_message_branches_and_the_old_branch_stays(session):
    user = make_user(session)
    first, _ = _two_turns(session, user)
    cid = first.conversation.id
    edited = _edit(session, user, first.user_message, "uno")
    assert (edited.user_message.seq, edited.user_message.parent_id) == (1, None)
    assert _shown(session, user, cid) == ["uno", ""]
    assert _positions(session, user, cid) == [(2, 2), (0, 0)]
    _finish(session, edited.reply, "I")
    assert _context(session, cid, 1) == ["uno"]

    branches.switch_version(
        session=session, user_id=user.id, message_id=edited.user_message.id, step=-1
    )
    session.commit()
    assert _shown(session, user, cid) == ["one", "1", "two", "2"]
    branches.switch_version(
        session=session, user_id=user.id, message_id=first.user_message.id, step=1
    )
    session.commit()
    assert _shown(session, user, cid) == ["uno", "I"]


def test_editing_the_last_message_branches_from_it_and_only_shown_ones_are_edited(session):
    user = make_user(session)
    first, second = _two_turns(session, user)
    cid = first.conversation.id
    edited = _edit(session, user, second.user_message, "deux")
    _finish(session, edited.reply, "II")
    assert _shown(session, user, cid) == ["one", "1", "deux", "II"]
    assert _context(session, cid, 3) == ["one", "1", "deux"]
    with pytest.raises(FieldErrors):  # only a shown user message is edited
        _edit(session, user, second.user_message, "zwei")
    session.rollback()
    with pytest.raises(FieldErrors):
        _edit(session, user, first.reply, "no")


def test_refused_while_a_reply_is_written(session):
    user = make_user(session)
    first = post_message(session, user, "one")
    _finish(session, first.reply, "1")
    again = branches.regenerate_last_reply(
        session=session, user_id=user.id, conversation_id=first.conversation.id, model_id="m"
    )
    session.commit()
    with pytest.raises(FieldErrors):
        branches.regenerate_last_reply(
            session=session, user_id=user.id, conversation_id=first.conversation.id, model_id="m"
        )
    with pytest.raises(FieldErrors):
        _edit(session, user, first.user_message, "uno")
    session.rollback()
    with pytest.raises(FieldErrors):
        branches.switch_version(
            session=session, user_id=user.id, message_id=again.reply.id, step=-1
        )


def test_another_users_messages_are_not_found(session):
    owner, other = make_user(session), make_user(session)
    turn = post_message(session, owner)
    _finish(session, turn.reply, "a")
    second = _regenerate(session, owner, turn.conversation.id, "b")
    calls = [
        lambda: branches.regenerate_last_reply(
            session=session, user_id=other.id, conversation_id=turn.conversation.id, model_id="m"
        ),
        lambda: _edit(session, other, turn.user_message, "mine"),
        lambda: branches.switch_version(
            session=session, user_id=other.id, message_id=second.reply.id, step=-1
        ),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    session.rollback()
    assert _shown(session, owner, turn.conversation.id) == ["Hello there", "b"]
