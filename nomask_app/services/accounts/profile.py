"""What a person changes in their settings: name, email, password, preferences.

Policy §5 "Correction": people update what we hold about them. Every change
is checked here (the page only shows the result), and a wrong current
password or bad input changes nothing.
"""

from sqlmodel import Session

from nomask_app.models import ConsentRecord, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import verification
from nomask_app.services.accounts.devices import revoke_all_sessions
from nomask_app.services.accounts.passwords import hash_password, password_problem, verify_password
from nomask_app.services.accounts.sessions import describe_device
from nomask_app.services.accounts.validation import PASSWORD_MAX, clean_name, normalize_email
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.operations.delivery import send_after_commit
from nomask_app.services.privacy.policy import current_policy

THEMES = ("light", "dark", "system")
WRONG_PASSWORD = "Your current password is not correct."  # noqa: S105 (a message)
PRODUCT_EMAILS = "product_emails"


def get_user(*, session: Session, user_id: str) -> User:
    """Load the signed-in person's account.

    Raises:
        NotFound: the account no longer exists.
    """
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound("user")
    return user


def _check_current_password(user: User, password: str) -> str | None:
    if not password:
        return "Enter your current password."
    if len(password) > PASSWORD_MAX or not verify_password(password, user.password_hash):
        return WRONG_PASSWORD
    return None


def change_name(*, session: Session, user_id: str, name: str) -> User:
    """Set a new display name.

    Raises:
        FieldErrors: ``{"name": ...}``; nothing changes.
    """
    user = get_user(session=session, user_id=user_id)
    cleaned, problem = clean_name(name)
    if problem:
        raise FieldErrors({"name": problem})
    user.name = cleaned
    user.updated_at = utcnow()
    session.add(user)
    return user


def request_email_change(
    *,
    session: Session,
    user_id: str,
    new_email: str,
    current_password: str,
    ip_address: str = "",
    user_agent: str = "",
) -> str:
    """Start changing the address: nothing changes until the new one is confirmed.

    Slow on purpose (bcrypt): call it from a worker thread in async code.

    Returns:
        The normalized new address, now waiting for confirmation.

    Raises:
        FieldErrors: on ``email`` or ``current_password``; nothing changes.
    """
    user = get_user(session=session, user_id=user_id)
    errors: dict[str, str] = {}
    email, problem = normalize_email(new_email)
    if problem:
        errors["email"] = problem
    elif email == user.email:
        errors["email"] = "This is already your email address."
    problem = _check_current_password(user, current_password)
    if problem:
        errors["current_password"] = problem
    if errors:
        raise FieldErrors(errors)
    verification.start_email_change(session=session, user=user, new_email=email)
    record_event(
        session=session,
        kind="email.change_requested",
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return email


def change_password(
    *,
    session: Session,
    user_id: str,
    current_password: str,
    new_password: str,
    current_session_id: str = "",
    ip_address: str = "",
    user_agent: str = "",
) -> int:
    """Set a new password, sign out every other browser and send a security alert.

    Slow on purpose (bcrypt): call it from a worker thread in async code.

    Returns:
        How many other sessions were signed out.

    Raises:
        FieldErrors: on ``current_password`` or ``new_password``; nothing changes.
    """
    user = get_user(session=session, user_id=user_id)
    errors: dict[str, str] = {}
    problem = _check_current_password(user, current_password)
    if problem:
        errors["current_password"] = problem
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem is None and new_password == current_password:
        problem = "Choose a password different from your current one."
    if problem:
        errors["new_password"] = problem
    if errors:
        raise FieldErrors(errors)
    signed_out = set_password(
        session=session,
        user=user,
        password=new_password,
        keep_session_id=current_session_id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    record_event(
        session=session,
        kind="password.changed",
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return signed_out


def set_password(
    *,
    session: Session,
    user: User,
    password: str,
    keep_session_id: str = "",
    ip_address: str = "",
    user_agent: str = "",
) -> int:
    """Store a new (already checked) password, end sessions and alert the owner.

    Every session except `keep_session_id` ends ("" ends them all).

    Returns:
        How many sessions were ended.
    """
    now = utcnow()
    user.password_hash = hash_password(password)
    user.updated_at = now
    session.add(user)
    ended = revoke_all_sessions(session=session, user_id=user.id, except_session_id=keep_session_id)
    send_after_commit(
        session,
        emails.password_changed(
            to=user.email,
            name=user.name,
            when=now,
            device=describe_device(user_agent[:512]),
            ip_address=ip_address,
        ),
        account_id=user.id,
    )
    return ended


def update_theme(*, session: Session, user_id: str, theme: str) -> User:
    """Store the colour theme (light, dark or system).

    Raises:
        FieldErrors: ``{"theme": ...}`` for anything else.
    """
    if theme not in THEMES:
        raise FieldErrors({"theme": "Choose light, dark or system."})
    user = get_user(session=session, user_id=user_id)
    user.theme = theme
    user.updated_at = utcnow()
    session.add(user)
    return user


def set_product_updates(
    *, session: Session, user_id: str, enabled: bool, via_link: bool = False
) -> bool:
    """Switch non-essential email on or off, recording the decision (policy §5 opt-out).

    Security alerts are not affected: they cannot be switched off. The record
    says "unsubscribed" when the one-click link in an email was used.

    Returns:
        Whether anything changed.
    """
    user = get_user(session=session, user_id=user_id)
    if user.product_updates == enabled:
        return False
    user.product_updates = enabled
    user.updated_at = utcnow()
    session.add(user)
    session.add(
        ConsentRecord(
            user_id=user.id,
            subject=PRODUCT_EMAILS,
            choice="opted_in" if enabled else ("unsubscribed" if via_link else "opted_out"),
            policy_version=current_policy(session=session).version,
        )
    )
    return True
