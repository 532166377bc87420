"""Creating accounts and checking passwords (policy §1.1, §6, §8)."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nomask_app.models import AccountDeletion, ConsentRecord, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.passwords import (
    burn_verification_time,
    hash_password,
    password_problem,
    verify_password,
)
from nomask_app.services.accounts.validation import PASSWORD_MAX, clean_name, normalize_email
from nomask_app.services.accounts.verification import address_claimed, start_email_verification
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy.policy import current_policy


def sign_up(
    *,
    session: Session,
    name: str,
    email: str,
    password: str,
    is_adult: bool,
    accepts_policy: bool,
    policy_version: str,
    ip_address: str = "",
    user_agent: str = "",
) -> User | None:
    """Start creating an account: the emailed link finishes it.

    The answer is the same whether or not the address has an account, so
    sign-up never tells anyone which addresses are registered:

    - a new address gets an account that nobody can sign in to until the link
      emailed to it is used (with the password chosen here);
    - an address with an account that was never finished: nobody proved it is
      theirs, so the name and password are replaced and a link goes out again;
    - an address with an account: nothing is created, and its owner is told
      by email (at most once an hour) that someone tried.

    `policy_version` is the version of the policy the person was shown and
    accepted; if another one took effect meanwhile, they are asked to read it.
    Slow on purpose (bcrypt, on every path alike): call it from a worker
    thread in async code.

    Returns:
        The account not yet usable, or None when the address already had a
        usable account (callers must answer both the same way).

    Raises:
        FieldErrors: one message per bad field; nothing is created.
    """
    errors: dict[str, str] = {}
    name, problem = clean_name(name)
    if problem:
        errors["name"] = problem
    email, problem = normalize_email(email)
    if problem:
        errors["email"] = problem
    problem = password_problem(password, email=email, name=name)
    if problem:
        errors["password"] = problem
    if not is_adult:
        errors["is_adult"] = "NoMask is only for people who are 18 or older."
    in_force = current_policy(session=session)
    if not accepts_policy:
        errors["accepts_policy"] = "Accept the privacy policy to create an account."
    elif policy_version != in_force.version:
        errors["accepts_policy"] = (
            f"The privacy policy changed to version {in_force.version} while you were "
            "signing up. Read it, then accept it again."
        )
    if errors:
        raise FieldErrors(errors)

    password_hash = hash_password(password)  # on every path: the time tells nothing
    context = {"ip_address": ip_address, "user_agent": user_agent}
    user = find_user_by_email(session=session, email=email)
    if user is not None and user.activated_at is not None:
        address_claimed(session=session, user=user, **context)
        return None
    now = utcnow()
    if user is None:
        user = User(name=name, email=email, password_hash=password_hash, age_confirmed_at=now)
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:
            # Another sign-up with the address won the race: answer as for any address.
            return None
        record_event(session=session, kind="account.created", user_id=user.id, **context)
    else:
        user.name, user.password_hash, user.age_confirmed_at = name, password_hash, now
        user.updated_at = now
        session.add(user)
    for subject, choice in (("privacy_policy", "accepted"), ("age_18", "confirmed")):
        session.add(
            ConsentRecord(
                user_id=user.id, subject=subject, choice=choice, policy_version=in_force.version
            )
        )
    start_email_verification(session=session, user=user)
    return user


def unfinished_sign_ups(*, session: Session, created_before: datetime) -> list[str]:
    """Ids of accounts whose sign-up link was never used, made before `created_before`."""
    return list(
        session.exec(
            select(User.id).where(
                col(User.activated_at).is_(None), User.created_at < created_before
            )
        )
    )


def find_user_by_email(*, session: Session, email: str) -> User | None:
    """Return the account with this (already normalized) address, if any."""
    return session.exec(select(User).where(User.email == email)).first()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """Return the user whose credentials these are, or None.

    Takes the same time whether or not the email has an account. Slow on
    purpose (bcrypt): call it from a worker thread in async code. An account
    whose emailed link was never used, or whose deletion has started (it waits
    only for Stripe), cannot sign in.
    """
    normalized, problem = normalize_email(email)
    user = None if problem else find_user_by_email(session=session, email=normalized)
    if user is not None and user.activated_at is None:
        user = None  # not finished yet: as if there were no account
    if user is None or not password or len(password) > PASSWORD_MAX:
        burn_verification_time(password[:PASSWORD_MAX] if password else "")
        return None
    if not verify_password(password, user.password_hash):
        return None
    closing = select(AccountDeletion.user_id).where(AccountDeletion.user_id == user.id)
    return None if session.exec(closing).first() else user
