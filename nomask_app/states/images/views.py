"""What the image studio shows of images, models and conversations (view data only)."""

import dataclasses

from nomask_app.integrations.llm_images import ImageModelInfo
from nomask_app.models import Conversation, StoredFile
from nomask_app.services.images.gallery import KIND_LABELS


@dataclasses.dataclass
class ImageView:
    """An image of the gallery."""

    id: str = ""
    name: str = ""
    kind: str = ""
    kind_label: str = ""
    url: str = ""
    thumb_url: str = ""
    size_label: str = ""
    conversation_id: str = ""
    prompt: str = ""
    model: str = ""
    image_size: str = ""


@dataclasses.dataclass
class ImageModelOption:
    """An entry of the "Image model" picker."""

    id: str = ""
    label: str = ""
    sizes: list[str] = dataclasses.field(default_factory=list)
    max_images: int = 1
    supports_edit: bool = False


@dataclasses.dataclass
class ConversationOption:
    """A conversation an image can be sent to."""

    id: str = ""
    title: str = ""


def image_view(row: StoredFile) -> ImageView:
    """A gallery entry."""
    size = f"{row.width}×{row.height}" if row.width and row.height else ""
    return ImageView(
        id=row.id,
        name=row.filename,
        kind=row.kind,
        kind_label=KIND_LABELS.get(row.kind, "Uploaded"),
        url=f"/api/files/{row.id}",
        thumb_url=f"/api/files/{row.id}/thumbnail",
        size_label=size,
        conversation_id=row.conversation_id or "",
        prompt=row.prompt,
        model=row.model,
        image_size=row.image_size,
    )


def model_option(model: ImageModelInfo) -> ImageModelOption:
    """A picker entry."""
    return ImageModelOption(
        id=model.id,
        label=model.label,
        sizes=list(model.sizes),
        max_images=model.max_images,
        supports_edit=model.supports_edit,
    )


def conversation_option(conversation: Conversation) -> ConversationOption:
    """A "Send to chat" destination."""
    return ConversationOption(id=conversation.id, title=conversation.title)
