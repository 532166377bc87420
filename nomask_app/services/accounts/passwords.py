"""Password hashing with bcrypt (policy §6) and the rules for new passwords.

bcrypt only reads 72 bytes and bcrypt 5 raises beyond that, so every password
is first reduced to a fixed 44-byte string: base64 of HMAC-SHA256 keyed with a
server-side pepper. Long and non-ASCII passwords therefore work without
truncation, and a stolen database alone cannot be brute-forced.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

import bcrypt

from nomask_app.config import get_settings
from nomask_app.services.accounts.validation import PASSWORD_MAX, PASSWORD_MIN


def _prehash(password: str) -> bytes:
    pepper = get_settings().password_pepper.get_secret_value().encode()
    digest = hmac.new(pepper, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def hash_password(password: str) -> str:
    """Return the bcrypt hash (configured cost, at least 12 in production)."""
    salt = bcrypt.gensalt(rounds=get_settings().bcrypt_rounds)
    return bcrypt.hashpw(_prehash(password), salt).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Check `password` against a stored hash in constant time."""
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


@lru_cache
def _dummy_hash(rounds: int) -> str:
    return bcrypt.hashpw(b"no-such-account", bcrypt.gensalt(rounds=rounds)).decode()


def burn_verification_time(password: str) -> None:
    """Spend the time of one real verification, for accounts that do not exist.

    Sign-in then takes as long for an unknown email as for a wrong password,
    so timing does not reveal who has an account.
    """
    verify_password(password, _dummy_hash(get_settings().bcrypt_rounds))


@lru_cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from real breaches.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if not password:
        return "Enter a password."
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    lowered = password.lower()
    if lowered in _common_passwords():
        return "This password is too common. Choose one that is harder to guess."
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered in personal - {""}:
        return "Do not use your name or email address as your password."
    return None
