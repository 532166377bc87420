"""What the chat page shows of conversations and messages (view data only)."""

import dataclasses
from datetime import datetime

from nomask_app.integrations.llm import ModelInfo
from nomask_app.models import Conversation, Message, StoredFile
from nomask_app.services.chat.date_groups import GROUPS, as_utc, date_group

# The composer's DOM id: handlers clear it with `rx.set_value` after a send
# (the page then removes only the sent text: composer.jsx).
COMPOSER_ID = "composer"


@dataclasses.dataclass
class FileView:
    """An attachment under a message."""

    id: str = ""
    name: str = ""
    url: str = ""
    is_image: bool = False
    # An image smaller than its on-screen minimum: scaled up with sharp pixels.
    small: bool = False


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
    updated_iso: str = ""


@dataclasses.dataclass
class ConversationGroup:
    """Conversations under one date heading of the sidebar ("Today", ...)."""

    label: str = ""
    conversations: list[ConversationView] = dataclasses.field(default_factory=list)


# Images whose longer side is below this show scaled up (see .nm-thumb in reply.css).
THUMB_MIN_SIDE = 160


def short_time(moment: datetime) -> str:
    """A compact UTC timestamp ("29 Nov 14:05 UTC"); the page shows the person's zone."""
    return f"{as_utc(moment):%d %b %H:%M} UTC"


def iso_time(moment: datetime) -> str:
    """An ISO 8601 moment with its UTC offset, for `<time datetime>` and the browser."""
    return as_utc(moment).isoformat()


def group_by_date(
    views: list[ConversationView], zone: str, now: datetime
) -> list[ConversationGroup]:
    """Conversations (newest first) under the date headings that have any, in order."""
    grouped: dict[str, list[ConversationView]] = {label: [] for label in GROUPS}
    for view in views:
        label = date_group(datetime.fromisoformat(view.updated_iso), now, zone)
        grouped[label].append(view)
    return [ConversationGroup(label, items) for label, items in grouped.items() if items]


def file_view(item: StoredFile) -> FileView:
    """An attachment's view."""
    is_image = item.content_type.startswith("image/")
    return FileView(
        id=item.id,
        name=item.filename,
        url=f"/api/files/{item.id}",
        is_image=is_image,
        small=is_image and 0 < max(item.width or 0, item.height or 0) < THUMB_MIN_SIDE,
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
        time_iso=iso_time(message.created_at),
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
        updated_iso=iso_time(conversation.updated_at),
    )
