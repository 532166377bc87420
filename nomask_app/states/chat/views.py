"""What the chat page shows of conversations and messages (view data only)."""

import dataclasses
from datetime import datetime

from nomask_app.integrations.llm import ModelInfo
from nomask_app.models import Conversation, Message, StoredFile
from nomask_app.services.chat.date_groups import GROUPS, as_utc, date_group

# The composer's DOM id: handlers clear it with `rx.set_value` after a send
# (the page then removes only the sent text: composer.jsx).
COMPOSER_ID = "composer"
# The composer form's hidden field: the id of the conversation in the page's address.
CONVERSATION_FIELD = "conversation"


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
    time_iso: str = ""
    model: str = ""
    # Earlier messages left out of the model's context for this reply (the page says so).
    left_out: int = 0
    stream_src: str = ""
    files: list[FileView] = dataclasses.field(default_factory=list)
    # Which version this is, of how many (0 of 0 when it has no other version).
    version: int = 0
    versions: int = 0


@dataclasses.dataclass
class MessageLog:
    """One change to the messages the page shows; the page applies each once, in order.

    `mode` is "reset" (these are all the messages), "add" (each is merged into
    the message with its id, or goes at the end) or "earlier" (these go first). A
    change other than "reset" applies only on top of change `after`: a page that
    has not seen it (a reload) waits for the next "reset". Each item is a
    MessageView as a dict without its default values (`compact`), or, merged
    into a shown message, only what changed (`changed`).
    """

    seq: int = 0
    after: int = -1
    mode: str = "reset"
    items: list[dict] = dataclasses.field(default_factory=list)


# What the page fills in for a field an item leaves out (components/chat/message_log.py).
MESSAGE_DEFAULTS = dataclasses.asdict(MessageView())


def compact(view: MessageView) -> dict:
    """`view` as a dict, without the fields that hold their default value (but its id)."""
    values = dataclasses.asdict(view)
    return {
        name: value
        for name, value in values.items()
        if name == "id" or value != MESSAGE_DEFAULTS[name]
    }


def changed(before: MessageView, after: MessageView) -> dict:
    """The id of `after` and the fields in which it differs from `before`."""
    old, new = dataclasses.asdict(before), dataclasses.asdict(after)
    return {"id": after.id} | {name: value for name, value in new.items() if value != old[name]}


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
    snippet: str = ""
    # When it last changed (server-side, for the date headings; "" on the page).
    updated_iso: str = ""


@dataclasses.dataclass
class ConversationGroup:
    """Conversations under one date heading of the sidebar ("Today", ...)."""

    label: str = ""
    conversations: list[ConversationView] = dataclasses.field(default_factory=list)


# Images whose longer side is below this show scaled up (see .nm-thumb in reply.css).
THUMB_MIN_SIDE = 160


def iso_time(moment: datetime) -> str:
    """An ISO 8601 moment in UTC to the second ("2026-12-06T05:35:24Z"), for `<time datetime>`.

    The page shows minutes; every message sent carries one, so it is kept short.
    """
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


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
    streaming = message.role == "assistant" and message.status == "streaming"
    model = (labels or {}).get(message.model, message.model) if message.role == "assistant" else ""
    return MessageView(
        id=message.id,
        role=message.role,
        content=message.content,
        status=message.status,
        error=message.error,
        time_iso=iso_time(message.created_at),
        model=model,
        left_out=message.context_dropped,
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
        snippet=snippet,
        updated_iso=iso_time(conversation.updated_at),
    )
