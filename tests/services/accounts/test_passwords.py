import pytest

from nomask_app.config import Settings
from nomask_app.services.accounts import passwords
from nomask_app.services.accounts.passwords import hash_password, password_problem, verify_password


def test_default_cost_is_at_least_12():
    assert Settings(_env_file=None, bcrypt_rounds=12).bcrypt_rounds >= 12
    assert Settings.model_fields["bcrypt_rounds"].default >= 12


def test_hash_is_bcrypt_with_configured_cost_and_never_the_password():
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$2b$04$")
    assert "correct horse" not in hashed
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("correct horse batterY", hashed)


@pytest.mark.parametrize(
    "password",
    [
        "€" * 100,  # 300 bytes: bcrypt alone would raise beyond 72 bytes
        "ü" * 64,
        "a" * 1024,
        "pässwörd mit Ümlauten und 日本語のパスワード",
    ],
)
def test_long_and_non_ascii_passwords_are_not_truncated(password):
    hashed = hash_password(password)
    assert verify_password(password, hashed)
    # A password sharing the first 72 bytes must not verify (no truncation).
    assert not verify_password(password[:-1] + "x", hashed)


def test_pepper_is_part_of_the_hash(monkeypatch):
    hashed = hash_password("a long enough secret")
    monkeypatch.setattr(
        passwords, "_prehash", lambda pw: b"not-the-peppered-value-of-" + pw.encode()
    )
    assert not verify_password("a long enough secret", hashed)


def test_garbage_hash_does_not_raise():
    assert not verify_password("whatever123", "not-a-bcrypt-hash")


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("", "Enter a password."),
        ("short1!", "Use at least 8 characters."),
        ("x" * 1025, "Use at most 1024 characters."),
        ("password", "too common"),
        ("Password1", "too common"),
        ("qwertyuiop", "too common"),
        ("alice.smith", "name or email"),
    ],
)
def test_weak_passwords_are_refused(password, expected):
    problem = password_problem(password, email="alice.smith@example.com", name="Alice")
    assert problem is not None and expected in problem


def test_reasonable_password_is_accepted():
    assert password_problem("violet-harbor-lantern-42", email="a@b.co") is None
