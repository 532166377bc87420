"""Every email we send, composed from fixed templates (policy §2 "Communication").

Messages are plain text: no HTML, no remote images, no tracking. They carry a
name, an address, a device and IP for security alerts, and links into the
app; never conversation content. Each message names its kind in the
``X-NoMask-Kind`` header, so tests and mail filters can tell them apart.
"""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlencode

from nomask_app.config import get_settings
from nomask_app.integrations.mailer import KIND_HEADER
from nomask_app.models.common import utcnow
from nomask_app.services.common.text import strip_unsafe, without_unsafe
from nomask_app.services.privacy.policy import PolicyVersion

CONTACT = "info@nomask.ai"
SECURITY_FOOTER = (
    "You receive this message because it concerns the security of your NoMask AI "
    "account. Security messages cannot be switched off."
)
SERVICE_FOOTER = "You receive this message because you have a NoMask AI account."

VERIFY_EMAIL = "verify-email"
ADDRESS_CLAIMED = "address-claimed"
CONFIRM_NEW_EMAIL = "confirm-new-email"
EMAIL_CHANGE_REQUESTED = "email-change-requested"
EMAIL_CHANGED = "email-changed"
PASSWORD_RESET = "password-reset"  # noqa: S105 (message kinds)
PASSWORD_CHANGED = "password-changed"  # noqa: S105
NEW_SIGN_IN = "new-sign-in"
TWO_FACTOR_ON = "two-factor-on"
TWO_FACTOR_OFF = "two-factor-off"
POLICY_UPDATED = "policy-updated"
PRODUCT_UPDATE = "product-update"
EXPORT_READY = "export-ready"
ACCOUNT_DELETED = "account-deleted"
ACCOUNT_SUSPENDED = "account-suspended"
ACCOUNT_UNSUSPENDED = "account-unsuspended"


def app_link(path: str, **query: str) -> str:
    """An absolute link into the app."""
    url = get_settings().app_url.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url


def mask_email(email: str) -> str:
    """Show enough of an address to recognise it: ``a***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _when(moment: datetime) -> str:
    return f"{moment:%d %B %Y at %H:%M} UTC"


def _compose(
    *, to: str, subject: str, kind: str, body: list[str], footer: str = SECURITY_FOOTER
) -> EmailMessage:
    settings = get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = Address(addr_spec=to)
    message["Subject"] = strip_unsafe(subject)
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(settings.mail_from)[1].partition("@")[2] or "nomask.ai"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: automatic messages; vacation responders should not answer.
    message["Auto-Submitted"] = "auto-generated"
    message[KIND_HEADER] = kind
    # Names and devices come from people: rows stored before they were checked
    # (or a crafted User-Agent) must not put controls or direction marks in a message.
    text = "\n\n".join(
        [*map(without_unsafe, body), "— NoMask AI", f"{footer}\nQuestions? Write to {CONTACT}."]
    )
    message.set_content(text + "\n")
    return message


def verify_email(*, to: str, name: str, token: str, finishes_sign_up: bool) -> EmailMessage:
    """Confirm the address: the link that finishes a sign-up, or confirms an older account's."""
    link = app_link("/verify-email", token=token)
    if finishes_sign_up:
        return _compose(
            to=to,
            subject="Finish creating your NoMask AI account",
            kind=VERIFY_EMAIL,
            body=[
                f"Hi {name},",
                "Open this link and enter the password you chose to finish creating your account:",
                link,
                "The link works for 3 days.",
                "If you did not create a NoMask AI account, ignore this email: no account "
                "is made without the link.",
            ],
            footer=SERVICE_FOOTER,
        )
    return _compose(
        to=to,
        subject="Confirm your email address",
        kind=VERIFY_EMAIL,
        body=[
            f"Hi {name},",
            f"Please confirm that {to} is your email address by opening this link:",
            link,
            "The link works for 3 days. You can use NoMask AI in the meantime.",
        ],
        footer=SERVICE_FOOTER,
    )


def address_claimed(*, to: str, name: str) -> EmailMessage:
    """Someone tried to sign up with, or move another account to, an address that has one."""
    return _compose(
        to=to,
        subject="Someone tried to use your email address",
        kind=ADDRESS_CLAIMED,
        body=[
            f"Hi {name},",
            f"Someone tried to use {to} for a NoMask AI account, but it already belongs "
            "to yours. Nothing changed.",
            "If it was you, sign in instead:",
            app_link("/login"),
            "Forgot your password? Choose a new one here:",
            app_link("/forgot-password"),
            "If it was not you, you can ignore this email.",
        ],
    )


def confirm_new_email(*, to: str, name: str, token: str) -> EmailMessage:
    """Sent to a new address: the change happens only when this link is used."""
    return _compose(
        to=to,
        subject="Confirm your new email address",
        kind=CONFIRM_NEW_EMAIL,
        body=[
            f"Hi {name},",
            "You asked to use this address for your NoMask AI account. "
            "Open this link to confirm the change:",
            app_link("/verify-email", token=token),
            "Until you do, your account keeps its current address. The link works for 24 hours.",
            "If you did not ask for this, ignore this email.",
        ],
    )


def email_change_requested(*, to: str, name: str, new_email: str) -> EmailMessage:
    """Sent to the current address when someone asks to change it."""
    return _compose(
        to=to,
        subject="Someone asked to change your email address",
        kind=EMAIL_CHANGE_REQUESTED,
        body=[
            f"Hi {name},",
            f"Someone signed in to your account asked to change its email address to "
            f"{mask_email(new_email)}. Nothing changes unless the link we sent to that "
            "address is opened within 24 hours.",
            "If this was not you, change your password and sign out everywhere now:",
            app_link("/settings"),
        ],
    )


def email_changed(*, to: str, name: str, new_email: str) -> EmailMessage:
    """Sent to the previous address once a change is confirmed."""
    return _compose(
        to=to,
        subject="Your email address was changed",
        kind=EMAIL_CHANGED,
        body=[
            f"Hi {name},",
            "The email address of your NoMask AI account was changed to "
            f"{mask_email(new_email)}. This address no longer signs in.",
            f"If this was not you, write to {CONTACT} right away.",
        ],
    )


def password_reset(*, to: str, name: str, token: str) -> EmailMessage:
    """A single-use link that sets a new password."""
    return _compose(
        to=to,
        subject="Reset your NoMask AI password",
        kind=PASSWORD_RESET,
        body=[
            f"Hi {name},",
            "Open this link to choose a new password. It works once, for one hour:",
            app_link("/reset-password", token=token),
            "If you did not ask for this, ignore this email: your password stays as it is.",
        ],
    )


def password_changed(
    *, to: str, name: str, when: datetime, device: str, ip_address: str
) -> EmailMessage:
    """Security alert after a password change or reset."""
    return _compose(
        to=to,
        subject="Your password was changed",
        kind=PASSWORD_CHANGED,
        body=[
            f"Hi {name},",
            f"The password of your NoMask AI account was changed on {_when(when)} "
            f"from {device} ({ip_address or 'unknown address'}). Other signed-in "
            "browsers were signed out.",
            "If this was not you, reset your password now:",
            app_link("/forgot-password"),
        ],
    )


def two_factor_changed(
    *, to: str, name: str, enabled: bool, when: datetime, device: str, ip_address: str
) -> EmailMessage:
    """Security alert: two-factor sign-in was switched on or off."""
    state = "on" if enabled else "off"
    advice = (
        "Keep your recovery codes somewhere safe: each one signs you in once if you "
        "lose your phone."
        if enabled
        else "Signing in now needs only your password."
    )
    return _compose(
        to=to,
        subject=f"Two-factor sign-in is {state}",
        kind=TWO_FACTOR_ON if enabled else TWO_FACTOR_OFF,
        body=[
            f"Hi {name},",
            f"Two-factor sign-in for your NoMask AI account was switched {state} on "
            f"{_when(when)} from {device} ({ip_address or 'unknown address'}).",
            advice,
            "If this was not you, change your password and sign out everywhere now:",
            app_link("/settings"),
        ],
    )


def new_sign_in(
    *, to: str, name: str, when: datetime, device: str, ip_address: str
) -> EmailMessage:
    """Security alert: a sign-in from a device or address not seen before."""
    return _compose(
        to=to,
        subject="New sign-in to your NoMask AI account",
        kind=NEW_SIGN_IN,
        body=[
            f"Hi {name},",
            f"Your account was signed in on {_when(when)} from {device} "
            f"({ip_address or 'unknown address'}), which we had not seen before.",
            "If this was you, there is nothing to do. If not, change your password "
            "and sign out everywhere from your settings:",
            app_link("/settings"),
        ],
    )


def policy_updated(*, to: str, name: str, policy: PolicyVersion) -> EmailMessage:
    """Notice of a significant change to the privacy policy (policy §9)."""
    effective = f"{policy.effective:%B} {policy.effective.day}, {policy.effective.year}"
    return _compose(
        to=to,
        subject="We updated our privacy policy",
        kind=POLICY_UPDATED,
        body=[
            f"Hi {name},",
            f"We updated the NoMask AI privacy policy (version {policy.version}, "
            f"last updated {effective}). Please read what changed:",
            app_link("/policy"),
        ],
        footer=SERVICE_FOOTER,
    )


def product_update(
    *, to: str, name: str, subject: str, text: str, unsubscribe_url: str
) -> EmailMessage:
    """Non-essential news, only for people who switched "Product updates and tips" on."""
    message = _compose(
        to=to,
        subject=subject,
        kind=PRODUCT_UPDATE,
        body=[
            f"Hi {name},",
            text.strip(),
            "Unsubscribe with one click:",
            unsubscribe_url,
        ],
        footer=(
            "You receive this because you switched on product updates and tips. "
            "Switch them off any time in your settings or with the link above."
        ),
    )
    # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that posts here.
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def export_ready(*, to: str, name: str, expires_at: datetime) -> EmailMessage:
    """The data export someone asked for is ready (policy §5 "Access").

    It links to the privacy center, where downloading needs the person's sign-in;
    the archive itself is never attached or linked directly.
    """
    return _compose(
        to=to,
        subject="Your NoMask AI data export is ready",
        kind=EXPORT_READY,
        body=[
            f"Hi {name},",
            "The copy of your data that you asked for is ready. Download it from your "
            "privacy center (you need to be signed in):",
            app_link("/privacy"),
            f"It can be downloaded until {_when(expires_at)}; then we delete it.",
            "If you did not ask for an export, change your password and sign out "
            "everywhere from your settings.",
        ],
    )


def account_deleted(*, to: str, name: str, when: datetime) -> EmailMessage:
    """Confirmation that an account and all its data were deleted (policy §4)."""
    return _compose(
        to=to,
        subject="Your NoMask AI account is deleted",
        kind=ACCOUNT_DELETED,
        body=[
            f"Hi {name},",
            f"Your NoMask AI account was deleted on {_when(when)}, as you asked. Your "
            "conversations, files and images, sessions and all other personal data were "
            "removed, and any subscription was canceled. This is the last message we send "
            "to this address.",
            f"If you did not ask for this, write to {CONTACT} right away.",
        ],
    )


def account_suspended(*, to: str, name: str, reason: str) -> EmailMessage:
    """An administrator suspended the account: no sign-in until it is lifted."""
    return _compose(
        to=to,
        subject="Your NoMask AI account is suspended",
        kind=ACCOUNT_SUSPENDED,
        body=[
            f"Hi {name},",
            "An administrator suspended your NoMask AI account. Until the suspension is "
            "lifted you cannot sign in, and every browser was signed out. The reason given:",
            reason,
            f"Your data stays as it was. If you think this is a mistake, write to {CONTACT}.",
        ],
    )


def account_unsuspended(*, to: str, name: str, reason: str) -> EmailMessage:
    """The suspension is lifted: the person can sign in again."""
    return _compose(
        to=to,
        subject="Your NoMask AI account is active again",
        kind=ACCOUNT_UNSUSPENDED,
        body=[
            f"Hi {name},",
            "An administrator lifted the suspension of your NoMask AI account: you can "
            "sign in again. The reason given:",
            reason,
            app_link("/login"),
        ],
    )
