"""Whole email flows, each message travelling through a real SMTP server."""

from sqlmodel import select

from nomask_app.db import session_scope
from nomask_app.models import User, UserSession
from nomask_app.services.accounts import profile
from nomask_app.services.accounts.password_reset import request_password_reset, reset_password
from nomask_app.services.accounts.sessions import create_session
from nomask_app.services.accounts.verification import confirm_email_link
from nomask_app.services.operations import emails
from tests.factories import make_user
from tests.mail import body, token_in


def _by_kind(received):
    # Deliveries run concurrently: their order of arrival is not fixed.
    return {item.message[emails.KIND_HEADER]: item for item in received}


def test_sign_up_verification_over_smtp(engine, smtp_server):
    with session_scope() as session:
        user = make_user(session, email="smtp-signup@example.com")
    [received] = smtp_server.recorder.wait_for(1)
    assert received.recipients == ["smtp-signup@example.com"]
    token = token_in(received.message, "/verify-email")
    with session_scope() as session:
        confirm_email_link(session=session, token=token)
    with session_scope() as session:
        assert session.get(User, user.id).email_verified_at is not None


def test_password_reset_over_smtp_signs_out_everywhere(engine, smtp_server):
    with session_scope() as session:
        user = make_user(session, email="smtp-reset@example.com")
        create_session(session=session, user_id=user.id)
    with session_scope() as session:
        request_password_reset(session=session, email="smtp-reset@example.com")
        request_password_reset(session=session, email="nobody@example.com")
    received = _by_kind(smtp_server.recorder.wait_for(2))
    assert set(received) == {emails.VERIFY_EMAIL, emails.PASSWORD_RESET}
    assert received[emails.PASSWORD_RESET].recipients == ["smtp-reset@example.com"]
    token = token_in(received[emails.PASSWORD_RESET].message, "/reset-password")
    with session_scope() as session:
        reset_password(session=session, token=token, new_password="tidal-orchard-pencil-58")
    received = _by_kind(smtp_server.recorder.wait_for(3))
    assert received[emails.PASSWORD_CHANGED].recipients == ["smtp-reset@example.com"]
    with session_scope() as session:
        assert session.exec(select(UserSession)).all() == []


def test_email_change_over_smtp_reaches_both_addresses(engine, smtp_server):
    with session_scope() as session:
        user = make_user(session, email="smtp-old@example.com")
    with session_scope() as session:
        profile.request_email_change(
            session=session,
            user_id=user.id,
            new_email="smtp-new@example.com",
            current_password="violet-harbor-lantern-42",
        )
    by_kind = _by_kind(smtp_server.recorder.wait_for(3))
    assert by_kind[emails.CONFIRM_NEW_EMAIL].recipients == ["smtp-new@example.com"]
    assert by_kind[emails.EMAIL_CHANGE_REQUESTED].recipients == ["smtp-old@example.com"]
    with session_scope() as session:
        assert session.get(User, user.id).email == "smtp-old@example.com"
        confirm_email_link(
            session=session,
            token=token_in(by_kind[emails.CONFIRM_NEW_EMAIL].message, "/verify-email"),
        )
    changed = _by_kind(smtp_server.recorder.wait_for(4))[emails.EMAIL_CHANGED]
    assert changed.recipients == ["smtp-old@example.com"]
    assert "s***@example.com" in body(changed.message)
    with session_scope() as session:
        assert session.get(User, user.id).email == "smtp-new@example.com"
