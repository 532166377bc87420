"""State names on the wire: a signed-in page's states are named after their classes.

Every event a page sends names its handler's state and all the state's
parents, and every update names each state it changes; with Reflex's default
names (module path and class) that was about 90 bytes per message for the
chat state alone.
"""

import asyncio

from reflex.state import State
from reflex.utils import format

from nomask_app.services.accounts import sessions
from nomask_app.services.chat.generation import jobs
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.sidebar import SidebarState
from tests.factories import make_user
from tests.states.harness import root_state, run, substate

ROOT = State.get_name()


def test_a_send_and_its_update_name_the_states_by_class():
    assert format.format_event_handler(ChatState.send) == f"{ROOT}.session_state.chat_state.send"
    assert ChatState.conversation_id._js_expr.startswith(f"{ROOT}__session_state__chat_state.")


def test_every_state_under_the_session_is_named_after_its_class():
    seen = []
    waiting = list(SessionState.get_substates())
    while waiting:
        state = waiting.pop()
        assert state.get_name() == format.to_snake_case(state.__name__)
        seen.append(state.get_full_name())
        waiting.extend(state.get_substates())
    assert SidebarState.get_full_name() == f"{ROOT}.session_state.sidebar_state"
    assert SidebarState.get_full_name() in seen
    assert len(seen) == len(set(seen)) > 10


async def test_an_update_after_a_send_names_only_short_states(session, use_models):
    use_models()
    _, token = sessions.create_session(session=session, user_id=make_user(session).id)
    session.commit()
    root = root_state(token=token, path="/")
    chat = substate(root, ChatState)
    await run(chat, ChatState.open_new)
    await ChatState.send.fn(chat, {"composer": "hello"})
    changed = root.get_delta()
    root._clean()
    assert set(changed) == {
        f"{ROOT}.session_state.chat_state",
        f"{ROOT}.session_state.sidebar_state",
    }
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
