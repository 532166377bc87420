"""Single-use links sent by email: verify an address, change it, reset a password."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from nomask_app.models.base import id_field, user_fk, utcnow


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
