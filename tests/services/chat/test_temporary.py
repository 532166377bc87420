"""Temporary chats: out of the list, search and export; gone when their session ends."""

import json
import zipfile
from datetime import timedelta

from nomask_app.models import Conversation, Message, StoredFile
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.sessions import create_session, revoke_session
from nomask_app.services.chat import conversations, search, temporary
from nomask_app.services.images import files
from nomask_app.services.privacy.export_archive import write_archive
from tests.factories import make_user, post_message, store_text_file


def _signed_in(session, user):
    row, token = create_session(session=session, user_id=user.id)
    session.commit()
    return row, token


def _temporary_turn(session, user, session_id, text="a secret plan zebra", **kwargs):
    return post_message(session, user, text, temporary_session_id=session_id, **kwargs)


def test_temporary_chat_is_left_out_of_the_list_and_search(session):
    user = make_user(session)
    row, _ = _signed_in(session, user)
    kept = post_message(session, user, "zebra crossings saved")
    gone = _temporary_turn(session, user, row.id)
    listed = conversations.list_conversations(session=session, user_id=user.id)
    assert [c.id for c in listed] == [kept.conversation.id]
    hits = search.search_conversations(session=session, user_id=user.id, query="zebra")
    assert [h.conversation_id for h in hits] == [kept.conversation.id]
    # By title too: the temporary chat's title has the word.
    assert gone.conversation.title.startswith("a secret plan")
    hits = search.search_conversations(session=session, user_id=user.id, query="secret plan")
    assert hits == []


def test_temporary_chat_is_not_exported(session, tmp_path):
    user = make_user(session)
    row, _ = _signed_in(session, user)
    post_message(session, user, "kept message")
    note = store_text_file(session, user, b"temporary notes")
    _temporary_turn(session, user, row.id, attachment_ids=(note.id,))
    counts = write_archive(session=session, user_id=user.id, path=tmp_path / "export.zip")
    assert counts["conversations"] == 1
    assert counts["messages"] == 2  # the saved message and its reply
    assert counts["files"] == 0
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        exported = json.loads(archive.read("conversations.json"))
    assert b"a secret plan" not in everything
    assert b"temporary notes" not in everything
    assert len(exported["conversations"]) == 1


def test_sign_out_discards_that_sessions_temporary_chats_only(session):
    user = make_user(session)
    row, token = _signed_in(session, user)
    other, _ = _signed_in(session, user)
    note = store_text_file(session, user, b"temporary notes")
    mine = _temporary_turn(session, user, row.id, attachment_ids=(note.id,))
    theirs = _temporary_turn(session, user, other.id)
    saved = post_message(session, user, "kept")
    keys = temporary.discard_for_session(
        session=session, session_id=temporary.session_id_for(session=session, token=token)
    )
    revoke_session(session=session, token=token)
    session.commit()
    files.remove_stored(keys)
    assert session.get(Conversation, mine.conversation.id) is None
    assert session.get(Message, mine.user_message.id) is None
    assert session.get(StoredFile, note.id) is None
    assert not files.path_for(note.storage_key).exists()
    assert session.get(Conversation, theirs.conversation.id) is not None
    assert session.get(Conversation, saved.conversation.id) is not None


def test_discard_never_deletes_a_saved_conversation_or_anothers(session):
    user, stranger = make_user(session), make_user(session)
    row, _ = _signed_in(session, user)
    saved = post_message(session, user, "kept")
    mine = _temporary_turn(session, user, row.id)
    assert (
        temporary.discard(session=session, user_id=user.id, conversation_id=saved.conversation.id)
        == []
    )
    temporary.discard(session=session, user_id=stranger.id, conversation_id=mine.conversation.id)
    session.commit()
    assert session.get(Conversation, saved.conversation.id) is not None
    assert session.get(Conversation, mine.conversation.id) is not None
    temporary.discard(session=session, user_id=user.id, conversation_id=mine.conversation.id)
    session.commit()
    assert session.get(Conversation, mine.conversation.id) is None


def test_sweep_purges_chats_of_ended_sessions_and_idle_ones(session):
    user = make_user(session)
    live, _ = _signed_in(session, user)
    revoked, revoked_token = _signed_in(session, user)
    expired, _ = _signed_in(session, user)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    session.add(expired)
    session.commit()
    stays = _temporary_turn(session, user, live.id)
    idle = _temporary_turn(session, user, live.id)
    idle.conversation.updated_at = utcnow() - temporary.TEMPORARY_KEPT - timedelta(minutes=1)
    session.add(idle.conversation)
    of_revoked = _temporary_turn(session, user, revoked.id)
    of_expired = _temporary_turn(session, user, expired.id)
    saved = post_message(session, user, "kept")
    saved.conversation.updated_at = utcnow() - timedelta(days=400)
    session.add(saved.conversation)
    revoke_session(session=session, token=revoked_token)
    session.commit()

    count, _ = temporary.purge_ended(session=session, now=utcnow())
    session.commit()
    assert count == 3
    gone = (idle, of_revoked, of_expired)
    assert all(session.get(Conversation, t.conversation.id) is None for t in gone)
    assert session.get(Conversation, stays.conversation.id) is not None
    assert session.get(Conversation, saved.conversation.id) is not None
