"""The checks of a sign-in, shared by the sign-in page and `POST /api/auth/login`.

First step: rate limits (per address and per account), the brute-force delay,
then the password. Second step, for accounts with two-factor sign-in: a code
from the authenticator app or a recovery code, rate limited as well. Only
when both pass does the caller issue a login ticket or a session.
"""

from sqlmodel import Session

from nomask_app.models import User
from nomask_app.services.accounts import signin_guard, twofactor
from nomask_app.services.accounts.accounts import authenticate, find_user_by_email
from nomask_app.services.accounts.validation import normalize_email
from nomask_app.services.operations import audit, ratelimit
from nomask_app.services.operations.suspension import AccountSuspended


def _account_key(email: str) -> str:
    normalized, problem = normalize_email(email)
    return email.strip().lower()[:320] if problem else normalized


def check_password(
    *, session: Session, email: str, password: str, ip_address: str = "", user_agent: str = ""
) -> User | None:
    """The first step: the account whose password this is, or None.

    A failure is recorded as a security event on the account (if it exists).
    Slow on purpose (bcrypt): call it from a worker thread in async code.

    Raises:
        ratelimit.RateLimited: too many attempts from this address or for this
            account; no password was checked.
        AccountSuspended: the password is right, but an admin suspended the account.
    """
    account = _account_key(email)
    ratelimit.hit(ratelimit.SIGN_IN, ip=ip_address, account=account)
    signin_guard.begin_attempt(email=account, ip=ip_address)
    user = None
    try:
        user = authenticate(session=session, email=email, password=password)
    finally:
        delayed = signin_guard.finish_attempt(
            email=account, ip=ip_address, succeeded=user is not None
        )
    if user is not None and user.suspended_at is not None:
        raise AccountSuspended
    if user is None:
        owner = find_user_by_email(session=session, email=account)
        context = {"ip_address": ip_address, "user_agent": user_agent}
        owner_id = owner.id if owner else None
        audit.record_event(session=session, kind=audit.SIGNIN_FAILED, user_id=owner_id, **context)
        if delayed:
            audit.record_event(
                session=session, kind=audit.SIGNIN_THROTTLED, user_id=owner_id, **context
            )
    return user


def needs_second_factor(*, session: Session, user_id: str) -> bool:
    """Whether this account signs in with a code as well."""
    return twofactor.is_enabled(session=session, user_id=user_id)


def check_second_factor(
    *, session: Session, user_id: str, code: str, ip_address: str = "", user_agent: str = ""
) -> bool:
    """The second step: a code from the app or a recovery code.

    Only wrong codes count towards the limit: a right one is forgiven.

    Raises:
        ratelimit.RateLimited: too many wrong codes tried for this account or
            from this address; the code was not checked.
    """
    forgive = ratelimit.take(ratelimit.TWO_FACTOR, user=user_id, ip=ip_address)
    method = twofactor.verify_second_factor(
        session=session, user_id=user_id, code=code, ip_address=ip_address, user_agent=user_agent
    )
    if method is not None:
        forgive()
        return True
    audit.record_event(
        session=session,
        kind=audit.SIGNIN_SECOND_FACTOR_FAILED,
        user_id=user_id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return False
