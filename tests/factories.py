"""Builders for test data."""

import itertools

from sqlmodel import Session

from nomask_app.models import Message, StoredFile, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.accounts import sign_up
from nomask_app.services.chat import conversations
from nomask_app.services.images import files
from nomask_app.services.privacy.policy import current_policy

PASSWORD = "violet-harbor-lantern-42"
_counter = itertools.count(1)


def start_sign_up(
    session: Session,
    *,
    name: str = "Test Person",
    email: str | None = None,
    password: str = PASSWORD,
) -> User:
    """Sign up through the real service and commit: the account waits for its emailed link."""
    user = sign_up(
        session=session,
        name=name,
        email=email or f"person{next(_counter)}@example.com",
        password=password,
        is_adult=True,
        accepts_policy=True,
        policy_version=current_policy(session=session).version,
    )
    session.commit()
    return user


def make_user(
    session: Session,
    *,
    name: str = "Test Person",
    email: str | None = None,
    password: str = PASSWORD,
) -> User:
    """Sign up a user through the real service, make the account usable, and commit.

    As if the sign-up link had been used, but the address stays unconfirmed
    (like an account made before sign-up links existed): tests of the link
    itself use `start_sign_up` and the emailed token.
    """
    user = start_sign_up(session, name=name, email=email, password=password)
    user.activated_at = utcnow()
    session.add(user)
    session.commit()
    return user


def post_message(
    session: Session,
    user: User,
    text: str = "Hello there",
    conversation_id: str | None = None,
    **kwargs,
) -> conversations.Turn:
    """Post a user message (and its empty reply) through the chat service and commit."""
    turn = conversations.post_user_message(
        session=session,
        user_id=user.id,
        conversation_id=conversation_id,
        text=text,
        model_id="custom/fake-a",
        max_chars=32_000,
        **kwargs,
    )
    session.commit()
    return turn


def message_chain(
    conversation_id: str, user_id: str, contents: list[str], **fields
) -> list[Message]:
    """Messages that alternate user / assistant, each the parent of the next (not yet added).

    For seeding long conversations in bulk. Linked as the chat service links
    them, so the page shows no version switcher on them: a message whose
    siblings share its parent reads as a version of it.
    """
    chain: list[Message] = []
    for seq, content in enumerate(contents, start=1):
        chain.append(
            Message(
                conversation_id=conversation_id,
                user_id=user_id,
                seq=seq,
                parent_id=chain[-1].id if chain else None,
                role="user" if seq % 2 else "assistant",
                content=content,
                **fields,
            )
        )
    return chain


def store_text_file(session: Session, user: User, data: bytes = b"notes") -> StoredFile:
    """Store a small text file of `user` (an attachment not yet sent) and commit."""
    row = files.store_bytes(
        session=session, user_id=user.id, data=data, filename="notes.txt", content_type="text/plain"
    )
    session.commit()
    return row
