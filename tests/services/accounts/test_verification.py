from datetime import timedelta

import pytest
from sqlmodel import select

from nomask_app.models import AccountToken, User
from nomask_app.services.accounts.account_tokens import INVALID_LINK
from nomask_app.services.accounts.verification import (
    VERIFIED,
    confirm_email_link,
    link_needs_password,
    start_email_verification,
)
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import emails
from tests.factories import make_user
from tests.mail import body, sent, token_in


def test_an_older_account_confirms_its_address_with_the_link(session):
    # `make_user` accounts are usable with an unconfirmed address, as accounts made
    # before sign-up links existed are.
    user = make_user(session, name="Vera", email="vera@example.com")
    assert user.email_verified_at is None
    [message] = sent(emails.VERIFY_EMAIL, to="vera@example.com")
    assert "Hi Vera," in body(message)
    token = token_in(message, "/verify-email")
    assert link_needs_password(session=session, token=token) is False

    assert confirm_email_link(session=session, token=token) == (VERIFIED, user.id)
    session.commit()
    assert session.get(User, user.id).email_verified_at is not None

    with pytest.raises(FieldErrors) as caught:
        confirm_email_link(session=session, token=token)
    assert caught.value.errors == {"token": INVALID_LINK}


def _age_links(session, minutes=2):
    for row in session.exec(select(AccountToken)):
        row.created_at -= timedelta(minutes=minutes)
    session.commit()


def test_resending_replaces_the_link_and_verified_accounts_get_none(session):
    user = make_user(session, email="resend@example.com")
    first = token_in(sent(emails.VERIFY_EMAIL)[0], "/verify-email")
    assert not start_email_verification(session=session, user=user)  # within a minute
    _age_links(session)
    assert start_email_verification(session=session, user=user)
    session.commit()
    second = token_in(sent(emails.VERIFY_EMAIL)[1], "/verify-email")
    with pytest.raises(FieldErrors):
        confirm_email_link(session=session, token=first)
    confirm_email_link(session=session, token=second)
    session.commit()
    _age_links(session)
    assert not start_email_verification(session=session, user=session.get(User, user.id))
    session.commit()
    assert len(sent(emails.VERIFY_EMAIL)) == 2


def test_a_failed_sign_up_sends_nothing(session):
    with pytest.raises(FieldErrors):
        make_user(session, name="", email="refused@example.com")
    session.rollback()
    assert sent(emails.VERIFY_EMAIL) == []
