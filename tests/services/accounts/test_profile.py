import pytest
from sqlmodel import select

from nomask_app.models import ConsentRecord, User, UserSession
from nomask_app.services.accounts import profile
from nomask_app.services.accounts.account_tokens import INVALID_LINK
from nomask_app.services.accounts.accounts import authenticate
from nomask_app.services.accounts.passwords import verify_password
from nomask_app.services.accounts.sessions import create_session
from nomask_app.services.accounts.verification import (
    ADDRESS_TAKEN,
    CHANGED,
    confirm_email_link,
    pending_email_change,
)
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import emails
from tests.factories import PASSWORD, make_user
from tests.mail import body, outbox, sent, token_in

NEW_PASSWORD = "copper-meadow-signal-77"


def test_change_name(session):
    user = make_user(session, name="Old Name")
    profile.change_name(session=session, user_id=user.id, name="  New   Name ")
    session.commit()
    assert session.get(User, user.id).name == "New Name"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 101])
def test_bad_names_change_nothing(session, bad):
    user = make_user(session, name="Kept")
    with pytest.raises(FieldErrors) as caught:
        profile.change_name(session=session, user_id=user.id, name=bad)
    assert "name" in caught.value.errors
    session.rollback()
    assert session.get(User, user.id).name == "Kept"


def test_unknown_user_is_not_found(session):
    with pytest.raises(NotFound):
        profile.change_name(session=session, user_id="nobody", name="x")


def _request_change(session, user, new_email, password=PASSWORD):
    result = profile.request_email_change(
        session=session, user_id=user.id, new_email=new_email, current_password=password
    )
    session.commit()
    return result


def test_email_change_waits_for_the_link_and_tells_the_old_address(session):
    user = make_user(session, email="old@example.com")
    assert _request_change(session, user, " New@Example.com ") == "new@example.com"

    session.expire_all()
    assert session.get(User, user.id).email == "old@example.com"
    assert pending_email_change(session=session, user_id=user.id) == "new@example.com"
    [notice] = sent(emails.EMAIL_CHANGE_REQUESTED, to="old@example.com")
    assert "n***@example.com" in body(notice)
    [confirm] = sent(emails.CONFIRM_NEW_EMAIL, to="new@example.com")
    token = token_in(confirm, "/verify-email")

    assert confirm_email_link(session=session, token=token) == (CHANGED, user.id)
    session.commit()
    changed = session.get(User, user.id)
    assert changed.email == "new@example.com"
    assert changed.email_verified_at is not None
    assert sent(emails.EMAIL_CHANGED, to="old@example.com")
    assert authenticate(session=session, email="new@example.com", password=PASSWORD)
    assert authenticate(session=session, email="old@example.com", password=PASSWORD) is None

    with pytest.raises(FieldErrors) as caught:
        confirm_email_link(session=session, token=token)
    assert caught.value.errors == {"token": INVALID_LINK}


@pytest.mark.parametrize(
    ("new_email", "password", "field", "message"),
    [
        ("me@example.com", PASSWORD, "email", "This is already your email address."),
        ("not-an-address", PASSWORD, "email", "Enter a valid email address"),
        ("fresh@example.com", "wrong-password", "current_password", profile.WRONG_PASSWORD),
        ("fresh@example.com", "", "current_password", "Enter your current password."),
    ],
)
def test_bad_email_changes_change_and_send_nothing(session, new_email, password, field, message):
    make_user(session, email="taken@example.com")
    user = make_user(session, email="me@example.com")
    before = len(outbox())
    with pytest.raises(FieldErrors) as caught:
        _request_change(session, user, new_email, password)
    assert caught.value.errors[field].startswith(message)
    session.rollback()
    assert pending_email_change(session=session, user_id=user.id) == ""
    assert len(outbox()) == before


def test_moving_to_a_taken_address_answers_the_same_and_tells_its_owner(session):
    owner = make_user(session, name="Owner", email="taken@example.com")
    user = make_user(session, email="me@example.com")
    # The same answer as for a free address: nothing says the address is registered.
    assert _request_change(session, user, "taken@example.com") == "taken@example.com"
    assert pending_email_change(session=session, user_id=user.id) == "taken@example.com"
    assert sent(emails.CONFIRM_NEW_EMAIL) == []  # no link that could move it
    [notice] = sent(emails.ADDRESS_CLAIMED, to="taken@example.com")
    assert "Hi Owner," in body(notice) and "Nothing changed." in body(notice)
    assert sent(emails.EMAIL_CHANGE_REQUESTED, to="me@example.com")
    session.expire_all()
    assert session.get(User, user.id).email == "me@example.com"
    assert session.get(User, owner.id).email == "taken@example.com"


def test_an_address_taken_before_the_link_is_used_changes_nothing(session):
    user = make_user(session, email="first@example.com")
    _request_change(session, user, "wanted@example.com")
    token = token_in(sent(emails.CONFIRM_NEW_EMAIL)[0], "/verify-email")
    make_user(session, email="wanted@example.com")
    with pytest.raises(FieldErrors) as caught:
        confirm_email_link(session=session, token=token)
    assert caught.value.errors == {"token": ADDRESS_TAKEN}
    session.rollback()
    assert session.get(User, user.id).email == "first@example.com"


def test_change_password_signs_out_other_sessions_and_alerts(session):
    user = make_user(session, email="pw@example.com")
    current, _ = create_session(session=session, user_id=user.id)
    create_session(session=session, user_id=user.id)
    create_session(session=session, user_id=user.id)
    other_user = make_user(session)
    create_session(session=session, user_id=other_user.id)
    session.commit()

    ended = profile.change_password(
        session=session,
        user_id=user.id,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        current_session_id=current.id,
        ip_address="198.51.100.9",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )
    session.commit()
    assert ended == 2
    remaining = session.exec(select(UserSession)).all()
    assert {row.id for row in remaining if row.user_id == user.id} == {current.id}
    assert len([row for row in remaining if row.user_id == other_user.id]) == 1
    assert verify_password(NEW_PASSWORD, session.get(User, user.id).password_hash)
    [alert] = sent(emails.PASSWORD_CHANGED, to="pw@example.com")
    assert "198.51.100.9" in body(alert)
    assert NEW_PASSWORD not in alert.as_string()


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong-password", NEW_PASSWORD, "current_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, "password123", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
        (PASSWORD, "pwchange@example.com", "new_password"),
    ],
)
def test_bad_password_changes_change_nothing(session, current, new, field):
    user = make_user(session, email="pwchange@example.com")
    create_session(session=session, user_id=user.id)
    session.commit()
    before = len(outbox())
    with pytest.raises(FieldErrors) as caught:
        profile.change_password(
            session=session, user_id=user.id, current_password=current, new_password=new
        )
    assert field in caught.value.errors
    session.rollback()
    assert verify_password(PASSWORD, session.get(User, user.id).password_hash)
    assert len(session.exec(select(UserSession)).all()) == 1
    assert len(outbox()) == before


def test_theme_is_stored_and_checked(session):
    user = make_user(session)
    assert user.theme == "system"
    profile.update_theme(session=session, user_id=user.id, theme="dark")
    session.commit()
    assert session.get(User, user.id).theme == "dark"
    with pytest.raises(FieldErrors):
        profile.update_theme(session=session, user_id=user.id, theme="neon")


def test_product_updates_are_opt_in_and_every_change_is_recorded(session):
    user = make_user(session)
    assert user.product_updates is False
    assert profile.set_product_updates(session=session, user_id=user.id, enabled=True)
    assert not profile.set_product_updates(session=session, user_id=user.id, enabled=True)
    profile.set_product_updates(session=session, user_id=user.id, enabled=False)
    session.commit()
    records = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.subject == profile.PRODUCT_EMAILS)
        .order_by(ConsentRecord.created_at)
    ).all()
    assert [r.choice for r in records] == ["opted_in", "opted_out"]
    assert all(r.user_id == user.id and r.policy_version for r in records)
