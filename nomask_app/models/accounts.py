"""Accounts: people, their sessions, sign-in tickets, email links and two-factor secrets."""

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from nomask_app.models.common import id_field, user_fk, utcnow

# Accounts, their sessions and the one-time tickets that start a session.


class User(SQLModel, table=True):
    """A person with an account (policy §1.1)."""

    __tablename__ = "users"
    __table_args__ = (
        # services/privacy/retention.py CHOICES: the database refuses anything else too.
        CheckConstraint("auto_delete_days IN (0, 30, 90, 365)", name="ck_users_auto_delete_days"),
    )

    id: str = id_field()
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=100)
    password_hash: str = Field(max_length=100)
    role: str = Field(default="user", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    age_confirmed_at: datetime
    email_verified_at: datetime | None = None
    # Set when the emailed link was used: until then nobody can sign in to the
    # account (sign-up must not tell anyone which addresses have accounts).
    activated_at: datetime | None = None
    default_model: str = Field(default="", max_length=200)
    # Preferences (settings page): light | dark | system, and opt-in marketing email.
    theme: str = Field(default="system", max_length=8)
    product_updates: bool = False
    # An admin's suspension: no sign-in until lifted; the owner was emailed the reason.
    suspended_at: datetime | None = None
    suspension_reason: str = Field(
        default="", max_length=500, sa_column_kwargs={"server_default": ""}
    )
    # Conversations untouched this many days are deleted (0: never, the default),
    # counted from when the choice was made at the earliest (services/privacy/retention.py).
    auto_delete_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    auto_delete_since: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its cookie token is stored."""

    __tablename__ = "user_sessions"

    id: str = id_field()
    user_id: str = user_fk()
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ip_address: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=512)
    device: str = Field(default="", max_length=120)


class LoginTicket(SQLModel, table=True):
    """A single-use, short-lived proof of a verified sign-in.

    The sign-in form is checked over the websocket; the browser then posts the
    ticket to `POST /api/auth/login`, which is the only place that can set the
    HttpOnly session cookie.
    """

    __tablename__ = "login_tickets"

    id: str = id_field()
    user_id: str = user_fk()
    ticket_hash: str = Field(max_length=64, unique=True)
    next_path: str = Field(default="/", max_length=512)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


# Single-use links sent by email: verify an address, change it, reset a password.


class AccountToken(SQLModel, table=True):
    """A link token of which only the SHA-256 is stored; deleted when used.

    `email` is the address the link was sent to: for an email change it is
    the new address, which becomes the account's only when the link is used.
    """

    __tablename__ = "account_tokens"

    id: str = id_field()
    user_id: str = user_fk()
    purpose: str = Field(max_length=16, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


# Two-factor sign-in: an authenticator app's secret and single-use recovery codes.


class TwoFactor(SQLModel, table=True):
    """A TOTP secret, encrypted with a key derived from the app's secret key.

    The row exists from the moment enrolment starts; two-factor sign-in is on
    only once `enabled_at` is set (the person typed a code from the app).
    `last_step` is the last 30-second step accepted, so a code works once.
    """

    __tablename__ = "two_factor"

    user_id: str = Field(
        primary_key=True, foreign_key="users.id", ondelete="CASCADE", max_length=32
    )
    secret_encrypted: str = Field(max_length=200)
    enabled_at: datetime | None = None
    last_step: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class RecoveryCode(SQLModel, table=True):
    """A single-use recovery code; only its keyed hash is stored, deleted when used."""

    __tablename__ = "recovery_codes"

    id: str = id_field()
    user_id: str = user_fk()
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
