"""What a model is sent: the newest messages of a conversation that fit its window."""

from collections.abc import Callable

from sqlmodel import Session, col, select

from nomask_app.models import Message


def build_context(
    *,
    session: Session,
    conversation_id: str,
    upto_seq: int,
    budget_tokens: int,
    count_tokens: Callable[[list[dict]], int],
    render: Callable[[Message], dict],
) -> tuple[list[dict], int]:
    """The messages to send, newest kept first, trimmed to the model's window.

    Args:
        session: Database session.
        conversation_id: The conversation (already owner-checked).
        upto_seq: The last message to include (the user message being answered).
        budget_tokens: Tokens available for the prompt.
        count_tokens: Counts tokens of a list of provider messages.
        render: Turns a stored message into a provider message (text, attachments).

    Returns:
        Provider messages oldest first, and how many older messages were left out.
    """
    rows = list(
        session.exec(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.seq <= upto_seq)
            .order_by(col(Message.seq).desc())
        )
    )
    usable = [
        m for m in rows if m.role == "user" or (m.status in ("complete", "stopped") and m.content)
    ]
    kept: list[dict] = []
    used = 0  # an upper bound of the exact count until `exact`
    exact = False
    for index, message in enumerate(usable):
        rendered = render(message)
        bound = None if exact else token_bound(rendered)
        if bound is not None and used + bound <= budget_tokens:
            cost = bound  # fits for sure: counting (slow) would change nothing
        else:
            if not exact:
                used, exact = sum(count_tokens([m]) for m in kept), True
            cost = count_tokens([rendered])
        if kept and used + cost > budget_tokens:
            return list(reversed(kept)), len(usable) - index
        kept.append(rendered)
        used += cost
    return list(reversed(kept)), 0


# A token stands for at least one byte of text (byte-level BPE, as litellm
# counts), and a message adds a few tokens of framing (role, separators).
_FRAMING_TOKENS = 16


def token_bound(rendered: dict) -> int | None:
    """An upper bound of a text message's tokens, or None (images: count them)."""
    content = rendered.get("content")
    if not isinstance(content, str):
        return None
    return len(content.encode()) + _FRAMING_TOKENS
