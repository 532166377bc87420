"""Loads that every page runs when it mounts send nothing the page already has.

A move between pages in one tab (from one conversation to another, to the
settings and back) mounts the header, the notices, the composer and the
sidebar again; each asks
the server again. The page keeps what it had, so only a change is sent
(issue 18, target 4). A reloaded page gets the whole state from Reflex anyway.
"""

from nomask_app.services.accounts import sessions
from nomask_app.states.accounts.chrome import ChromeState
from nomask_app.states.chat.attachments import AttachmentState
from nomask_app.states.chat.sidebar import SidebarState
from nomask_app.states.privacy.policy_notice import PolicyNoticeState
from tests.factories import make_user
from tests.states.harness import root_state, substate


async def _delta_of(root, state, handler, *args) -> dict:
    """Run `handler` as one event; what Reflex would send the page."""
    result = handler.fn(state, *args)
    if result is not None and hasattr(result, "__await__"):
        await result
    delta = await root._get_resolved_delta()
    root._clean()
    return delta


async def test_loads_on_mount_send_only_what_changed(session):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    root = root_state(token=token)
    loads = [
        (substate(root, ChromeState), ChromeState.load, ()),
        (substate(root, PolicyNoticeState), PolicyNoticeState.load, ()),
        (substate(root, AttachmentState), AttachmentState.load_limit, ()),
        (substate(root, SidebarState), SidebarState.set_time_zone, ("Europe/Paris",)),
    ]
    first = [await _delta_of(root, state, handler, *args) for state, handler, args in loads]
    # A new tab gets the values that differ from the defaults ...
    assert all(first[2:]), first
    # ... and the same page mounting again gets none.
    again = [await _delta_of(root, state, handler, *args) for state, handler, args in loads]
    assert again == [{}, {}, {}, {}]

    person.theme = "dark"
    session.add(person)
    session.commit()
    changed = await _delta_of(root, substate(root, ChromeState), ChromeState.load)
    assert [value["theme_rx_state_"] for value in changed.values()] == ["dark"]
