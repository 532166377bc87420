from datetime import timedelta

import pytest
from sqlmodel import select

from nomask_app.models import AccountToken
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import account_tokens
from nomask_app.services.accounts.account_tokens import (
    EXPIRED_LINK,
    INVALID_LINK,
    RESET_PASSWORD,
    VERIFY_EMAIL,
)
from nomask_app.services.accounts.sessions import hash_token
from nomask_app.services.common.errors import FieldErrors
from tests.factories import make_user


def _issue(session, user, purpose=RESET_PASSWORD):
    raw = account_tokens.issue_token(
        session=session, user_id=user.id, purpose=purpose, email=user.email
    )
    session.commit()
    return raw


def test_only_the_hash_is_stored_and_reset_links_live_one_hour(session):
    user = make_user(session)
    raw = _issue(session, user)
    row = session.exec(select(AccountToken).where(AccountToken.purpose == RESET_PASSWORD)).one()
    assert row.token_hash == hash_token(raw) != raw
    assert raw not in row.model_dump_json()
    assert row.expires_at - row.created_at == timedelta(hours=1)


def test_a_link_works_once(session):
    user = make_user(session)
    raw = _issue(session, user)
    assert account_tokens.consume_token(session=session, raw=raw, purposes=(RESET_PASSWORD,))
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        account_tokens.consume_token(session=session, raw=raw, purposes=(RESET_PASSWORD,))
    assert caught.value.errors == {"token": INVALID_LINK}


@pytest.mark.parametrize("forged", ["", None, "forged", "x" * 500, "é✓"])
def test_forged_links_are_refused(session, forged):
    make_user(session)
    with pytest.raises(FieldErrors) as caught:
        account_tokens.find_token(session=session, raw=forged, purposes=(RESET_PASSWORD,))
    assert caught.value.errors == {"token": INVALID_LINK}


def test_expired_links_are_refused_with_their_own_message(session):
    user = make_user(session)
    raw = _issue(session, user)
    row = session.exec(select(AccountToken).where(AccountToken.purpose == RESET_PASSWORD)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        account_tokens.consume_token(session=session, raw=raw, purposes=(RESET_PASSWORD,))
    assert caught.value.errors == {"token": EXPIRED_LINK}


def test_a_token_only_works_for_its_purpose_and_a_new_one_replaces_the_old(session):
    user = make_user(session)
    first = _issue(session, user)
    with pytest.raises(FieldErrors):
        account_tokens.find_token(session=session, raw=first, purposes=(VERIFY_EMAIL,))
    second = _issue(session, user)
    with pytest.raises(FieldErrors):
        account_tokens.find_token(session=session, raw=first, purposes=(RESET_PASSWORD,))
    assert account_tokens.find_token(session=session, raw=second, purposes=(RESET_PASSWORD,))
