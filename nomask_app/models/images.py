"""Files people upload or the app generates, stored privately on disk (policy §1.2)."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from nomask_app.models.common import id_field, user_fk, utcnow


class StoredFile(SQLModel, table=True):
    """Metadata of one private file; the bytes live in the file store under `storage_key`.

    A file belongs to its user, and to a conversation (and message) when it
    came from one; it is deleted with them. `kind` is ``upload``,
    ``generated`` (by an image model) or ``edited`` (a new version of
    `source_file_id`, which is never overwritten).
    """

    __tablename__ = "stored_files"

    id: str = id_field()
    user_id: str = user_fk()
    conversation_id: str | None = Field(
        default=None, foreign_key="conversations.id", ondelete="CASCADE", index=True, max_length=32
    )
    message_id: str | None = Field(
        default=None, foreign_key="messages.id", ondelete="SET NULL", index=True, max_length=32
    )
    source_file_id: str | None = Field(
        default=None, foreign_key="stored_files.id", ondelete="SET NULL", max_length=32
    )
    kind: str = Field(default="upload", max_length=16)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    width: int | None = None
    height: int | None = None
    storage_key: str = Field(max_length=200, unique=True)
    # Images get a small preview, made once when they are stored and kept
    # under its own key; it is removed from disk together with the file.
    thumbnail_key: str | None = Field(default=None, max_length=200)
    # What an AI model was asked for an image it made (``generated`` or
    # ``edited``), so it can be shown and asked again; empty for uploads.
    prompt: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    model: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    image_size: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow)
