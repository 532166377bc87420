"""Conversation titles that summarise the first exchange.

A conversation starts with a local title (`conversations.auto_title`: the
first line of the first message, cleaned of Markdown). Once the first reply
is complete, the model that wrote it is asked once, briefly, for a title of a
few words. Where that fails (an error, an empty answer, the offline demo),
the local title stays. A title the person chose is never replaced.
"""

import asyncio
import logging
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from nomask_app.integrations.llm import Delta, ProviderError, get_gateway
from nomask_app.models import Message
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import NotFound
from nomask_app.services.privacy import provider_ledger

log = logging.getLogger(__name__)

TITLE_PROMPT = (
    "Write a conversation title of at most six words that summarises the exchange "
    "below. Answer with the title only: no quotes, no punctuation at the end."
)
TITLE_MAX_TOKENS = 24
TITLE_TIMEOUT = 20.0  # seconds; the local title stays if the model takes longer
_EXCERPT_CHARS = 2000  # of the question and of the answer: enough to summarise
_LABEL = re.compile(r"^\s*title\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class TitleRequest:
    """What to ask for a first exchange's title, and the title it would replace."""

    conversation_id: str
    model_id: str
    messages: list[dict]
    current_title: str
    fallback: str


def title_request(*, session: Session, user_id: str, reply_id: str) -> TitleRequest | None:
    """The title request for a just-finished reply, or None when no title is due.

    A title is due after the first complete reply of a conversation whose
    title is still the automatic one.
    """
    try:
        reply = conversations.get_message(session=session, user_id=user_id, message_id=reply_id)
        conversation = conversations.get_conversation(
            session=session, user_id=user_id, conversation_id=reply.conversation_id
        )
    except NotFound:
        return None
    if reply.role != "assistant" or reply.status != "complete" or not conversation.title_is_auto:
        return None
    questions = list(
        session.exec(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.role == "user")
            .order_by(col(Message.seq))
            .limit(2)
        )
    )
    if len(questions) != 1:
        return None
    model = get_gateway().model(reply.model)
    question = questions[0].content
    exchange = f"User:\n{question[:_EXCERPT_CHARS]}\n\nAssistant:\n{reply.content[:_EXCERPT_CHARS]}"
    if model is not None:  # the exchange goes to the provider once more: record it
        provider_ledger.record(
            session=session,
            user_id=user_id,
            provider=model.provider,
            model=model.id,
            conversation_id=conversation.id,
            message_ids=(questions[0].id, reply.id),
        )
    return TitleRequest(
        conversation_id=conversation.id,
        # The model that answered: a fallback's own id once the reply ended.
        model_id=reply.model,
        messages=[
            {"role": "system", "content": TITLE_PROMPT},
            {"role": "user", "content": exchange},
        ],
        current_title=conversation.title,
        fallback=conversations.auto_title(question),
    )


def clean_title(raw: str) -> str:
    """A model's answer as a title: one line, no Markdown, label or quotes ("" if none)."""
    line = next((part for part in (raw or "").splitlines() if part.strip()), "")
    line = _LABEL.sub("", line).strip().strip("\"'“”‘’«»").rstrip(".!?:;,")
    cleaned = conversations.auto_title(line)
    return "" if cleaned == conversations.UNTITLED else cleaned


async def ask_for_title(request: TitleRequest) -> str:
    """The model's title for the exchange, cleaned; "" when it cannot give one."""
    gateway = get_gateway()
    if gateway.is_demo or gateway.model(request.model_id) is None:
        return ""

    async def collect() -> str:
        pieces = []
        stream = gateway.stream(
            request.model_id, request.messages, {"max_tokens": TITLE_MAX_TOKENS}
        )
        try:
            async for item in stream:
                if isinstance(item, Delta):
                    pieces.append(item.text)
        finally:
            await stream.aclose()
        return "".join(pieces)

    try:
        answer = await asyncio.wait_for(collect(), TITLE_TIMEOUT)
    except ProviderError as problem:
        # The kind only: a provider's message may quote what was sent.
        log.info("title request failed: %s", problem.kind)
        return ""
    except TimeoutError:
        log.info("title request timed out")
        return ""
    return clean_title(answer)


def apply_title(*, session: Session, user_id: str, request: TitleRequest, title: str) -> str | None:
    """Set the new title unless the person renamed the conversation meanwhile.

    Returns:
        The title now shown, or None when it was left alone.
    """
    try:
        conversation = conversations.get_conversation(
            session=session, user_id=user_id, conversation_id=request.conversation_id
        )
    except NotFound:
        return None
    if not conversation.title_is_auto or conversation.title != request.current_title:
        return None
    new_title = title or request.fallback
    if new_title == conversation.title:
        return None
    conversation.title = new_title
    session.add(conversation)
    return new_title
