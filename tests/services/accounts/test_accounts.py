import pytest
from sqlmodel import func, select

from nomask_app.models import ConsentRecord, SecurityEvent, User
from nomask_app.services.accounts import passwords
from nomask_app.services.accounts.accounts import authenticate, sign_up
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.privacy.policy import current_policy
from tests.factories import PASSWORD, make_user


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


def test_duplicate_sign_up_creates_nothing(session):
    _signup(session)
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        _signup(session, email="  ADA@example.COM")
    assert "already exists" in caught.value.errors["email"]
    session.commit()
    assert _count(session, User) == 1
    assert _count(session, ConsentRecord) == 2


def test_unique_constraint_backs_the_duplicate_check(session, monkeypatch):
    _signup(session)
    session.commit()
    # Simulate a racing sign-up that passed the existence check.
    monkeypatch.setattr(
        "nomask_app.services.accounts.accounts.find_user_by_email", lambda **_: None
    )
    with pytest.raises(FieldErrors) as caught:
        _signup(session)
    assert "already exists" in caught.value.errors["email"]
    session.rollback()
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
