"""Privacy: consents, exports, deletions, policy versions, what AI providers received."""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from nomask_app.models.common import id_field, user_fk, utcnow


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


class DataExport(SQLModel, table=True):
    """One "Export my data" archive (policy §5 "Access").

    `status` is ``queued``, ``running``, ``ready`` or ``failed``; `progress`
    is a percentage. A ready archive lives at `services.privacy.exports.archive_path`
    until `expires_at`, then the row and the file are deleted.
    """

    __tablename__ = "data_exports"

    id: str = id_field()
    user_id: str = user_fk()
    status: str = Field(default="queued", max_length=16)
    progress: int = Field(default=0, ge=0, le=100)
    size_bytes: int = Field(default=0, ge=0)
    error: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, index=True)


class AccountDeletion(SQLModel, table=True):
    """An account whose deletion started: written first, gone with the account itself.

    A deletion interrupted by a crash or an unreachable Stripe is finished by
    the periodic privacy sweep (services/privacy/account_deletion.py).
    """

    __tablename__ = "account_deletions"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: str = id_field()
    user_id: str = user_fk()
    requested_at: datetime = Field(default_factory=utcnow)
    attempts: int = Field(default=0, ge=0)


class PolicyRelease(SQLModel, table=True):
    """A privacy policy version announced with `python -m nomask_app.cli publish-policy`.

    The newest release is the policy in force: every process reads its text
    from here at request time. Signed-in people who have not acknowledged it
    see a banner.
    """

    __tablename__ = "policy_releases"

    id: str = id_field()
    version: str = Field(max_length=32, unique=True)
    effective: date
    published_at: datetime = Field(default_factory=utcnow, index=True)
    emails_sent: int = Field(default=0, ge=0)
    markdown: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ProviderRequest(SQLModel, table=True):
    """One request sent to an AI provider on a person's behalf (policy §3: recipients).

    Ids only, never content: which conversation and messages (as a JSON list of
    message ids) or files went to which provider and model, when, and the
    tokens counted. Kept when a conversation is deleted, because the provider
    received it all the same; erased with the account
    (services/privacy/provider_ledger.py).
    """

    __tablename__ = "provider_requests"
    __table_args__ = (Index("ix_provider_requests_user_created", "user_id", "created_at"),)

    id: str = id_field()
    user_id: str = user_fk()
    kind: str = Field(default="chat", max_length=16)  # chat | image_generate | image_edit
    # No foreign keys: the record outlives a deleted conversation or message.
    conversation_id: str | None = Field(default=None, max_length=32)
    reply_message_id: str | None = Field(default=None, max_length=32, index=True)
    message_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    file_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    provider: str = Field(max_length=64)
    model: str = Field(max_length=200)
    deployment: str = Field(default="", max_length=200)
    status: str = Field(default="sent", max_length=16)  # sent | complete | stopped | failed
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
