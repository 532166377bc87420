"""Consents: what a person agreed to, when, and under which policy version."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from nomask_app.models.base import id_field, user_fk, utcnow


class ConsentRecord(SQLModel, table=True):
    """One recorded decision (policy acceptance, age confirmation, cookies, ...).

    Cookie decisions of visitors who are not signed in carry only `consent_id`,
    the random id kept in their essential consent cookie.
    """

    __tablename__ = "consent_records"

    id: str = id_field()
    user_id: str | None = user_fk(nullable=True)
    consent_id: str | None = Field(default=None, max_length=32, index=True)
    subject: str = Field(max_length=32)
    choice: str = Field(max_length=32)
    policy_version: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
