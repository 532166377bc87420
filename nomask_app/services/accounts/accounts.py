"""Creating accounts and checking passwords (policy §1.1, §6, §8)."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from nomask_app.models import AccountDeletion, ConsentRecord, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.passwords import (
    burn_verification_time,
    hash_password,
    password_problem,
    verify_password,
)
from nomask_app.services.accounts.validation import PASSWORD_MAX, clean_name, normalize_email
from nomask_app.services.accounts.verification import start_email_verification
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy.policy import current_policy

DUPLICATE_EMAIL = "An account with this email already exists. Sign in instead."


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
) -> User:
    """Create an account, recording age confirmation and policy acceptance.

    `policy_version` is the version of the policy the person was shown and
    accepted; if another one took effect meanwhile, they are asked to read it.
    A link to verify the address is emailed when the transaction commits.

    Slow on purpose (bcrypt): call it from a worker thread in async code.

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
    if "email" not in errors and find_user_by_email(session=session, email=email):
        errors["email"] = DUPLICATE_EMAIL
    if errors:
        raise FieldErrors(errors)

    now = utcnow()
    user = User(
        name=name,
        email=email,
        password_hash=hash_password(password),
        age_confirmed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        # Two sign-ups with the same address raced past the check above.
        raise FieldErrors({"email": DUPLICATE_EMAIL}) from None
    version = in_force.version
    session.add(
        ConsentRecord(
            user_id=user.id, subject="privacy_policy", choice="accepted", policy_version=version
        )
    )
    session.add(
        ConsentRecord(user_id=user.id, subject="age_18", choice="confirmed", policy_version=version)
    )
    record_event(
        session=session,
        kind="account.created",
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    # The account is usable at once; the page reminds the person until they verify.
    start_email_verification(session=session, user=user)
    return user


def find_user_by_email(*, session: Session, email: str) -> User | None:
    """Return the account with this (already normalized) address, if any."""
    return session.exec(select(User).where(User.email == email)).first()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """Return the user whose credentials these are, or None.

    Takes the same time whether or not the email has an account. Slow on
    purpose (bcrypt): call it from a worker thread in async code. An account
    whose deletion has started (it waits only for Stripe) cannot sign in again.
    """
    normalized, problem = normalize_email(email)
    user = None if problem else find_user_by_email(session=session, email=normalized)
    if user is None or not password or len(password) > PASSWORD_MAX:
        burn_verification_time(password[:PASSWORD_MAX] if password else "")
        return None
    if not verify_password(password, user.password_hash):
        return None
    closing = select(AccountDeletion.user_id).where(AccountDeletion.user_id == user.id)
    return None if session.exec(closing).first() else user
