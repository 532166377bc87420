"""The composer's "Model" picker: its own state, which a message sent leaves alone."""

import asyncio

from nomask_app.services.accounts import sessions
from nomask_app.services.chat.generation import jobs
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.model_choice import ModelChoiceState
from tests.factories import make_user
from tests.states.harness import root_state, run, substate


def _tab(session, person=None):
    """A new tab of `person` (a new person by default) on `/`: (root, chat, picker)."""
    person = person or make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    root = root_state(token=token, path="/")
    return root, substate(root, ChatState), substate(root, ModelChoiceState)


async def test_a_chat_model_picked_is_where_the_next_visit_starts(
    session, use_models, fake_provider
):
    use_models(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a", "fake-b"]',
    )
    person = make_user(session)
    _root, chat, picker = _tab(session, person)
    await run(chat, ChatState.open_new)
    offered = [option.id for option in picker.models]
    assert len(offered) == 2 and picker.model_id == offered[0] and not picker.is_demo

    await run(picker, ModelChoiceState.set_model, offered[1])
    await run(picker, ModelChoiceState.set_model, "no-such-model")  # ignored
    assert picker.model_id == offered[1]

    _root, chat, picker = _tab(session, person)
    await run(chat, ChatState.open_new)
    assert picker.model_id == offered[1]


async def test_an_image_model_stays_picked_in_the_tab_and_a_message_asks_for_a_picture(
    session, use_models
):
    use_models()  # no keys: the offline demo models
    _root, chat, picker = _tab(session)
    await run(chat, ChatState.open_new)
    assert picker.is_demo and picker.image_models
    painter = picker.image_models[0].id
    await run(picker, ModelChoiceState.set_model, painter)
    assert picker.image_model_picked

    await run(chat, ChatState.open_new)  # "New chat"
    assert picker.model_id == painter
    asked = await run(chat, ChatState.send, {"composer": "a red fox"})
    assert asked.handler.fn is ChatState.draw.fn
    arguments = {name._js_expr: value._var_value for name, value in asked.args}
    assert arguments["text"] == "a red fox"
    assert arguments["model_id"] == painter.removeprefix("image:")  # the model's own id


async def test_a_message_sent_changes_the_conversation_and_not_the_picker(session, use_models):
    """What the page renders again for a send: ChatState's parts, not the picker's."""
    use_models()
    root, chat, _picker = _tab(session)
    await run(chat, ChatState.open_new)
    await ChatState.send.fn(chat, {"composer": "hello"})
    changed = root.get_delta()
    root._clean()
    assert ChatState.get_full_name() in changed
    assert ModelChoiceState.get_full_name() not in changed
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
