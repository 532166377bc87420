"""The sign-up page says "check your email" to everyone; the link's page finishes and signs in."""

from sqlmodel import select

from nomask_app.models import User
from nomask_app.services.operations import emails
from nomask_app.states.accounts.email_links import VerifyEmailState
from nomask_app.states.accounts.handoff import HandoffState
from nomask_app.states.accounts.signup import SignupState
from nomask_app.states.privacy.policy import PolicyState
from tests.factories import PASSWORD, make_user
from tests.mail import sent, token_in
from tests.states.harness import root_state, run, substate


async def _sign_up(email: str, password: str = PASSWORD):
    root = root_state(path="/signup")
    await run(substate(root, PolicyState), PolicyState.load)
    signup = substate(root, SignupState)
    form = {
        "name": "Page Person",
        "email": email,
        "password": password,
        "is_adult": "on",
        "accepts_policy": "on",
    }
    await run(signup, SignupState.submit, form)
    return signup, substate(root, HandoffState)


async def test_a_free_and_a_taken_address_get_the_same_page(session):
    make_user(session, email="taken@example.com")
    free, free_handoff = await _sign_up("free@example.com")
    taken, taken_handoff = await _sign_up("taken@example.com", password="another-pass-phrase-7")
    for page, handoff, email in ((free, free_handoff, "free"), (taken, taken_handoff, "taken")):
        assert (page.errors, page.sent_to) == ({}, f"{email}@example.com")
        assert handoff.ticket == ""  # nobody is signed in by the form
    assert sent(emails.VERIFY_EMAIL, to="free@example.com")
    assert sent(emails.ADDRESS_CLAIMED, to="taken@example.com")


async def test_the_link_page_asks_for_the_password_then_signs_in(session):
    await _sign_up("linked@example.com")
    token = token_in(sent(emails.VERIFY_EMAIL, to="linked@example.com")[0], "/verify-email")
    root = root_state(path=f"/verify-email?token={token}")
    page = substate(root, VerifyEmailState)
    await run(page, VerifyEmailState.load)
    assert page.needs_password and page.error == ""
    await run(page, VerifyEmailState.confirm, {"password": "not-the-password"})
    assert page.password_error == "That is not the password you chose at sign-up."
    assert substate(root, HandoffState).ticket == ""
    await run(page, VerifyEmailState.confirm, {"password": PASSWORD})
    assert (page.error, page.password_error) == ("", "")
    assert page.result == "Your account is ready. Signing you in…"
    assert substate(root, HandoffState).ticket != ""
    user = session.exec(select(User).where(User.email == "linked@example.com")).one()
    session.refresh(user)
    assert user.activated_at is not None
