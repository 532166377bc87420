"""Preparing a reply: pick the model, store the turn, and build what the model sees.

This is where a chat turn meets the model catalogue: the vision check, text
attachments inlined into the context, and trimming to the model's window.
The job itself runs in `services.chat.generation`.
"""

import base64
from dataclasses import dataclass

from sqlalchemy import Row
from sqlmodel import Session

from nomask_app.config import get_settings
from nomask_app.integrations.llm import ModelInfo, get_gateway
from nomask_app.models import StoredFile
from nomask_app.services.billing.quotas import check_quota
from nomask_app.services.billing.usage import record_usage
from nomask_app.services.chat import branches, context, conversations, reply_progress
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.images import files
from nomask_app.services.privacy import provider_ledger

# Room left for the reply itself inside the model's context window.
_REPLY_RESERVE_SHARE = 4
_REPLY_RESERVE_MAX = 4096


@dataclass(frozen=True)
class PreparedReply:
    """Everything `generation.jobs.start` needs, after the turn is stored."""

    turn: conversations.Turn
    model_id: str
    messages: list[dict]
    context_dropped: int


def pick_model(requested: str, fallback: str = "") -> ModelInfo:
    """The requested model if it is configured, else the fallback, else the first one."""
    gateway = get_gateway()
    return gateway.model(requested) or gateway.model(fallback) or gateway.models()[0]


def _render(message: Row, attached: list[StoredFile], model: ModelInfo) -> dict:
    """A stored message (id, role, content) as the provider gets it, attachments included."""
    if message.role != "user":
        return {"role": "assistant", "content": message.content}
    text = message.content
    images: list[dict] = []
    for item in attached:
        if item.content_type.startswith("image/"):
            if model.supports_vision:
                encoded = base64.b64encode(files.read_bytes(item)).decode()
                images.append(
                    {
                        "type": "image_url",
                        "image_url": {"url": f"data:{item.content_type};base64,{encoded}"},
                    }
                )
            else:
                text += f"\n\n[An image “{item.filename}” was attached; this model cannot see it.]"
        else:
            body = files.read_bytes(item).decode("utf-8", "replace")
            text += f"\n\nAttached file “{item.filename}”:\n```\n{body}\n```"
    if images:
        return {"role": "user", "content": [{"type": "text", "text": text}, *images]}
    return {"role": "user", "content": text}


def _prepare(session: Session, turn: conversations.Turn, model: ModelInfo) -> PreparedReply:
    """Build what the model sees, and record what is about to go to its provider."""
    gateway = get_gateway()
    reserve = min(_REPLY_RESERVE_MAX, model.max_input_tokens // _REPLY_RESERVE_SHARE)
    attachments = files.files_of_conversation(
        session=session, user_id=turn.conversation.user_id, conversation_id=turn.conversation.id
    )
    messages, dropped, sent = context.build_context(
        session=session,
        conversation_id=turn.conversation.id,
        upto_seq=turn.user_message.seq,
        budget_tokens=model.max_input_tokens - reserve,
        count_tokens=lambda rendered: gateway.count_tokens(model.id, rendered),
        render=lambda message: _render(message, attachments.get(message.id, []), model),
    )
    provider_ledger.record(
        session=session,
        user_id=turn.conversation.user_id,
        provider=model.provider,
        model=model.id,
        conversation_id=turn.conversation.id,
        reply_message_id=turn.reply.id,
        message_ids=sent,
        file_ids=[
            item.id
            for message_id in sent
            for item in attachments.get(message_id, [])
            if model.supports_vision or not item.content_type.startswith("image/")
        ],
    )
    return PreparedReply(turn, model.id, messages, dropped)


def _refuse_images_for_blind_models(
    session: Session, user_id: str, attachment_ids: tuple[str, ...], model: ModelInfo
) -> None:
    if model.supports_vision:
        return
    for file_id in attachment_ids:
        item = session.get(StoredFile, file_id)
        if item is not None and item.user_id == user_id and item.content_type.startswith("image/"):
            raise FieldErrors(
                {
                    "file": f"{model.label} cannot see images. Pick a model that supports "
                    "images, or remove the image."
                }
            )


def start_turn(
    *,
    session: Session,
    user_id: str,
    conversation_id: str | None,
    text: str,
    model_id: str,
    attachment_ids: tuple[str, ...] = (),
    temporary_session_id: str | None = None,
) -> PreparedReply:
    """Store the user's message and an empty reply, and build the model's context.

    A new conversation with `temporary_session_id` is a temporary chat of that session.

    Raises:
        FieldErrors: bad text, or images for a model that cannot see them.
        NotFound: a foreign conversation or attachment.
        QuotaExceeded: the plan allows no more messages now (nothing is stored).
    """
    model = pick_model(model_id)
    check_quota(session=session, user_id=user_id, kind="message", model=model.id)
    _refuse_images_for_blind_models(session, user_id, attachment_ids, model)
    turn = conversations.post_user_message(
        session=session,
        user_id=user_id,
        conversation_id=conversation_id,
        text=text,
        model_id=model.id,
        max_chars=get_settings().max_message_chars,
        attachment_ids=attachment_ids,
        temporary_session_id=temporary_session_id,
    )
    return _prepare(session, turn, model)


def regenerate(
    *, session: Session, user_id: str, conversation_id: str, model_id: str
) -> PreparedReply:
    """Answer the last message again, keeping the earlier reply as a version (Regenerate, Retry)."""
    model = pick_model(model_id)
    check_quota(session=session, user_id=user_id, kind="message", model=model.id)
    turn = branches.regenerate_last_reply(
        session=session, user_id=user_id, conversation_id=conversation_id, model_id=model.id
    )
    return _prepare(session, turn, model)


def edit_and_resend(
    *, session: Session, user_id: str, message_id: str, text: str, model_id: str
) -> PreparedReply:
    """Branch from a user message with a new version of it, and answer that."""
    model = pick_model(model_id)
    check_quota(session=session, user_id=user_id, kind="message", model=model.id)
    turn = branches.edit_user_message(
        session=session,
        user_id=user_id,
        message_id=message_id,
        text=text,
        model_id=model.id,
        max_chars=get_settings().max_message_chars,
    )
    return _prepare(session, turn, model)


def finish_reply(
    *,
    session: Session,
    message_id: str,
    content: str,
    status: str,
    error: str = "",
    context_dropped: int = 0,
    served_model: str = "",
    deployment: str = "",
    provider: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cost_usd: float = 0.0,
    tried: tuple[tuple[str, str], ...] = (),
) -> None:
    """Store a reply's end, note it in the provider record, count it against the plan.

    Usage is recorded for the model that answered (`served_model`, see
    `reply_progress.finish_reply`). `tried` lists (deployment, provider) for
    each deployment the request went to, in order (a failover tries several):
    each one received the messages.
    """
    message = reply_progress.finish_reply(
        session=session,
        message_id=message_id,
        content=content,
        status=status,
        error=error,
        context_dropped=context_dropped,
        served_model=served_model,
        deployment=deployment,
        provider=provider,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=cost_usd,
    )
    provider_ledger.complete(
        session=session,
        reply_message_id=message_id,
        status=status,
        provider=provider,
        deployment=deployment,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        tried=tried,
    )
    if message is not None and status in ("complete", "stopped"):
        record_usage(
            session=session,
            user_id=message.user_id,
            kind="message",
            model=message.model,
            provider=provider or "unknown",
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=cost_usd,
        )
