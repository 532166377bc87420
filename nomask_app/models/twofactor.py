"""Two-factor sign-in: an authenticator app's secret and single-use recovery codes."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from nomask_app.models.base import id_field, user_fk, utcnow


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
