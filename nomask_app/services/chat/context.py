"""What a model is sent: the newest messages of the shown path that fit its window."""

from collections.abc import Callable, Iterator

from sqlalchemy import Row, and_, or_
from sqlmodel import Session, col, func, select

from nomask_app.models import Message
from nomask_app.services.chat.conversations import ON_PATH


def build_context(
    *,
    session: Session,
    conversation_id: str,
    upto_seq: int,
    budget_tokens: int,
    count_tokens: Callable[[list[dict]], int],
    render: Callable[[Row], dict],
) -> tuple[list[dict], int, list[str]]:
    """The messages to send, newest kept first, trimmed to the model's window.

    Args:
        session: Database session.
        conversation_id: The conversation (already owner-checked).
        upto_seq: The last message to include (the user message being answered).
        budget_tokens: Tokens available for the prompt.
        count_tokens: Counts tokens of a list of provider messages.
        render: Turns a stored message (a row of its id, seq, role and content)
            into a provider message (text, attachments).

    Returns:
        Provider messages oldest first, how many older messages were left out,
        and the ids of the messages sent (for the record of what providers received).
    """
    usable = _usable_newest_first(session, conversation_id, upto_seq)
    kept: list[dict] = []
    kept_ids: list[str] = []
    used = 0  # an upper bound of the exact count until `exact`
    exact = False
    for message in usable:
        rendered = render(message)
        bound = None if exact else token_bound(rendered)
        if bound is not None and used + bound <= budget_tokens:
            cost = bound  # fits for sure: counting (slow) would change nothing
        else:
            if not exact:
                used, exact = sum(count_tokens([m]) for m in kept), True
            cost = count_tokens([rendered])
        if kept and used + cost > budget_tokens:
            dropped = _count_usable(session, conversation_id, message.seq)
            return list(reversed(kept)), dropped, list(reversed(kept_ids))
        kept.append(rendered)
        kept_ids.append(message.id)
        used += cost
    return list(reversed(kept)), 0, list(reversed(kept_ids))


# A model sees the shown path only (the versions chosen with < n/m >): a user
# message, and a reply that produced text (not a failed or still empty one).
_USABLE = and_(
    ON_PATH,
    or_(
        col(Message.role) == "user",
        and_(col(Message.status).in_(("complete", "stopped")), col(Message.content) != ""),
    ),
)
_PAGE = 64  # messages read at a time: a long conversation rarely needs all of them


def _usable_newest_first(session: Session, conversation_id: str, upto_seq: int) -> Iterator[Row]:
    """Messages a model may see, newest first, read a page at a time as the caller goes.

    Plain rows of the columns a model needs: building an ORM object for each of
    hundreds of messages on every send cost more than reading them.
    """
    below = upto_seq + 1
    while True:
        page = list(
            session.exec(
                select(Message.id, Message.seq, Message.role, Message.content)
                .where(Message.conversation_id == conversation_id, Message.seq < below, _USABLE)
                .order_by(col(Message.seq).desc())
                .limit(_PAGE)
            )
        )
        yield from page
        if len(page) < _PAGE:
            return
        below = page[-1].seq


def _count_usable(session: Session, conversation_id: str, from_seq: int) -> int:
    """How many usable messages there are from `from_seq` back (those left out)."""
    return session.exec(
        select(func.count())
        .select_from(Message)
        .where(Message.conversation_id == conversation_id, Message.seq <= from_seq, _USABLE)
    ).one()


# A token stands for at least one byte of text (byte-level BPE, as litellm
# counts), and a message adds a few tokens of framing (role, separators).
_FRAMING_TOKENS = 16


def token_bound(rendered: dict) -> int | None:
    """An upper bound of a text message's tokens, or None (images: count them)."""
    content = rendered.get("content")
    if not isinstance(content, str):
        return None
    return len(content.encode()) + _FRAMING_TOKENS
