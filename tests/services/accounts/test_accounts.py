import pytest
from sqlmodel import func, select

from nomask_app.models import ConsentRecord, SecurityEvent, User
from nomask_app.services.accounts import accounts as accounts_service
from nomask_app.services.accounts import passwords
from nomask_app.services.accounts.accounts import authenticate, sign_up
from nomask_app.services.accounts.verification import (
    ACTIVATED,
    WRONG_PASSWORD,
    confirm_email_link,
    link_needs_password,
)
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import audit, emails
from nomask_app.services.privacy.policy import current_policy
from tests.factories import PASSWORD, make_user
from tests.mail import body, sent, token_in


def _signup(session, **overrides):
    fields = dict(
        name="Ada Lovelace",
        email="Ada@Example.com",
        password=PASSWORD,
        is_adult=True,
        accepts_policy=True,
        policy_version=current_policy(session=session).version,
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36",
    )
    fields.update(overrides)
    return sign_up(session=session, **fields)


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_sign_up_stores_normalized_email_and_no_plaintext_password(session):
    user = _signup(session)
    session.commit()
    stored = session.exec(select(User)).one()
    assert stored.id == user.id
    assert stored.email == "ada@example.com"
    assert stored.name == "Ada Lovelace"
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("$2b$")
    assert stored.age_confirmed_at is not None


def test_sign_up_records_policy_acceptance_with_version_and_time(session):
    user = _signup(session)
    session.commit()
    consents = session.exec(select(ConsentRecord).where(ConsentRecord.user_id == user.id)).all()
    by_subject = {c.subject: c for c in consents}
    assert by_subject["privacy_policy"].choice == "accepted"
    assert by_subject["privacy_policy"].policy_version == current_policy(session=session).version
    assert by_subject["privacy_policy"].created_at is not None
    assert by_subject["age_18"].choice == "confirmed"
    event = session.exec(select(SecurityEvent)).one()
    assert (event.kind, event.user_id, event.ip_address) == (
        "account.created",
        user.id,
        "203.0.113.7",
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"is_adult": False}, "is_adult"),
        ({"accepts_policy": False}, "accepts_policy"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"email": "nope"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "p" * 1025}, "password"),
        ({"password": "password123"}, "password"),
    ],
)
def test_bad_input_creates_nothing(session, overrides, field):
    with pytest.raises(FieldErrors) as caught:
        _signup(session, **overrides)
    assert field in caught.value.errors
    session.commit()
    assert _count(session, User) == 0
    assert _count(session, ConsentRecord) == 0


def test_every_bad_field_is_reported_at_once(session):
    with pytest.raises(FieldErrors) as caught:
        _signup(session, name="", email="x", password="1", is_adult=False, accepts_policy=False)
    assert set(caught.value.errors) == {"name", "email", "password", "is_adult", "accepts_policy"}


def _link(email):
    [message] = sent(emails.VERIFY_EMAIL, to=email)
    return message, token_in(message, "/verify-email")


def test_a_new_account_is_usable_only_through_its_emailed_link(session):
    user = _signup(session)
    session.commit()
    assert user.activated_at is None
    # Not before the link: as if there were no account at all.
    assert authenticate(session=session, email="ada@example.com", password=PASSWORD) is None
    message, token = _link("ada@example.com")
    assert message["Subject"] == "Finish creating your NoMask AI account"
    assert link_needs_password(session=session, token=token) is True
    # Whoever reads the mailbox finishes it, with the password chosen at sign-up.
    with pytest.raises(FieldErrors) as caught:
        confirm_email_link(session=session, token=token, password="not-the-password")
    assert caught.value.errors == {"password": WRONG_PASSWORD}
    session.rollback()
    assert confirm_email_link(session=session, token=token, password=PASSWORD) == (
        ACTIVATED,
        user.id,
    )
    session.commit()
    done = session.get(User, user.id)
    assert done.activated_at is not None and done.email_verified_at is not None
    assert authenticate(session=session, email="ada@example.com", password=PASSWORD).id == user.id


def test_sign_up_answers_the_same_for_a_taken_address_and_tells_its_owner(session):
    owner = make_user(session, name="Ada Owner", email="ada@example.com")
    consents = _count(session, ConsentRecord)
    for _ in range(2):
        assert _signup(session, email="  ADA@example.COM", password="another-pass-phrase-7") is None
        session.commit()
    assert _count(session, User) == 1
    assert _count(session, ConsentRecord) == consents
    assert len(sent(emails.VERIFY_EMAIL, to="ada@example.com")) == 1  # the owner's own, once
    # Its owner hears of it once an hour at most, and sees it in the privacy center.
    [notice] = sent(emails.ADDRESS_CLAIMED, to="ada@example.com")
    assert "Hi Ada Owner," in body(notice) and "/forgot-password" in body(notice)
    kinds = session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == owner.id)).all()
    assert kinds.count(audit.ADDRESS_CLAIMED) == 2
    # Nothing of the account changed.
    assert authenticate(session=session, email="ada@example.com", password=PASSWORD).id == owner.id
    assert session.get(User, owner.id).name == "Ada Owner"


def test_both_answers_cost_the_same_password_hashing(session, monkeypatch):
    make_user(session, email="taken@example.com")
    calls = []
    real = accounts_service.hash_password
    monkeypatch.setattr(accounts_service, "hash_password", lambda p: calls.append(1) or real(p))
    _signup(session, email="taken@example.com")
    _signup(session, email="free@example.com")
    assert calls == [1, 1]


def test_a_sign_up_never_finished_is_replaced_by_the_next_one(session):
    first = _signup(session, name="Someone Else", password="attacker-chose-this-1")
    session.commit()
    second = _signup(session, name="Ada Lovelace", password=PASSWORD)
    session.commit()
    assert second.id == first.id and _count(session, User) == 1
    assert session.get(User, first.id).name == "Ada Lovelace"
    _, token = _link("ada@example.com")
    # The password typed by the earlier sign-up no longer finishes it.
    with pytest.raises(FieldErrors):
        confirm_email_link(session=session, token=token, password="attacker-chose-this-1")
    session.rollback()
    assert confirm_email_link(session=session, token=token, password=PASSWORD)[0] == ACTIVATED


def test_a_racing_sign_up_with_the_same_address_answers_the_same(session, monkeypatch):
    _signup(session)
    session.commit()
    # Simulate a racing sign-up that passed the existence check.
    monkeypatch.setattr(
        "nomask_app.services.accounts.accounts.find_user_by_email", lambda **_: None
    )
    assert _signup(session) is None
    session.commit()
    assert _count(session, User) == 1


def test_hundred_character_non_ascii_password_signs_up_and_in(session):
    password = ("Ünïcødé-пароль-密码-" * 10)[:100]
    assert len(password) == 100 and len(password.encode()) > 72
    make_user(session, email="long@example.com", password=password)
    assert authenticate(session=session, email="long@example.com", password=password)
    assert not authenticate(session=session, email="long@example.com", password=password[:72])


def test_authenticate(session):
    user = make_user(session, email="bob@example.com")
    assert authenticate(session=session, email=" BOB@example.com", password=PASSWORD).id == user.id
    assert authenticate(session=session, email="bob@example.com", password="wrong-password") is None
    assert authenticate(session=session, email="nobody@example.com", password=PASSWORD) is None
    assert authenticate(session=session, email="not an email", password=PASSWORD) is None
    assert authenticate(session=session, email="bob@example.com", password="") is None


def test_unknown_email_costs_a_hash_verification_too(session, monkeypatch):
    make_user(session, email="carol@example.com")
    calls = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda *a: calls.append(1) or real(*a))
    authenticate(session=session, email="nobody@example.com", password="whatever-password")
    assert calls == [1]


def test_the_stand_in_hash_costs_as_much_as_a_real_one(session):
    # Same bcrypt cost => same verification time for unknown and known emails.
    user = make_user(session, email="dave@example.com")
    assert passwords._dummy_hash(4)[:7] == user.password_hash[:7] == "$2b$04$"
