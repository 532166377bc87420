"""The admin console's state: paging through accounts, re-checking the admin on every event."""

from nomask_app.services.accounts import sessions
from nomask_app.services.operations import admin
from nomask_app.states.operations.admin import AdminState
from tests.factories import make_user
from tests.states.harness import root_state, run, substate


def _console(session, user):
    _, token = sessions.create_session(session=session, user_id=user.id)
    session.commit()
    return substate(root_state(token=token, path="/admin"), AdminState)


async def test_next_and_previous_page_walk_the_accounts(session, monkeypatch):
    monkeypatch.setattr(admin, "USERS_PAGE", 2)
    boss = make_user(session, email="boss@example.com")
    admin.set_role(session=session, email=boss.email, role="admin")
    for number in range(4):  # five accounts with the admin: pages of 2, 2 and 1
        make_user(session, email=f"p{number}@example.com")
    console = _console(session, boss)
    await run(console, AdminState.load)
    first = [row["email"] for row in console.accounts]
    assert (console.page, console.has_more, console.range_label) == (0, True, "Accounts 1–2")
    await run(console, AdminState.next_page)
    await run(console, AdminState.next_page)
    assert (console.page, console.has_more, console.range_label) == (2, False, "Accounts 5–5")
    await run(console, AdminState.next_page)  # past the end: nothing happens
    assert console.page == 2
    await run(console, AdminState.previous_page)
    await run(console, AdminState.previous_page)
    await run(console, AdminState.previous_page)  # before the start: nothing happens
    assert console.page == 0 and [row["email"] for row in console.accounts] == first


async def test_a_non_admin_pages_nothing(session):
    person = make_user(session)
    console = _console(session, person)
    await run(console, AdminState.next_page)
    assert (console.allowed, console.accounts, console.page) == (False, [], 0)
