from datetime import timedelta

import pytest
from sqlmodel import func, select

from nomask_app.models import Conversation, Message, StoredFile
from nomask_app.models.common import utcnow
from nomask_app.services.chat import conversations, reply_progress
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files
from tests.factories import make_user, post_message, store_text_file

MAX = 32_000


def test_first_message_creates_a_titled_conversation_and_a_pending_reply(session):
    user = make_user(session)
    turn = post_message(session, user, "How do tides work on other planets and moons?")
    assert turn.conversation.title == "How do tides work on other planets and"
    assert (turn.user_message.seq, turn.reply.seq) == (1, 2)
    assert turn.user_message.content.startswith("How do tides")
    assert turn.user_message.created_at is not None
    assert (turn.reply.role, turn.reply.status, turn.reply.content) == (
        "assistant",
        "streaming",
        "",
    )


def test_messages_are_committed_before_any_provider_call(session, engine):
    from sqlmodel import Session

    user = make_user(session)
    turn = post_message(session, user)
    with Session(engine) as other:  # another connection sees them at once
        assert other.get(Message, turn.user_message.id).content == "Hello there"


@pytest.mark.parametrize(
    ("text", "problem"), [("   ", "Type a message"), ("x" * (MAX + 1), "limit")]
)
def test_empty_or_oversized_messages_are_refused(session, text, problem):
    user = make_user(session)
    with pytest.raises(FieldErrors) as caught:
        post_message(session, user, text)
    assert problem in caught.value.errors["message"]
    session.rollback()
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0


def test_another_users_conversation_is_not_found(session):
    owner, other = make_user(session), make_user(session)
    turn = post_message(session, owner)
    cid = turn.conversation.id
    calls = [
        lambda: conversations.get_conversation(
            session=session, user_id=other.id, conversation_id=cid
        ),
        lambda: conversations.list_messages(session=session, user_id=other.id, conversation_id=cid),
        lambda: conversations.rename_conversation(
            session=session, user_id=other.id, conversation_id=cid, title="mine"
        ),
        lambda: conversations.delete_conversation(
            session=session, user_id=other.id, conversation_id=cid
        ),
        lambda: post_message(session, other, conversation_id=cid),
        lambda: conversations.get_message(
            session=session, user_id=other.id, message_id=turn.reply.id
        ),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
        session.rollback()
    assert conversations.get_conversation(session=session, user_id=owner.id, conversation_id=cid)


def test_conversations_are_listed_newest_first_in_pages(session):
    user = make_user(session)
    start = utcnow()
    for index in range(7):
        session.add(
            Conversation(
                user_id=user.id, title=f"c{index}", updated_at=start + timedelta(seconds=index)
            )
        )
    session.commit()
    first = conversations.list_conversations(session=session, user_id=user.id, limit=3)
    assert [c.title for c in first] == ["c6", "c5", "c4"]
    cursor = (first[-1].updated_at, first[-1].id)
    second = conversations.list_conversations(
        session=session, user_id=user.id, before=cursor, limit=3
    )
    assert [c.title for c in second] == ["c3", "c2", "c1"]
    other = make_user(session)
    assert conversations.list_conversations(session=session, user_id=other.id) == []


def test_messages_come_in_pages_of_the_latest(session):
    user = make_user(session)
    turn = post_message(session, user)
    cid = turn.conversation.id
    for _ in range(30):
        reply_progress.finish_reply(
            session=session, message_id=turn.reply.id, content="ok", status="complete"
        )
        turn = post_message(session, user, conversation_id=cid)
    page, has_more = conversations.list_messages(
        session=session, user_id=user.id, conversation_id=cid, limit=10
    )
    assert has_more and [m.seq for m in page] == list(range(53, 63))
    earlier, _ = conversations.list_messages(
        session=session, user_id=user.id, conversation_id=cid, before_seq=53, limit=10
    )
    assert [m.seq for m in earlier] == list(range(43, 53))


def test_rename_validates(session):
    user = make_user(session)
    cid = post_message(session, user).conversation.id
    with pytest.raises(FieldErrors):
        conversations.rename_conversation(
            session=session, user_id=user.id, conversation_id=cid, title=" "
        )
    with pytest.raises(FieldErrors):
        conversations.rename_conversation(
            session=session, user_id=user.id, conversation_id=cid, title="x" * 201
        )
    renamed = conversations.rename_conversation(
        session=session, user_id=user.id, conversation_id=cid, title="  Trip   plans "
    )
    assert (renamed.title, renamed.title_is_auto) == ("Trip plans", False)


def test_delete_conversation_removes_messages_and_files(session):
    user = make_user(session)
    attached = store_text_file(session, user)
    turn = post_message(session, user, attachment_ids=(attached.id,))
    keep = post_message(session, user, "another")
    keys = conversations.delete_conversation(
        session=session, user_id=user.id, conversation_id=turn.conversation.id
    )
    session.commit()
    files.remove_stored(keys)
    assert keys == [attached.storage_key]
    assert not files.path_for(attached.storage_key).exists()
    assert session.get(Conversation, turn.conversation.id) is None
    assert (
        session.exec(select(Message).where(Message.conversation_id == turn.conversation.id)).all()
        == []
    )
    assert session.get(StoredFile, attached.id) is None
    assert session.get(Conversation, keep.conversation.id) is not None


def test_delete_all_conversations_leaves_other_users_alone(session):
    user, other = make_user(session), make_user(session)
    for _ in range(3):
        post_message(session, user)
    theirs = post_message(session, other)
    conversations.delete_all_conversations(session=session, user_id=user.id)
    session.commit()
    assert conversations.list_conversations(session=session, user_id=user.id) == []
    assert session.get(Message, theirs.user_message.id) is not None


def test_interrupted_replies_are_marked_failed(session):
    user = make_user(session)
    turn = post_message(session, user)
    reply_progress.save_progress(session=session, progress={turn.reply.id: "partial"})
    session.commit()
    assert (
        reply_progress.mark_interrupted(
            session=session, stale_before=utcnow() - timedelta(seconds=30)
        )
        == 0
    )
    assert (
        reply_progress.mark_interrupted(
            session=session, stale_before=utcnow() + timedelta(seconds=1)
        )
        == 1
    )
    session.commit()
    reply = session.get(Message, turn.reply.id)
    session.refresh(reply)  # the saves went past the session's loaded object
    assert (reply.status, reply.content) == ("failed", "partial")
    assert "interrupted" in reply.error
