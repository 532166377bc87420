"""Conversations and their messages (policy §1.2: kept until the user deletes them)."""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from nomask_app.models.base import id_field, user_fk, utcnow


class Conversation(SQLModel, table=True):
    """One chat thread, owned by one user."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_recent", "user_id", "updated_at"),)

    id: str = id_field()
    user_id: str = user_fk()
    title: str = Field(default="New chat", max_length=200)
    title_is_auto: bool = True
    model: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    """A user message or an assistant reply, with what the reply cost.

    `status` is ``complete`` for finished messages, ``streaming`` while a reply
    is being generated (its content grows), ``stopped`` or ``failed``.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_seq", "conversation_id", "seq"),)

    id: str = id_field()
    conversation_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", index=True, max_length=32
    )
    user_id: str = user_fk()
    seq: int
    role: str = Field(max_length=16)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="complete", max_length=16)
    error: str = Field(default="", max_length=500)
    # The model picked (public id), and the provider deployment that answered.
    model: str = Field(default="", max_length=200)
    deployment: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=64)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    # How many earlier messages were left out to fit the model's context window.
    context_dropped: int = 0
    # Set by "Stop" when the reply is being written by another worker process.
    stop_requested: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
