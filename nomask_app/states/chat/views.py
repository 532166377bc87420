"""What the chat page shows of conversations and messages (view data only)."""

import dataclasses
from datetime import datetime

from nomask_app.integrations.llm import ModelInfo
from nomask_app.models import Conversation, Message, StoredFile

# The composer's DOM id: handlers clear it with `rx.set_value` after a send.
COMPOSER_ID = "composer"


@dataclasses.dataclass
class FileView:
    """An attachment under a message."""

    id: str = ""
    name: str = ""
    url: str = ""
    is_image: bool = False


@dataclasses.dataclass
class MessageView:
    """One message as the page renders it."""

    id: str = ""
    role: str = "user"
    content: str = ""
    status: str = "complete"
    error: str = ""
    time: str = ""
    time_iso: str = ""
    model: str = ""
    note: str = ""
    stream_src: str = ""
    files: list[FileView] = dataclasses.field(default_factory=list)
    # Which version this is, of how many (0 of 0 when it has no other version).
    version: int = 0
    versions: int = 0


@dataclasses.dataclass
class ModelOption:
    """An entry of the "Model" picker."""

    id: str = ""
    label: str = ""


@dataclasses.dataclass
class ConversationView:
    """An entry of the conversation list (or a search hit)."""

    id: str = ""
    title: str = ""
    when: str = ""
    snippet: str = ""


def short_time(moment: datetime) -> str:
    """A compact UTC timestamp such as "29 Nov 14:05 UTC"."""
    return f"{moment:%d %b %H:%M} UTC"


def file_view(item: StoredFile) -> FileView:
    """An attachment's view."""
    return FileView(
        id=item.id,
        name=item.filename,
        url=f"/api/files/{item.id}",
        is_image=item.content_type.startswith("image/"),
    )


def message_view(
    message: Message,
    attached: list[StoredFile] = (),
    labels: dict[str, str] | None = None,
    position: tuple[int, int] = (0, 0),
) -> MessageView:
    """A message's view; a reply still being written carries its stream URL.

    `position` is (which version, of how many) for a message with versions.
    """
    note = ""
    if message.context_dropped:
        count = message.context_dropped
        note = (
            f"{count} earlier message{'s were' if count > 1 else ' was'} left out "
            "to fit the model's context window."
        )
    streaming = message.role == "assistant" and message.status == "streaming"
    model = (labels or {}).get(message.model, message.model) if message.role == "assistant" else ""
    return MessageView(
        id=message.id,
        role=message.role,
        content=message.content,
        status=message.status,
        error=message.error,
        time=short_time(message.created_at),
        time_iso=message.created_at.isoformat(),
        model=model,
        note=note,
        stream_src=(
            f"/api/messages/{message.id}/stream?offset={len(message.content)}" if streaming else ""
        ),
        files=[file_view(item) for item in attached],
        version=position[0],
        versions=position[1],
    )


def model_option(model: ModelInfo) -> ModelOption:
    """A picker entry."""
    return ModelOption(id=model.id, label=model.label)


def conversation_view(conversation: Conversation, snippet: str = "") -> ConversationView:
    """A list entry."""
    return ConversationView(
        id=conversation.id,
        title=conversation.title,
        when=short_time(conversation.updated_at),
        snippet=snippet,
    )
