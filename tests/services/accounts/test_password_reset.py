from datetime import timedelta

import pytest
from sqlmodel import select

from nomask_app.models import AccountToken, User, UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.account_tokens import EXPIRED_LINK, INVALID_LINK, RESET_PASSWORD
from nomask_app.services.accounts.accounts import authenticate
from nomask_app.services.accounts.password_reset import (
    check_reset_token,
    request_password_reset,
    reset_password,
)
from nomask_app.services.accounts.passwords import verify_password
from nomask_app.services.accounts.sessions import create_session, hash_token
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import emails
from tests.factories import PASSWORD, make_user, start_sign_up
from tests.mail import outbox, sent, token_in

NEW_PASSWORD = "amber-lighthouse-quiet-31"


def _request(session, email):
    request_password_reset(session=session, email=email)
    session.commit()


def _reset_token(session, email):
    _request(session, email)
    return token_in(sent(emails.PASSWORD_RESET, to=email)[-1], "/reset-password")


def test_unknown_addresses_get_the_same_silent_answer(session):
    make_user(session, email="known@example.com")
    before = len(outbox())
    assert request_password_reset(session=session, email="Unknown@Example.com") is None
    session.commit()
    assert len(outbox()) == before
    assert (
        session.exec(select(AccountToken).where(AccountToken.purpose == RESET_PASSWORD)).all() == []
    )


def test_not_an_address_is_the_only_error(session):
    with pytest.raises(FieldErrors) as caught:
        request_password_reset(session=session, email="nope")
    assert "email" in caught.value.errors


def test_reset_link_is_single_use_hashed_and_signs_out_every_session(session):
    user = make_user(session, email="reset@example.com")
    create_session(session=session, user_id=user.id)
    create_session(session=session, user_id=user.id)
    session.commit()
    token = _reset_token(session, "reset@example.com")
    stored = session.exec(select(AccountToken).where(AccountToken.purpose == RESET_PASSWORD)).one()
    assert stored.token_hash == hash_token(token)
    assert stored.expires_at - stored.created_at == timedelta(hours=1)

    check_reset_token(session=session, token=token)
    reset_password(session=session, token=token, new_password=NEW_PASSWORD)
    session.commit()
    changed = session.get(User, user.id)
    assert verify_password(NEW_PASSWORD, changed.password_hash)
    assert changed.email_verified_at is not None
    assert session.exec(select(UserSession)).all() == []
    assert sent(emails.PASSWORD_CHANGED, to="reset@example.com")

    with pytest.raises(FieldErrors) as caught:
        reset_password(session=session, token=token, new_password="another-pass-phrase-9")
    assert caught.value.errors == {"token": INVALID_LINK}


def test_expired_link_changes_nothing(session):
    user = make_user(session, email="late@example.com")
    token = _reset_token(session, "late@example.com")
    stored = session.exec(select(AccountToken).where(AccountToken.purpose == RESET_PASSWORD)).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        reset_password(session=session, token=token, new_password=NEW_PASSWORD)
    assert caught.value.errors == {"token": EXPIRED_LINK}
    session.rollback()
    assert verify_password(PASSWORD, session.get(User, user.id).password_hash)


def test_a_weak_password_keeps_the_link_usable(session):
    make_user(session, email="weak@example.com")
    token = _reset_token(session, "weak@example.com")
    with pytest.raises(FieldErrors) as caught:
        reset_password(session=session, token=token, new_password="password123")
    assert "new_password" in caught.value.errors
    session.rollback()
    reset_password(session=session, token=token, new_password=NEW_PASSWORD)


def test_requests_are_throttled_and_a_new_link_replaces_the_old(session):
    make_user(session, email="twice@example.com")
    first = _reset_token(session, "twice@example.com")
    _request(session, "twice@example.com")
    assert len(sent(emails.PASSWORD_RESET)) == 1  # a minute has not passed
    stored = session.exec(select(AccountToken).where(AccountToken.purpose == RESET_PASSWORD)).one()
    stored.created_at = utcnow() - timedelta(minutes=2)
    session.commit()
    second = _reset_token(session, "twice@example.com")
    assert second != first
    with pytest.raises(FieldErrors):
        check_reset_token(session=session, token=first)


def test_a_link_to_an_address_no_longer_on_the_account_is_refused(session):
    user = make_user(session, email="moved@example.com")
    token = _reset_token(session, "moved@example.com")
    user.email = "elsewhere@example.com"
    session.add(user)
    session.commit()
    with pytest.raises(FieldErrors):
        reset_password(session=session, token=token, new_password=NEW_PASSWORD)


def test_a_reset_link_finishes_a_sign_up_whose_link_was_never_used(session):
    user = start_sign_up(session, name="Forgetful", email="forgetful@example.com")
    assert authenticate(session=session, email="forgetful@example.com", password=PASSWORD) is None
    token = _reset_token(session, "forgetful@example.com")
    reset_password(session=session, token=token, new_password=NEW_PASSWORD)
    session.commit()
    assert session.get(User, user.id).activated_at is not None
    assert authenticate(session=session, email="forgetful@example.com", password=NEW_PASSWORD)
