"""The image studio's files: the gallery, uploads, images from AI models, sharing into chat.

Every image is a `StoredFile` of its owner (policy §1.2): an ``upload``, an
image ``generated`` by a model, or an ``edited`` version of another image
(`source_file_id`; the original is never overwritten). An image that came
from a conversation belongs to it and goes when it is deleted. Every query
filters by the owner; someone else's id is `NotFound`.
"""

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from nomask_app.config import get_settings
from nomask_app.models import Conversation, StoredFile
from nomask_app.services.billing.quotas import check_quota
from nomask_app.services.billing.usage import record_usage
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.common.text import clean_text
from nomask_app.services.images import files
from nomask_app.services.images.uploads import PreparedUpload, prepare_upload

GALLERY_PAGE = 60
NOTE_MAX = 2000
KIND_LABELS = {"upload": "Uploaded", "generated": "Generated", "edited": "Edited"}


def _is_image():
    return col(StoredFile.content_type).startswith("image/")


def list_images(
    *, session: Session, user_id: str, limit: int = GALLERY_PAGE
) -> tuple[list[StoredFile], bool]:
    """The person's images, newest first, and whether there are more."""
    rows = list(
        session.exec(
            select(StoredFile)
            .where(StoredFile.user_id == user_id, _is_image())
            .order_by(col(StoredFile.created_at).desc(), col(StoredFile.id).desc())
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit


def get_image(*, session: Session, user_id: str, file_id: str) -> StoredFile:
    """One of the person's images.

    Raises:
        NotFound: no such image, someone else's, or not an image.
    """
    row = files.get_file(session=session, user_id=user_id, file_id=file_id)
    if not row.content_type.startswith("image/"):
        raise NotFound(file_id)
    return row


def check_image(data: bytes, filename: str) -> PreparedUpload:
    """Validate and clean image bytes (by content; caps, bombs, metadata, polyglots).

    Raises:
        FieldErrors: under "file", naming the file.
    """
    settings = get_settings()
    return prepare_upload(
        data,
        filename,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        max_text_bytes=0,
        images_only=True,
    )


def store_prepared(
    *,
    session: Session,
    user_id: str,
    prepared: PreparedUpload,
    kind: str,
    source: StoredFile | None = None,
    conversation_id: str | None = None,
    message_id: str | None = None,
) -> StoredFile:
    """Store a checked image with its thumbnail (the caller commits).

    A new version of `source` belongs to the same conversation as its source.
    """
    if source is not None and conversation_id is None:
        conversation_id = source.conversation_id
    return files.store_bytes(
        session=session,
        user_id=user_id,
        data=prepared.data,
        filename=prepared.filename,
        content_type=prepared.content_type,
        kind=kind,
        conversation_id=conversation_id,
        message_id=message_id,
        source_file_id=source.id if source is not None else None,
        width=prepared.width,
        height=prepared.height,
        thumbnail=prepared.thumbnail,
    )


def upload_image(
    *, session: Session, user_id: str, data: bytes, filename: str, size: int | None = None
) -> StoredFile:
    """Check, clean and store one uploaded image; nothing is stored if it is refused.

    Args:
        session: The caller's session (the caller commits).
        user_id: The owner.
        data: The bytes read (at most the server's cap plus one).
        filename: The name the file came with.
        size: The size the whole upload had, when more arrived than was read.

    Raises:
        FieldErrors: a bad file (key "file").
        QuotaExceeded: larger than the plan allows.
    """
    # The plan's limit first: its message names the file, its size and the plan.
    upload_bytes = max(size or 0, len(data))
    check_quota(
        session=session,
        user_id=user_id,
        kind="upload",
        upload_bytes=upload_bytes,
        filename=filename,
    )
    prepared = check_image(data, filename)
    return store_prepared(session=session, user_id=user_id, prepared=prepared, kind="upload")


def name_from_prompt(prompt: str, suffix: str = "") -> str:
    """A file name made of the prompt's first words, e.g. ``a-red-fox.png``."""
    words = re.findall(r"\w+", prompt.lower())[:6]
    return ("-".join(words)[:60].strip("-") or "image") + suffix


@dataclass(frozen=True)
class ModelImages:
    """Images an AI model returned, with who made them, what they cost and what was asked."""

    images: list[bytes]
    model_id: str
    provider: str
    cost_usd: float
    prompt: str
    size: str = ""


def store_model_images(
    *,
    session: Session,
    user_id: str,
    result: ModelImages,
    kind: str,
    source: StoredFile | None = None,
    conversation_id: str | None = None,
    message_id: str | None = None,
) -> list[StoredFile]:
    """Check and store images from a model, and count each one against the plan.

    Provider output is untrusted like any upload: it goes through the same
    checks and re-encoding. Images that fail them are dropped (and not counted).

    Raises:
        FieldErrors: none of the images could be used (key "image").
    """
    rows: list[StoredFile] = []
    several = len(result.images) > 1
    for number, data in enumerate(result.images, start=1):
        # One prompt, several pictures: each gets a name of its own.
        name = name_from_prompt(result.prompt, f"-{number}.png" if several else ".png")
        try:
            prepared = check_image(data, name)
        except FieldErrors:
            continue
        row = store_prepared(
            session=session,
            user_id=user_id,
            prepared=prepared,
            kind=kind,
            source=source,
            conversation_id=conversation_id,
            message_id=message_id,
        )
        row.prompt, row.model, row.image_size = result.prompt, result.model_id, result.size
        rows.append(row)
    if not rows:
        raise FieldErrors({"image": "The AI provider sent an image that could not be read."})
    for _ in rows:
        record_usage(
            session=session,
            user_id=user_id,
            kind="image",
            model=result.model_id,
            provider=result.provider,
            cost=result.cost_usd / len(rows),
        )
    return rows


def share_to_conversation(
    *,
    session: Session,
    user_id: str,
    file_id: str,
    conversation_id: str | None,
    note: str,
) -> Conversation:
    """Send an image into a conversation (a new one when `conversation_id` is empty).

    The image joins a new message with the person's note; from then on it
    belongs to that conversation. An image already attached elsewhere is
    copied, so the earlier message keeps its own.

    Raises:
        NotFound: a foreign image or conversation.
        FieldErrors: a note that is too long or carries unsafe characters (key "note").
    """
    image = get_image(session=session, user_id=user_id, file_id=file_id)
    note, problem = clean_text(note, what="A note", max_len=NOTE_MAX)
    if problem:
        raise FieldErrors({"note": problem})
    if conversation_id:
        conversation = conversations.get_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
    else:
        conversation = Conversation(
            user_id=user_id, title=conversations.auto_title(note or image.filename)
        )
        session.add(conversation)
        session.flush()
    message = conversations.add_message(
        session=session,
        conversation=conversation,
        role="user",
        content=note or f"Image: {image.filename}",
    )
    if image.message_id is None:
        image.conversation_id, image.message_id = conversation.id, message.id
        session.add(image)
    else:
        files.store_bytes(
            session=session,
            user_id=user_id,
            data=files.read_bytes(image),
            filename=image.filename,
            content_type=image.content_type,
            kind=image.kind,
            conversation_id=conversation.id,
            message_id=message.id,
            source_file_id=image.id,
            width=image.width,
            height=image.height,
            thumbnail=files.read_thumbnail(image),
        )
    session.flush()
    return conversation


def delete_image(*, session: Session, user_id: str, file_id: str) -> list[str]:
    """Delete one image (its versions stay, unlinked from it).

    Returns:
        Storage keys (image and thumbnail) for `files.remove_stored` after commit.
    """
    image = get_image(session=session, user_id=user_id, file_id=file_id)
    keys = files.stored_keys(session=session, conditions=[StoredFile.id == image.id])
    session.delete(image)
    return keys
