"""The append-only trail of security events (policy §1.3, §6)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from nomask_app.models.common import id_field, user_fk, utcnow


class SecurityEvent(SQLModel, table=True):
    """A sign-in, sign-out, failure or other security-relevant event.

    `detail` holds a short JSON object and never a password, token or message.
    """

    __tablename__ = "security_events"

    id: str = id_field()
    user_id: str | None = user_fk(nullable=True)
    kind: str = Field(max_length=48, index=True)
    ip_address: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=512)
    detail: str = Field(default="{}", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class JobLease(SQLModel, table=True):
    """Which instance runs a background job, until when (`services/operations/leases.py`).

    A row per job name ("privacy-sweep", "export:<user id>:<export id>",
    "deletion:<user id>"): whoever moves
    `expires_at` forward while it lies in the past owns the job; the owner
    renews it while it works, so a dead instance's job is taken over.
    """

    __tablename__ = "job_leases"

    name: str = Field(primary_key=True, max_length=96)
    owner: str = Field(default="", max_length=128)
    expires_at: datetime
