"""Accounts, their sessions and the one-time tickets that start a session."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from nomask_app.models.base import id_field, user_fk, utcnow


class User(SQLModel, table=True):
    """A person with an account (policy §1.1)."""

    __tablename__ = "users"

    id: str = id_field()
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=100)
    password_hash: str = Field(max_length=100)
    role: str = Field(default="user", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    age_confirmed_at: datetime
    email_verified_at: datetime | None = None
    default_model: str = Field(default="", max_length=200)
    # Preferences (settings page): light | dark | system, and opt-in marketing email.
    theme: str = Field(default="system", max_length=8)
    product_updates: bool = False


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
