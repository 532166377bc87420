from nomask_app.services.chat import branches, conversations, reply_progress
from nomask_app.services.chat.search import search_conversations
from tests.factories import make_user, post_message


def _conversation(session, user, *texts, title=None):
    turn = conversations.post_user_message(
        session=session,
        user_id=user.id,
        conversation_id=None,
        text=texts[0],
        model_id="m",
        max_chars=10_000,
    )
    for text in texts[1:]:
        reply_progress.finish_reply(
            session=session, message_id=turn.reply.id, content=text, status="complete"
        )
        turn = conversations.post_user_message(
            session=session,
            user_id=user.id,
            conversation_id=turn.conversation.id,
            text="next",
            model_id="m",
            max_chars=10_000,
        )
    reply_progress.finish_reply(
        session=session, message_id=turn.reply.id, content="", status="complete"
    )
    if title:
        conversations.rename_conversation(
            session=session, user_id=user.id, conversation_id=turn.conversation.id, title=title
        )
    session.commit()
    return turn.conversation


def test_message_text_is_found_with_a_snippet(session):
    user = make_user(session)
    tides = _conversation(session, user, "hello", "The moon drives ocean tides twice a day.")
    _conversation(session, user, "a recipe for bread")
    hits = search_conversations(session=session, user_id=user.id, query="ocean tides")
    assert [h.conversation_id for h in hits] == [tides.id]
    assert "tides" in hits[0].snippet


def test_prefix_matches_the_last_word(session):
    user = make_user(session)
    conversation = _conversation(session, user, "photosynthesis in desert plants")
    assert [
        h.conversation_id
        for h in search_conversations(session=session, user_id=user.id, query="photosynth")
    ] == [conversation.id]


def test_titles_match_and_come_first(session):
    user = make_user(session)
    by_text = _conversation(session, user, "we talked about Lisbon once")
    by_title = _conversation(session, user, "holiday", title="Lisbon trip")
    hits = search_conversations(session=session, user_id=user.id, query="lisbon")
    assert [h.conversation_id for h in hits] == [by_title.id, by_text.id]


def test_other_users_messages_are_never_found(session):
    alice, bob = make_user(session), make_user(session)
    _conversation(session, alice, "secret zebra plans", title="zebra")
    assert search_conversations(session=session, user_id=bob.id, query="zebra") == []


def test_query_syntax_is_not_interpreted(session):
    user = make_user(session)
    _conversation(session, user, 'quotes " and stars * and NEAR(a b) OR -x')
    for query in ['"', "*", "NEAR(", "a OR", "-x", "%", "_", "\\", "'; DROP TABLE messages; --"]:
        search_conversations(session=session, user_id=user.id, query=query)
    assert search_conversations(session=session, user_id=user.id, query="   ") == []
    hits = search_conversations(session=session, user_id=user.id, query="stars near")
    assert len(hits) == 1


def test_deleted_messages_leave_the_index(session):
    user = make_user(session)
    conversation = _conversation(session, user, "ephemeral kumquat")
    conversations.delete_conversation(
        session=session, user_id=user.id, conversation_id=conversation.id
    )
    session.commit()
    assert search_conversations(session=session, user_id=user.id, query="kumquat") == []


def test_every_version_of_an_edited_message_is_found(session):
    user = make_user(session)
    turn = post_message(session, user, "old wording")
    reply_progress.finish_reply(
        session=session, message_id=turn.reply.id, content="ok", status="complete"
    )
    branches.edit_user_message(
        session=session,
        user_id=user.id,
        message_id=turn.user_message.id,
        text="fresh wording",
        model_id="m",
        max_chars=100,
    )
    session.commit()
    # Earlier versions stay stored (and reachable with < n/m >), so they are found.
    assert len(search_conversations(session=session, user_id=user.id, query="old")) == 1
    assert len(search_conversations(session=session, user_id=user.id, query="fresh")) == 1
