"""Chat data at scale: sidebar pages, full-text search and a long conversation.

Seeds one account with 10,000 conversations and 100,000 messages (plus one
conversation of 1,000 messages), then times the service calls the chat page
makes. Run: `.venv/bin/python bench/chat_db.py [--database-url URL]`
(default: a fresh SQLite file; pass a PostgreSQL URL to measure that too).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = [
    "ocean",
    "tide",
    "moon",
    "river",
    "stone",
    "garden",
    "recipe",
    "pancake",
    "lisbon",
    "python",
    "reflex",
    "stream",
    "privacy",
    "export",
    "delete",
    "cookie",
    "planet",
    "orbit",
    "lantern",
    "harbor",
    "violet",
    "meadow",
    "engine",
    "budget",
    "invoice",
    "travel",
    "museum",
    "violin",
    "poetry",
    "quantum",
    "neuron",
    "glacier",
    "canyon",
]


def _seed(session, user_id: str, conversations: int, per_conversation: int, long_one: int):
    from nomask_app.models import Conversation, Message
    from nomask_app.models.common import utcnow

    rng = random.Random(7)
    start = utcnow() - timedelta(days=400)
    batch = []
    for index in range(conversations):
        conversation = Conversation(
            user_id=user_id,
            title=" ".join(rng.choices(WORDS, k=4)),
            created_at=start + timedelta(minutes=index),
            updated_at=start + timedelta(minutes=index),
        )
        batch.append(conversation)
        count = long_one if index == conversations - 1 else per_conversation
        for seq in range(1, count + 1):
            batch.append(
                Message(
                    conversation_id=conversation.id,
                    user_id=user_id,
                    seq=seq,
                    role="user" if seq % 2 else "assistant",
                    content=" ".join(rng.choices(WORDS, k=rng.randint(8, 40))),
                    created_at=start + timedelta(minutes=index, seconds=seq),
                )
            )
        if len(batch) > 5000:
            session.add_all(batch)
            session.commit()
            batch = []
    session.add_all(batch)
    session.commit()
    return conversation.id


def _time(function, repeat: int = 20) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    """Seed, measure and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--per-conversation", type=int, default=10)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="nomask-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.db"
    os.environ.update(
        {"NOMASK_DATABASE_URL": url, "NOMASK_DATA_DIR": workdir, "NOMASK_BCRYPT_ROUNDS": "4"}
    )
    from sqlmodel import Session, SQLModel

    import nomask_app.models  # noqa: F401
    from nomask_app.db import get_engine
    from nomask_app.services.accounts.accounts import sign_up
    from nomask_app.services.chat import conversations
    from nomask_app.services.chat.search import search_conversations

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = sign_up(
            session=session,
            name="Bench",
            email="bench@example.com",
            password="violet-harbor-lantern-42",
            is_adult=True,
            accepts_policy=True,
        )
        session.commit()
        began = time.perf_counter()
        long_id = _seed(session, user.id, args.conversations, args.per_conversation, 1000)
        seeded = time.perf_counter() - began
        total = args.conversations * args.per_conversation + 1000 - args.per_conversation
        rows = [
            (
                "sidebar: first page of conversations",
                200,
                _time(lambda: conversations.list_conversations(session=session, user_id=user.id)),
            ),
            (
                "sidebar: a later page (cursor)",
                200,
                _time(
                    lambda: conversations.list_conversations(
                        session=session,
                        user_id=user.id,
                        before=(
                            conversations.list_conversations(
                                session=session, user_id=user.id, limit=500
                            )[-1].updated_at,
                            "z",
                        ),
                    )
                ),
            ),
            (
                "full-text search, two words",
                100,
                _time(
                    lambda: search_conversations(
                        session=session, user_id=user.id, query="glacier neur"
                    )
                ),
            ),
            (
                "full-text search, rare word",
                100,
                _time(
                    lambda: search_conversations(
                        session=session, user_id=user.id, query="quantum violin poetry"
                    )
                ),
            ),
            (
                "open a 1,000-message conversation (latest 50)",
                300,
                _time(
                    lambda: conversations.list_messages(
                        session=session, user_id=user.id, conversation_id=long_id
                    )
                ),
            ),
        ]
    print(
        f"backend: {engine.dialect.name}; {args.conversations:,} conversations, "
        f"{total:,} messages (seeded in {seeded:.0f} s)\n"
    )
    print("| measure | target (ms) | median (ms) | max of 20 (ms) |")
    print("|---|---|---|---|")
    for name, target, (median, worst) in rows:
        print(f"| {name} | <= {target} | {median:.1f} | {worst:.1f} |")


if __name__ == "__main__":
    main()
