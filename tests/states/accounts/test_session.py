"""A tab whose session ends elsewhere lands on the sign-in page, which says why."""

import pytest
from sqlmodel import delete

from nomask_app.models import UserSession
from nomask_app.services.accounts import sessions
from nomask_app.states.accounts.login import SESSION_ENDED, LoginState
from nomask_app.states.accounts.session import SessionEnded, SessionState, on_backend_error
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.model_choice import ModelChoiceState
from nomask_app.states.common.problem import PROBLEM, ProblemState
from tests.factories import make_user
from tests.states.harness import move_to, root_state, run, substate


def _redirect_target(event) -> str | None:
    """Where a `rx.redirect` event sends the tab (None for any other event)."""
    if event.handler.fn.__qualname__ != "_redirect":
        return None
    return dict((name._js_expr, value._var_value) for name, value in event.args)["path"]


def _tab(session):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    return person, root_state(token=token, path="/")


async def test_a_revoked_session_ends_the_tab_instead_of_leaving_it_blank(session, use_models):
    use_models()
    person, root = _tab(session)
    chat = substate(root, ChatState)
    await run(chat, ChatState.open_new)
    assert chat.signed_in
    # "Sign out" on this browser's row, from another browser.
    session.exec(delete(UserSession).where(UserSession.user_id == person.id))
    session.commit()
    with pytest.raises(SessionEnded) as ended:
        await run(substate(root, ModelChoiceState), ModelChoiceState.set_model, "offline-demo")
    assert not chat.signed_in and chat.user_email == ""  # nothing of the person remains
    # Whatever the handler was, the app answers by moving the tab to the sign-in page.
    assert _redirect_target(on_backend_error(ended.value)) == "/login?ended=1"
    # From a deeper page, the sign-in page leads back there.
    assert _redirect_target(on_backend_error(SessionEnded("/settings/"))) == (
        "/login?ended=1&next=/settings"
    )


async def test_the_sign_in_page_ends_the_tab_even_where_the_failed_event_was_not_saved(
    session, use_models
):
    use_models()
    person, root = _tab(session)
    chat = substate(root, ChatState)
    await run(chat, ChatState.open_new)
    session.exec(delete(UserSession).where(UserSession.user_id == person.id))
    session.commit()
    with pytest.raises(SessionEnded):
        await run(substate(root, ModelChoiceState), ModelChoiceState.set_model, "offline-demo")
    # Reflex's Redis state manager does not save a handler that raised: the tab
    # still remembers the person when it reaches the sign-in page.
    tab = substate(root, SessionState)
    tab._user_id, tab.signed_in = person.id, True
    move_to(root, "/login?ended=1")
    login = substate(root, LoginState)
    assert await run(login, LoginState.load) is None  # no redirect, so no loop
    assert tab._user_id == "" and not tab.signed_in
    assert login.notice == SESSION_ENDED  # said after the reset, which clears the page
    assert await run(tab, SessionState.redirect_if_signed_in) is None


async def test_a_tab_signed_out_on_purpose_is_not_told_its_session_ended(session, use_models):
    use_models()
    _, root = _tab(session)
    chat = substate(root, ChatState)
    await run(chat, ChatState.open_new)
    # Signing out deletes the cookie: the next page load carries none.
    root.router_data[("headers")]["cookie"] = ""
    root.router = root.router.__class__.from_router_data(root.router_data)
    assert await substate(root, SessionState).current_user() is None


async def test_the_sign_in_page_says_the_session_was_ended(session):
    root = root_state(path="/login?ended=1")
    login = substate(root, LoginState)
    await run(login, LoginState.load)
    assert login.notice == SESSION_ENDED


def test_other_errors_are_logged_and_shown_without_script(caplog):
    event = on_backend_error(ValueError("boom"))
    # Reflex's own toast is a string of JavaScript to evaluate, which the CSP refuses.
    assert event.handler.fn.__qualname__ == "ProblemState.show"
    assert "[Reflex Backend Exception]" in caplog.text and "boom" in caplog.text


async def test_the_problem_notice_is_shown_and_dismissed():
    problem = substate(root_state(), ProblemState)
    await run(problem, ProblemState.show)
    assert problem.problem == PROBLEM
    await run(problem, ProblemState.dismiss)
    assert problem.problem == ""
