"""Cookie consent (policy §7): what we store in the browser, and who agreed to what.

Essential storage needs no consent; preference storage (the theme before
sign-in) is written only after "Accept all" or the preference switch. Each
decision is recorded with its time and policy version. Visitors who are not
signed in are known only by a random consent id kept in the consent cookie.
"""

import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from nomask_app.config import get_settings
from nomask_app.models import ConsentRecord
from nomask_app.services.accounts.sessions import SESSION_COOKIE
from nomask_app.services.privacy.policy import current_policy

CONSENT_COOKIE = "nomask_consent"
CONSENT_COOKIE_DAYS = 180
COOKIES = "cookies"
ALL = "all"
ESSENTIAL = "essential"
CHOICES = (ALL, ESSENTIAL)
_COOKIE_VALUE = re.compile(r"^([0-9a-f]{32})\.(all|essential)$")


@dataclass(frozen=True)
class StorageItem:
    """One thing the app keeps in the browser, as listed on the cookie page."""

    name: str
    kind: str
    purpose: str
    lifetime: str


def essential_storage() -> list[StorageItem]:
    """Cookies and storage the app cannot work without (no consent needed)."""
    days = get_settings().session_lifetime_days
    return [
        StorageItem(
            SESSION_COOKIE,
            "Cookie (HttpOnly)",
            "Keeps you signed in. Scripts cannot read it; it holds a random key, "
            "not your password.",
            f"Until you sign out, at most {days} days",
        ),
        StorageItem(
            CONSENT_COOKIE,
            "Cookie",
            "Remembers your cookie choice and links it to our record of that choice.",
            f"{CONSENT_COOKIE_DAYS} days",
        ),
        StorageItem(
            "token",
            "Session storage",
            "Connects this browser tab to our server while the page is open.",
            "Until you close the tab",
        ),
    ]


def preference_storage() -> list[StorageItem]:
    """Storage written only with consent to preference cookies."""
    return [
        StorageItem(
            "theme",
            "Local storage",
            "Remembers light or dark mode on this device, also before you sign in.",
            "Until you withdraw consent or clear your browser data",
        )
    ]


def parse_cookie(value: str | None) -> tuple[str, str] | None:
    """Read ``<consent id>.<choice>``; None when absent or malformed."""
    match = _COOKIE_VALUE.match(value or "")
    return (match.group(1), match.group(2)) if match else None


def format_cookie(consent_id: str, choice: str) -> str:
    """The consent cookie's value."""
    return f"{consent_id}.{choice}"


def record_cookie_choice(
    *, session: Session, choice: str, consent_id: str | None = None, user_id: str | None = None
) -> ConsentRecord:
    """Record a cookie decision; a browser keeps its consent id across decisions.

    Raises:
        ValueError: `choice` is not one of `CHOICES`.
    """
    if choice not in CHOICES:
        raise ValueError(f"unknown cookie choice: {choice!r}")
    if not consent_id or not re.fullmatch(r"[0-9a-f]{32}", consent_id):
        consent_id = secrets.token_hex(16)
    record = ConsentRecord(
        user_id=user_id,
        consent_id=consent_id,
        subject=COOKIES,
        choice=choice,
        policy_version=current_policy(session=session).version,
    )
    session.add(record)
    return record


def latest_cookie_choice(*, session: Session, consent_id: str) -> ConsentRecord | None:
    """The most recent cookie decision recorded for a consent id."""
    return session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.consent_id == consent_id, ConsentRecord.subject == COOKIES)
        .order_by(col(ConsentRecord.created_at).desc())
    ).first()
