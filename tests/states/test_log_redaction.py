"""Known secrets go through every flow; no log line, plain or JSON, contains any of them."""

import asyncio
import io
import logging

import pytest
from starlette.testclient import TestClient

from nomask_app.api import create_api
from nomask_app.logs import JsonFormatter, redact
from nomask_app.middleware import SecurityMiddleware
from nomask_app.services.accounts import password_reset
from nomask_app.services.accounts.sessions import SESSION_COOKIE
from nomask_app.services.chat.generation import jobs
from nomask_app.states.accounts.email_links import VerifyEmailState
from nomask_app.states.accounts.login import LoginState
from nomask_app.states.accounts.settings import SettingsState
from nomask_app.states.accounts.signup import SignupState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.privacy.policy import PolicyState
from tests.mail import sent, token_in
from tests.states.harness import root_state, run, substate

PASSWORD = "Secret-Password-Alpha-7781"
NEW_PASSWORD = "Secret-Password-Bravo-9923"
RESET_PASSWORD = "Secret-Password-Charlie-4410"
MESSAGE_SECRET = "the launch code is ZULU-4471-QUEBEC"
EMAIL = "redaction.test@example.com"


@pytest.fixture
def captured():
    """Every record at any level, as the JSON lines the app writes to its log."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    levels = (root.level, logging.getLogger("nomask_app").level)
    root.setLevel(logging.DEBUG)
    logging.getLogger("nomask_app").setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield stream.getvalue
    root.removeHandler(handler)
    root.setLevel(levels[0])
    logging.getLogger("nomask_app").setLevel(levels[1])


async def test_no_flow_logs_a_secret(session, engine, use_models, captured):
    use_models()
    # Sign up through the page's handler.
    root = root_state(path="/signup")
    signup = substate(root, SignupState)
    await run(substate(root, PolicyState), PolicyState.load)
    await run(
        signup,
        SignupState.submit,
        {
            "name": "Redaction Tester",
            "email": EMAIL,
            "password": PASSWORD,
            "is_adult": "on",
            "accepts_policy": "on",
        },
    )
    assert signup.errors == {}
    # Finish it through the emailed link, with the password.
    link_token = token_in(sent("verify-email", to=EMAIL)[-1], "/verify-email")
    verify_root = root_state(path=f"/verify-email?token={link_token}")
    verify = substate(verify_root, VerifyEmailState)
    await run(verify, VerifyEmailState.load)
    await run(verify, VerifyEmailState.confirm, {"password": PASSWORD})
    assert verify.needs_password and (verify.error, verify.password_error) == ("", "")
    # Sign in: a wrong password, then the right one, through the page and the API.
    login = substate(root_state(path="/login"), LoginState)
    await run(login, LoginState.submit, {"email": EMAIL, "password": "Wrong-" + PASSWORD})
    await run(login, LoginState.submit, {"email": EMAIL, "password": PASSWORD})
    client = TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:3000")
    response = client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    token = response.cookies[SESSION_COOKIE]
    # Chat: a message holding a secret, answered by a reply job.
    chat = substate(root_state(token=token, path="/"), ChatState)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"composer": MESSAGE_SECRET})
    job = jobs.get(chat.streaming_id)
    await asyncio.wait_for(job.task, 30)
    # Settings: a new name and a new password.
    settings_root = root_state(token=token, path="/settings")
    settings = substate(settings_root, SettingsState)
    await run(settings, SettingsState.save_name, {"name": "Renamed Tester"})
    await run(
        settings,
        SettingsState.change_password,
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert settings.password_errors == {}
    # Password reset by email link.
    password_reset.request_password_reset(session=session, email=EMAIL)
    session.commit()
    reset_token = token_in(sent("password-reset", to=EMAIL)[-1], "/reset-password")
    password_reset.reset_password(session=session, token=reset_token, new_password=RESET_PASSWORD)
    session.commit()
    # A page load with the link's token in the URL: the access log keeps the path only.
    client.get(f"/reset-password?token={reset_token}")

    logged = captured()
    assert "request" in logged  # the access log was captured at all
    secrets = (
        PASSWORD,
        NEW_PASSWORD,
        RESET_PASSWORD,
        MESSAGE_SECRET,
        token,
        reset_token,
        link_token,
    )
    for secret in secrets:
        assert secret not in logged
    assert "ZULU" not in logged


def test_redaction_masks_what_might_slip_through():
    line = redact(
        "GET /reset-password?token=abc123 Authorization: Bearer eyJhbGciOi.xyz "
        'key sk-proj-1234567890abcdef {"password": "hunter22"} nomask_session=tok'
    )
    for leaked in ("abc123", "eyJhbGciOi", "sk-proj-1234567890abcdef", "hunter22", "=tok"):
        assert leaked not in line
