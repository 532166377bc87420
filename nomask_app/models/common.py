"""Helpers shared by every table: ids and UTC timestamps."""

import secrets
from datetime import UTC, datetime

from sqlmodel import Field


def new_id() -> str:
    """Return a random, unguessable 128-bit id (32 hex characters)."""
    return secrets.token_hex(16)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC.

    SQLModel stores aware datetimes and returns them in UTC on every database.
    """
    return datetime.now(UTC)


def id_field() -> str:
    """A primary key column holding a `new_id()`."""
    return Field(default_factory=new_id, primary_key=True, max_length=32)


def user_fk(*, nullable: bool = False) -> str | None:
    """A foreign key to the owning user; rows go when the user goes."""
    return Field(
        default=None if nullable else ...,
        foreign_key="users.id",
        ondelete="CASCADE",
        index=True,
        max_length=32,
        nullable=nullable,
    )
