import pytest

from nomask_app.services.accounts.validation import clean_name, normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Alice@Example.COM ", "alice@example.com"),
        ("bob+tag@EXAMPLE.org", "bob+tag@example.org"),
    ],
)
def test_emails_are_normalized(raw, expected):
    assert normalize_email(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw", ["", "   ", "not-an-email", "a@", "@b.com", "a b@c.com", "x" * 250 + "@example.com"]
)
def test_bad_emails_get_a_message(raw):
    _, problem = normalize_email(raw)
    assert problem


def test_names_are_trimmed_and_limited():
    assert clean_name("  Ada   Lovelace ") == ("Ada Lovelace", None)
    assert clean_name("")[1] == "Enter your name."
    assert clean_name("x" * 101)[1] == "Use at most 100 characters (this has 101)."
    assert clean_name("x" * 100)[1] is None
