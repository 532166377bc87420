"""Optional two-factor sign-in with an authenticator app (TOTP, RFC 6238).

Enrolment shows a QR code (an SVG made here, nothing leaves the server) and
is switched on only once a code from the app checks out. Ten single-use
recovery codes are shown once and stored as keyed hashes. The TOTP secret is
stored encrypted (services/accounts/secretbox.py). Switching it on or off sends a
security email. Each accepted code is remembered, so it cannot be replayed.
"""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlmodel import Session, col, delete, func, select

from nomask_app.config import get_settings
from nomask_app.models import RecoveryCode, TwoFactor, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import secretbox
from nomask_app.services.accounts.passwords import verify_password
from nomask_app.services.accounts.sessions import describe_device
from nomask_app.services.accounts.validation import PASSWORD_MAX
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import audit, emails
from nomask_app.services.operations.delivery import send_after_commit

ISSUER = "NoMask AI"
RECOVERY_CODE_COUNT = 10
_PURPOSE = "totp-secret"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_HALF = 5
_DIGITS = re.compile(r"^\d{6}$")
WRONG_CODE = "That code is not correct. Enter the current code from your app."
WRONG_PASSWORD = "Your password is not correct."  # noqa: S105 (a message)


@dataclass(frozen=True)
class Enrolment:
    """What the person needs to add NoMask AI to an authenticator app."""

    secret: str
    uri: str
    qr_data_uri: str


@dataclass(frozen=True)
class Status:
    """Whether two-factor sign-in is on, since when, and recovery codes left."""

    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound("user")
    return user


def _row(session: Session, user_id: str) -> TwoFactor | None:
    return session.get(TwoFactor, user_id)


def is_enabled(*, session: Session, user_id: str) -> bool:
    """Whether signing in to this account needs a second step."""
    row = _row(session, user_id)
    return row is not None and row.enabled_at is not None


def status(*, session: Session, user_id: str) -> Status:
    """The settings page's view of two-factor sign-in."""
    row = _row(session, user_id)
    enabled = row is not None and row.enabled_at is not None
    left = session.exec(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user_id)
    ).one()
    return Status(enabled, row.enabled_at if enabled else None, int(left) if enabled else 0)


def start_enrolment(*, session: Session, user_id: str) -> Enrolment:
    """Make a new secret (replacing an unfinished enrolment) and its QR code.

    Raises:
        FieldErrors: ``{"code": ...}`` when two-factor sign-in is already on.
    """
    user = _user(session, user_id)
    row = _row(session, user_id)
    if row is not None and row.enabled_at is not None:
        raise FieldErrors({"code": "Two-factor sign-in is already on."})
    secret = pyotp.random_base32()
    encrypted = secretbox.encrypt(secret, purpose=_PURPOSE, bound_to=user.id)
    if row is None:
        row = TwoFactor(user_id=user.id, secret_encrypted=encrypted)
    row.secret_encrypted, row.last_step, row.created_at = encrypted, 0, utcnow()
    session.add(row)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    return Enrolment(secret=secret, uri=uri, qr_data_uri=qr)


def _matching_step(row: TwoFactor, code: str) -> int | None:
    """The time step whose code this is (now, or one step either side), if any."""
    if not _DIGITS.match(code):
        return None
    try:
        secret = secretbox.decrypt(row.secret_encrypted, purpose=_PURPOSE, bound_to=row.user_id)
    except secretbox.Undecryptable:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def _accept_totp(row: TwoFactor, code: str) -> bool:
    step = _matching_step(row, code)
    if step is None or step <= row.last_step:  # a code works once
        return False
    row.last_step = step
    return True


def _recovery_hash(code: str) -> str:
    # Keyed with the password pepper: recovery codes are passwords of a kind,
    # and a stolen database alone cannot be searched for them.
    pepper = get_settings().password_pepper.get_secret_value().encode()
    normalized = re.sub(r"[\s-]", "", code.lower())
    return hmac.new(pepper, normalized.encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(session: Session, user_id: str) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(2 * _RECOVERY_HALF))
        code = f"{raw[:_RECOVERY_HALF]}-{raw[_RECOVERY_HALF:]}"
        session.add(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(code)))
        codes.append(code)
    return codes


def _alert(session: Session, user: User, *, enabled: bool, ip_address: str, user_agent: str):
    send_after_commit(
        session,
        emails.two_factor_changed(
            to=user.email,
            name=user.name,
            enabled=enabled,
            when=utcnow(),
            device=describe_device(user_agent[:512]),
            ip_address=ip_address,
        ),
        account_id=user.id,
    )


def confirm_enrolment(
    *, session: Session, user_id: str, code: str, ip_address: str = "", user_agent: str = ""
) -> list[str]:
    """Switch two-factor sign-in on once a code from the app checks out.

    Returns:
        The ten recovery codes, in clear text for the only time.

    Raises:
        FieldErrors: ``{"code": ...}``; nothing changes.
    """
    user = _user(session, user_id)
    row = _row(session, user_id)
    if row is None or row.enabled_at is not None:
        raise FieldErrors({"code": "Start the set-up again."})
    if not _accept_totp(row, code.strip().replace(" ", "")):
        raise FieldErrors({"code": WRONG_CODE})
    row.enabled_at = utcnow()
    session.add(row)
    codes = _new_recovery_codes(session, user.id)
    _alert(session, user, enabled=True, ip_address=ip_address, user_agent=user_agent)
    audit.record_event(
        session=session,
        kind=audit.TWO_FACTOR_ENABLED,
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return codes


def _check_password(user: User, password: str) -> None:
    if not password or len(password) > PASSWORD_MAX:
        raise FieldErrors({"password": "Enter your password." if not password else WRONG_PASSWORD})
    if not verify_password(password, user.password_hash):
        raise FieldErrors({"password": WRONG_PASSWORD})


def disable(
    *, session: Session, user_id: str, password: str, ip_address: str = "", user_agent: str = ""
) -> None:
    """Switch two-factor sign-in off (the password confirms it is the owner).

    Slow on purpose (bcrypt): call it from a worker thread in async code.

    Raises:
        FieldErrors: ``{"password": ...}``; nothing changes.
    """
    user = _user(session, user_id)
    _check_password(user, password)
    if not is_enabled(session=session, user_id=user.id):
        return
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    session.exec(delete(TwoFactor).where(col(TwoFactor.user_id) == user.id))
    _alert(session, user, enabled=False, ip_address=ip_address, user_agent=user_agent)
    audit.record_event(
        session=session,
        kind=audit.TWO_FACTOR_DISABLED,
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )


def regenerate_recovery_codes(
    *, session: Session, user_id: str, password: str, ip_address: str = "", user_agent: str = ""
) -> list[str]:
    """Replace every recovery code with ten new ones (the old ones stop working).

    Raises:
        FieldErrors: ``{"password": ...}`` or two-factor sign-in is off.
    """
    user = _user(session, user_id)
    _check_password(user, password)
    if not is_enabled(session=session, user_id=user.id):
        raise FieldErrors({"password": "Two-factor sign-in is off."})
    codes = _new_recovery_codes(session, user.id)
    audit.record_event(
        session=session,
        kind=audit.RECOVERY_CODES_REGENERATED,
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return codes


def verify_second_factor(
    *, session: Session, user_id: str, code: str, ip_address: str = "", user_agent: str = ""
) -> str | None:
    """Check the second step of a sign-in: a code from the app or a recovery code.

    A recovery code is deleted when used. Callers rate-limit this
    (``ratelimit.TWO_FACTOR``) and record failures.

    Returns:
        ``"totp"`` or ``"recovery"`` when accepted, None otherwise.
    """
    row = _row(session, user_id)
    if row is None or row.enabled_at is None:
        return None
    cleaned = code.strip().replace(" ", "")[:32]
    if _DIGITS.match(cleaned):
        if _accept_totp(row, cleaned):
            session.add(row)
            return "totp"
        return None
    match = session.exec(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _recovery_hash(cleaned)
        )
    ).first()
    if match is None:
        return None
    session.delete(match)
    audit.record_event(
        session=session,
        kind=audit.RECOVERY_CODE_USED,
        user_id=user_id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return "recovery"
