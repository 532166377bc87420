"""Asking AI image models for pictures ("Generate image", "Edit with AI", "/image" in chat).

Every request checks the plan first (nothing is used up or stored when it
refuses), then calls the model through the image gateway without holding a
database session, then stores what came back (checked like any upload) in one
transaction together with its usage. Sessions are opened here, per step, like
the reply jobs in services.chat.generation do.
"""

import asyncio
import base64
import binascii
import io
import warnings
from collections.abc import Awaitable, Callable

from PIL import Image
from sqlmodel import Session

from nomask_app.db import session_scope
from nomask_app.integrations.llm_images import (
    ImageModelInfo,
    ImageResult,
    ProviderError,
    get_image_gateway,
)
from nomask_app.models import Conversation, StoredFile
from nomask_app.services.billing.quotas import check_quota
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.images import gallery, image_editing
from nomask_app.services.operations import ratelimit
from nomask_app.services.privacy import provider_ledger

PROMPT_MAX = 4000
EDIT_SIDE = 1536  # what is sent for an AI edit, at most, a side
MASK_MAX_BYTES = 4_000_000
MASK_MAX_PIXELS = 4096 * 4096
CHAT_COMMAND = "/image"
_MASK_PREFIX = "data:image/png;base64,"


async def _limit(user_id: str, ip: str) -> None:
    """Image requests are rate limited per person and address (raises RateLimited)."""
    await asyncio.to_thread(ratelimit.hit, ratelimit.IMAGE_GENERATE, user=user_id, ip=ip)


async def _run(function: Callable, /, **kwargs):
    """Run a service function in a thread, in a transaction of its own."""

    def work():
        with session_scope() as session:
            result = function(session=session, **kwargs)
            session.flush()
            return result

    return await asyncio.to_thread(work)


async def _ask(
    call: Callable[[], Awaitable[ImageResult]], *, user_id: str, model: ImageModelInfo, **sent
) -> ImageResult:
    """Record what goes to the provider (before it goes), then send it.

    `sent` names the kind and the ids that go with the prompt (a file, a
    conversation). A refusal is noted on the record: the provider had it all the same.
    """
    record = await _run(
        provider_ledger.record, user_id=user_id, provider=model.provider, model=model.id, **sent
    )
    try:
        return await call()
    except ProviderError:
        if record is not None:
            await _run(provider_ledger.complete, request_id=record.id, status="failed")
        raise


def check_prompt(prompt: str, field: str = "prompt") -> str:
    """A usable prompt (FieldErrors under `field` otherwise)."""
    cleaned = (prompt or "").strip()
    if not cleaned:
        raise FieldErrors({field: "Describe the image you want."})
    if len(cleaned) > PROMPT_MAX:
        raise FieldErrors({field: f"Use at most {PROMPT_MAX:,} characters."})
    return cleaned


def image_model(model_id: str, *, for_edit: bool = False) -> ImageModelInfo:
    """A configured image model (the first one when `model_id` is empty).

    Raises:
        FieldErrors: unknown, or it cannot edit images (key "model").
    """
    gateway = get_image_gateway()
    candidates = [m for m in gateway.models() if m.supports_edit or not for_edit]
    model = gateway.model(model_id) if model_id else (candidates[0] if candidates else None)
    if model is None or model not in candidates:
        message = "Choose an image model that can edit images." if for_edit else ""
        raise FieldErrors({"model": message or "Choose one of the image models."})
    return model


def _stored(
    result: ImageResult, model: ImageModelInfo, prompt: str, size: str = ""
) -> gallery.ModelImages:
    return gallery.ModelImages(
        result.images, model.id, result.provider, result.cost_usd, prompt, size
    )


async def generate(
    *, user_id: str, prompt: str, model_id: str, size: str, count: int, ip: str = ""
) -> list[StoredFile]:
    """Draw `count` images of `size` into the person's gallery ("Generate image").

    Raises:
        FieldErrors: bad prompt, model, size or count.
        QuotaExceeded: the plan allows no more images now (nothing is stored).
        ProviderError: the provider failed; the message is fit to show.
        RateLimited: too many image requests just now.
    """
    prompt = check_prompt(prompt)
    model = image_model(model_id)
    if size not in model.sizes:
        raise FieldErrors({"size": f"Choose one of: {', '.join(model.sizes)}."})
    if not 1 <= count <= model.max_images:
        raise FieldErrors({"count": f"{model.label} makes 1 to {model.max_images} at a time."})
    await _limit(user_id, ip)
    await _run(check_quota, user_id=user_id, kind="image", count=count, model=model.id)
    result = await _ask(
        lambda: get_image_gateway().generate(model.id, prompt, size=size, count=count),
        user_id=user_id,
        model=model,
        kind=provider_ledger.IMAGE_GENERATE,
    )
    return await _run(
        gallery.store_model_images,
        user_id=user_id,
        result=_stored(result, model, prompt, size),
        kind="generated",
    )


def decode_mask(data_url: str) -> Image.Image | None:
    """The painted mask's alpha channel (0 = change here), or None when nothing was painted.

    Raises:
        FieldErrors: not a PNG data URL, too large, or unreadable (key "mask").
    """
    if not data_url:
        return None
    problem = FieldErrors({"mask": "The painted mask could not be read; clear it and paint again."})
    if not data_url.startswith(_MASK_PREFIX) or len(data_url) > MASK_MAX_BYTES * 4 // 3 + 64:
        raise problem
    try:
        data = base64.b64decode(data_url[len(_MASK_PREFIX) :], validate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as painted:
                if painted.format != "PNG" or painted.width * painted.height > MASK_MAX_PIXELS:
                    raise problem
                alpha = painted.convert("RGBA").getchannel("A")
    except (
        binascii.Error,
        ValueError,
        OSError,
        Image.DecompressionBombWarning,
    ):
        raise problem from None
    low, _ = alpha.getextrema()
    return alpha if low < 255 else None


def _edit_inputs(
    *,
    session: Session,
    user_id: str,
    file_id: str,
    recipe: image_editing.Recipe,
    mask: Image.Image | None,
    model_id: str,
) -> tuple[bytes, bytes | None]:
    source = gallery.get_image(session=session, user_id=user_id, file_id=file_id)
    check_quota(session=session, user_id=user_id, kind="image", model=model_id)
    picture = image_editing.render_full(source, recipe)
    picture.thumbnail((EDIT_SIDE, EDIT_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    if mask is None:
        return buffer.getvalue(), None
    # OpenAI's convention: same size as the image; transparent where it may change.
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 255))
    layer.putalpha(mask.resize(picture.size, Image.Resampling.NEAREST))
    mask_buffer = io.BytesIO()
    layer.save(mask_buffer, "PNG")
    return buffer.getvalue(), mask_buffer.getvalue()


def _store_edit(
    *, session: Session, user_id: str, file_id: str, result: gallery.ModelImages
) -> StoredFile:
    source = gallery.get_image(session=session, user_id=user_id, file_id=file_id)
    rows = gallery.store_model_images(
        session=session, user_id=user_id, result=result, kind="edited", source=source
    )
    return rows[0]


async def edit_with_ai(
    *,
    user_id: str,
    file_id: str,
    recipe: image_editing.Recipe,
    mask_data_url: str,
    prompt: str,
    model_id: str,
    ip: str = "",
) -> StoredFile:
    """Send the image (as edited so far), the painted mask and the prompt ("Edit with AI").

    The result is a new version of the image; the original stays as it is.

    Raises:
        FieldErrors: bad prompt, model or mask.
        NotFound: not the person's image.
        QuotaExceeded: the plan allows no more images now.
        ProviderError: the provider failed.
        RateLimited: too many image requests just now.
    """
    prompt = check_prompt(prompt, "edit_prompt")
    model = image_model(model_id, for_edit=True)
    mask = decode_mask(mask_data_url)
    await _limit(user_id, ip)
    picture, mask_png = await _run(
        _edit_inputs,
        user_id=user_id,
        file_id=file_id,
        recipe=recipe,
        mask=mask,
        model_id=model.id,
    )
    result = await _ask(
        lambda: get_image_gateway().edit(model.id, prompt, image=picture, mask=mask_png),
        user_id=user_id,
        model=model,
        kind=provider_ledger.IMAGE_EDIT,
        file_ids=[file_id],
    )
    return await _run(
        _store_edit, user_id=user_id, file_id=file_id, result=_stored(result, model, prompt)
    )


def parse_command(text: str) -> str | None:
    """The prompt of an "/image <prompt>" chat message, or None for any other message."""
    stripped = (text or "").strip()
    command, rest = stripped[: len(CHAT_COMMAND)], stripped[len(CHAT_COMMAND) :]
    if command.lower() != CHAT_COMMAND or (rest and not rest[0].isspace()):
        return None
    return rest.strip()


def _check_conversation(*, session: Session, user_id: str, conversation_id: str | None) -> None:
    if conversation_id:
        conversations.get_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )


def _store_chat_image(
    *,
    session: Session,
    user_id: str,
    conversation_id: str | None,
    text: str,
    result: gallery.ModelImages,
    label: str,
) -> str:
    if conversation_id:
        conversation = conversations.get_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
    else:
        conversation = Conversation(user_id=user_id, title=conversations.auto_title(result.prompt))
        session.add(conversation)
        session.flush()
    conversations.add_message(session=session, conversation=conversation, role="user", content=text)
    reply = conversations.add_message(
        session=session,
        conversation=conversation,
        role="assistant",
        content=f"Here is an image for “{result.prompt}”, made with {label}.",
        model=result.model_id,
    )
    gallery.store_model_images(
        session=session,
        user_id=user_id,
        result=result,
        kind="generated",
        conversation_id=conversation.id,
        message_id=reply.id,
    )
    return conversation.id


async def generate_in_chat(
    *, user_id: str, conversation_id: str | None, text: str, model_id: str = "", ip: str = ""
) -> str:
    """Answer "/image <prompt>" in a conversation (a new one without an id) with an image.

    With `model_id` (an image model picked in the chat's "Model"), the whole text
    is the prompt, "/image" being optional; without it, the first image model draws.

    Returns:
        The conversation's id.

    Raises:
        FieldErrors: no prompt, or an unknown image model (key "message").
        NotFound: a foreign conversation.
        QuotaExceeded: the plan allows no more images now (nothing is stored).
        ProviderError: the provider failed (nothing is stored; the text stays).
        RateLimited: too many image requests just now.
    """
    prompt = parse_command(text)
    if prompt is None and model_id:
        prompt = text.strip()
    if not prompt:
        raise FieldErrors(
            {
                "message": "Describe the picture to create."
                if model_id
                else "Describe the image after /image, e.g. “/image a lighthouse at dawn”."
            }
        )
    prompt = check_prompt(prompt, "message")
    try:
        model = image_model(model_id)
    except FieldErrors as unknown:
        raise FieldErrors({"message": unknown.errors["model"]}) from unknown
    await _run(_check_conversation, user_id=user_id, conversation_id=conversation_id)
    await _limit(user_id, ip)
    await _run(check_quota, user_id=user_id, kind="image", model=model.id)
    result = await _ask(
        lambda: get_image_gateway().generate(model.id, prompt, size=model.sizes[0], count=1),
        user_id=user_id,
        model=model,
        kind=provider_ledger.IMAGE_GENERATE,
        conversation_id=conversation_id,
    )
    return await _run(
        _store_chat_image,
        user_id=user_id,
        conversation_id=conversation_id,
        text=text.strip(),
        result=_stored(result, model, prompt, model.sizes[0]),
        label=model.label,
    )
