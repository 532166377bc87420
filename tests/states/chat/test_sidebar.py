"""The sidebar's list reaches the page as changes, not whole at every send (issue 18, target 4)."""

import asyncio
from datetime import timedelta

from reflex_base.utils.format import json_dumps

from nomask_app.models import Conversation
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import sessions
from nomask_app.services.chat.generation import jobs
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.sidebar import SidebarState
from tests.factories import make_user
from tests.states.common.test_changes import applied
from tests.states.harness import reload, root_state, run, substate


class Page:
    """The rows as the page keeps them, by the rules of sidebar_rows.js."""

    def __init__(self):
        self.seq, self.rows = -1, []

    def take(self, patch) -> bool:
        if patch.after not in (-1, self.seq):
            return False
        self.seq, self.rows = patch.seq, applied(self.rows, patch.parts)
        return True


def _account(session, conversations: int):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    now = utcnow()
    listed = [
        Conversation(user_id=person.id, title=f"Talk {n}", updated_at=now - timedelta(hours=n))
        for n in range(conversations)
    ]
    session.add_all(listed)
    session.commit()
    return token, listed


def _touch(session, conversation: Conversation, **changes) -> None:
    for name, value in {"updated_at": utcnow(), **changes}.items():
        setattr(conversation, name, value)
    session.add(conversation)
    session.commit()


def _entries(rows: list[dict]) -> list[str]:
    return [row["title"] for row in rows if "title" in row]


async def test_a_send_moves_one_entry_and_costs_the_same_with_a_long_list(session):
    sizes = []
    for count in (5, 40):
        token, listed = _account(session, count)
        sidebar = substate(root_state(token=token), SidebarState)
        page = Page()
        await run(sidebar, SidebarState.open)
        assert sidebar.rows.after == -1 and page.take(sidebar.rows)
        assert _entries(page.rows)[:3] == ["Talk 0", "Talk 1", "Talk 2"]
        assert page.rows[0] == {"h": "Today"}

        _touch(session, listed[3])  # a message sent there
        await run(sidebar, SidebarState.load)
        assert sidebar.rows.after == sidebar.rows.seq - 1 and page.take(sidebar.rows)
        assert _entries(page.rows)[:2] == ["Talk 3", "Talk 0"]
        assert len(_entries(page.rows)) == count
        sizes.append(len(json_dumps(sidebar.rows)))

        _touch(session, listed[3], title="Renamed")  # its title, once the reply is in
        await run(sidebar, SidebarState.load)
        assert page.take(sidebar.rows) and _entries(page.rows)[0] == "Renamed"
        assert len(json_dumps(sidebar.rows)) < 150

        seq = sidebar.rows.seq
        await run(sidebar, SidebarState.load)  # nothing changed: nothing to send
        assert sidebar.rows.seq == seq
    # The same runs and one entry; only the runs' numbers have more digits.
    assert abs(sizes[0] - sizes[1]) <= 4 and max(sizes) < 150


async def test_a_reloaded_page_gets_every_row(session):
    token, listed = _account(session, 3)
    root = root_state(token=token)
    sidebar = substate(root, SidebarState)
    await run(sidebar, SidebarState.load)
    reload(root, "/")
    fresh = Page()
    # Reflex hands the reloaded page the last change, which it cannot apply ...
    _touch(session, listed[2])
    assert not fresh.take(sidebar.rows) or sidebar.rows.after == -1
    # ... and the page's load brings all rows, even when none changed.
    await run(sidebar, SidebarState.load)
    assert sidebar.rows.after == -1 and fresh.take(sidebar.rows)
    assert _entries(fresh.rows) == ["Talk 2", "Talk 0", "Talk 1"]


async def _opened(session, conversations: int):
    """An account's conversations, its tab's SidebarState and a page that opened the list."""
    token, listed = _account(session, conversations)
    sidebar = substate(root_state(token=token), SidebarState)
    page = Page()
    await run(sidebar, SidebarState.open)
    assert page.take(sidebar.rows)
    return listed, sidebar, page


async def test_two_changes_in_one_event_reach_the_page_as_one(session):
    listed, sidebar, page = await _opened(session, 3)
    _touch(session, listed[1])
    await SidebarState.load.fn(sidebar)  # no _clean between: one event
    _touch(session, listed[2])
    await SidebarState.load.fn(sidebar)
    sidebar._get_root_state()._clean()
    assert page.take(sidebar.rows)
    assert _entries(page.rows) == ["Talk 2", "Talk 1", "Talk 0"]


async def test_a_page_that_opens_gets_every_row_and_one_that_missed_a_change_is_mended(session):
    listed, sidebar, page = await _opened(session, 3)
    _touch(session, listed[2])
    await run(sidebar, SidebarState.load)  # a change this page never gets
    _touch(session, listed[1])
    await run(sidebar, SidebarState.load)
    assert not page.take(sidebar.rows)  # it cannot apply the next one ...
    assert _entries(page.rows) == ["Talk 0", "Talk 1", "Talk 2"]
    await run(sidebar, SidebarState.open)  # ... until it opens another chat page
    assert sidebar.rows.after == -1 and page.take(sidebar.rows)
    assert _entries(page.rows) == ["Talk 1", "Talk 2", "Talk 0"]


async def test_a_send_moves_its_conversation_in_the_send_s_own_update(session, use_models):
    use_models()
    token, listed = _account(session, 3)
    root = root_state(token=token, path=f"/chat/{listed[2].id}")
    chat, sidebar = substate(root, ChatState), substate(root, SidebarState)
    page = Page()
    await run(chat, ChatState.open_conversation)
    await run(sidebar, SidebarState.open)
    page.take(sidebar.rows)

    events = await run(chat, ChatState.send, {"composer": "a question"})
    # Not a SidebarState event after it: the page renders the send once.
    assert SidebarState.load not in events
    assert page.take(sidebar.rows)
    assert _entries(page.rows) == ["Talk 2", "Talk 0", "Talk 1"]
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
