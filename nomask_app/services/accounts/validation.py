"""Validation and normalization of what people type into account forms."""

from email_validator import EmailNotValidError, validate_email

from nomask_app.services.common.text import clean_text

NAME_MAX = 100
NAME_HINT = f"Up to {NAME_MAX} characters."
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 1024


def clean_name(raw: str) -> tuple[str, str | None]:
    """Normalise a display name (see `services.common.text`) and check it.

    Returns:
        The cleaned name and an error message, or None when it is valid.
    """
    return clean_text(raw, what="A name", max_len=NAME_MAX, empty_message="Enter your name.")


def normalize_email(raw: str) -> tuple[str, str | None]:
    """Validate an address and return it in the one form we store and compare.

    The address is lower-cased as a whole: mail providers treat the local
    part case-insensitively in practice, and two accounts that differ only by
    case would confuse people.

    Returns:
        The normalized address and an error message, or None when it is valid.
    """
    email = (raw or "").strip()
    if not email:
        return email, "Enter your email address."
    if len(email) > EMAIL_MAX:
        return email, f"Use at most {EMAIL_MAX} characters."
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email, "Enter a valid email address, like name@example.com."
    normalized = result.normalized.lower()
    if len(normalized) > EMAIL_MAX:
        return email, f"Use at most {EMAIL_MAX} characters."
    return normalized, None
