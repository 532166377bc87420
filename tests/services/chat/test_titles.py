"""Conversation titles: the local Markdown-free title and the model's summary."""

import pytest

from nomask_app.services.chat import conversations, reply_progress, titles
from tests.factories import make_user, post_message


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("## Steps\n1. First", "Steps"),
        (
            "1. **Bold** item with [a link](https://x.example) and `code`",
            "Bold item with a link and code",
        ),
        ("> quoted _text_ about snake_case", "quoted text about snake_case"),
        ("\n\n- item\nsecond line", "item"),
        ("![cat](https://x.example/c.png) picture", "cat picture"),
        ("Hi\u202eevil", "Hievil"),
        ("***", "New chat"),
    ],
)
def test_the_local_title_is_the_first_line_without_markdown(text, title):
    assert conversations.auto_title(text) == title


def test_a_model_answer_is_cleaned_into_a_title():
    assert titles.clean_title('Title: "Planning a Trip."\nmore') == "Planning a Trip"
    assert titles.clean_title("**Tides** on planets") == "Tides on planets"
    assert titles.clean_title("  \n") == ""


def _first_exchange(session, text="How do tides work?"):
    user = make_user(session)
    turn = post_message(session, user, text)
    reply_progress.finish_reply(
        session=session, message_id=turn.reply.id, content="Echo: tides", status="complete"
    )
    session.flush()
    return user, turn


def test_a_title_is_due_after_the_first_complete_reply_only(session):
    user, turn = _first_exchange(session)
    request = titles.title_request(session=session, user_id=user.id, reply_id=turn.reply.id)
    assert request.conversation_id == turn.conversation.id
    assert request.messages[0]["content"] == titles.TITLE_PROMPT
    assert "How do tides work?" in request.messages[1]["content"]
    assert request.fallback == "How do tides work?"
    stranger = make_user(session)
    assert (
        titles.title_request(session=session, user_id=stranger.id, reply_id=turn.reply.id) is None
    )


def test_a_renamed_conversation_keeps_its_name(session):
    user, turn = _first_exchange(session)
    request = titles.title_request(session=session, user_id=user.id, reply_id=turn.reply.id)
    conversations.rename_conversation(
        session=session, user_id=user.id, conversation_id=turn.conversation.id, title="Mine"
    )
    assert titles.apply_title(session=session, user_id=user.id, request=request, title="X") is None
    assert turn.conversation.title == "Mine"
    assert titles.title_request(session=session, user_id=user.id, reply_id=turn.reply.id) is None


def test_the_generated_title_replaces_the_automatic_one(session):
    user, turn = _first_exchange(session)
    request = titles.title_request(session=session, user_id=user.id, reply_id=turn.reply.id)
    shown = titles.apply_title(session=session, user_id=user.id, request=request, title="Tides")
    assert shown == turn.conversation.title == "Tides"


async def test_the_model_that_answered_names_the_exchange(session, use_models, fake_provider):
    use_models(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    request = titles.TitleRequest(
        conversation_id="c",
        model_id="custom/fake-a",
        messages=[
            {"role": "system", "content": titles.TITLE_PROMPT},
            {"role": "user", "content": "User:\nHow do tides work\n\nAssistant:\nEcho"},
        ],
        current_title="How do tides work",
        fallback="How do tides work",
    )
    assert await titles.ask_for_title(request) == "Chat about How do tides work"
    sent = fake_provider.title_requests()[-1].body
    assert sent["max_tokens"] == titles.TITLE_MAX_TOKENS
    assert fake_provider.chat_requests() == []  # title requests are not replies

    failing = titles.TitleRequest(
        **{
            **request.__dict__,
            "messages": [request.messages[0], {"role": "user", "content": "User:\n[[notitle]]"}],
        }
    )
    assert await titles.ask_for_title(failing) == ""


async def test_the_offline_demo_is_not_asked(use_models):
    use_models()
    request = titles.TitleRequest("c", "offline-demo", [], "t", "t")
    assert await titles.ask_for_title(request) == ""
