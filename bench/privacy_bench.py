"""Benchmark of the privacy center: export and delete a large account.

Targets (issue 7): an account with 10,000 messages and 200 images of 1 MB
each is exported in at most 30 s with at most 100 MB of memory growth, and
deleted in at most 10 s.

Run by hand (results go in bench/RESULTS.md):

    .venv/bin/python bench/privacy_bench.py                 # SQLite in a temp folder
    .venv/bin/python bench/privacy_bench.py --database-url postgresql+psycopg://...

Memory is measured twice: the growth of the process's resident set size
(sampled from /proc every 20 ms during a normal run) and the peak of Python
allocations seen by tracemalloc (a second export, slower because traced).
"""

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def _configure(database_url: str | None) -> Path:
    work = Path(tempfile.mkdtemp(prefix="nomask-bench-"))
    os.environ.update(
        {
            "NOMASK_ENV": "test",
            "NOMASK_DATA_DIR": str(work / "data"),
            "NOMASK_DATABASE_URL": database_url or f"sqlite:///{work}/bench.db",
            "NOMASK_EXPORT_INTERVAL_MINUTES": "0",
            "LITELLM_OFFLINE_MODE": "true",
        }
    )
    return work


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Samples the resident set size in a thread; `growth` is peak minus start."""

    def __init__(self, interval: float = 0.02):
        self.interval, self.start, self.peak = interval, 0, 0
        self._stop = threading.Event()

    def __enter__(self):
        self.start = self.peak = _rss_bytes()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, _rss_bytes())

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def _populate(*, messages: int, images: int, image_bytes: int, per_conversation: int) -> str:
    from sqlmodel import Session

    from nomask_app.db import get_engine, session_scope
    from nomask_app.models import Conversation, Message
    from nomask_app.models.common import utcnow
    from nomask_app.services.accounts import accounts
    from nomask_app.services.images import files

    with session_scope() as session:
        user = accounts.sign_up(
            session=session,
            name="Bench Person",
            email="bench@example.com",
            password="violet-harbor-lantern-42",
            is_adult=True,
            accepts_policy=True,
        )
        user_id = user.id
    text = ("The quick brown fox jumps over the lazy dog. " * 12).strip()
    with Session(get_engine()) as session:
        conversation = None
        for number in range(messages):
            if number % per_conversation == 0:
                conversation = Conversation(user_id=user_id, title=f"Conversation {number}")
                session.add(conversation)
                session.flush()
            session.add(
                Message(
                    conversation_id=conversation.id,
                    user_id=user_id,
                    seq=number % per_conversation + 1,
                    role="user" if number % 2 == 0 else "assistant",
                    content=f"{number}: {text}",
                    model="" if number % 2 == 0 else "demo",
                    provider="" if number % 2 == 0 else "demo",
                    created_at=utcnow(),
                )
            )
            if number % 1000 == 999:
                session.commit()
        session.commit()
    with session_scope() as session:
        for number in range(images):
            files.store_bytes(
                session=session,
                user_id=user_id,
                data=secrets.token_bytes(image_bytes),
                filename=f"image-{number}.jpg",
                content_type="image/jpeg",
                kind="generated",
            )
    return user_id


def _export(user_id: str) -> tuple[float, int]:
    from nomask_app.db import session_scope
    from nomask_app.services.privacy import export_jobs, exports

    with session_scope() as session:
        export_id = exports.request_export(session=session, user_id=user_id).id
    started = time.perf_counter()
    assert export_jobs.build(export_id), "export failed"
    elapsed = time.perf_counter() - started
    return elapsed, exports.archive_path(export_id).stat().st_size


def _delete(user_id: str) -> float:
    from nomask_app.db import session_scope
    from nomask_app.models import User
    from nomask_app.services.privacy import account_deletion, privacy_sweep

    started = time.perf_counter()
    with session_scope() as session:
        account_deletion.request_deletion(
            session=session,
            user_id=user_id,
            current_password="violet-harbor-lantern-42",
            confirmation="DELETE",
        )
    assert privacy_sweep.finish_deletion(user_id)
    elapsed = time.perf_counter() - started
    with session_scope() as session:
        assert session.get(User, user_id) is None
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--image-mb", type=float, default=1.0)
    parser.add_argument("--per-conversation", type=int, default=50)
    args = parser.parse_args()
    work = _configure(args.database_url)

    from sqlmodel import SQLModel

    import nomask_app.models  # noqa: F401
    from nomask_app.db import get_engine
    from nomask_app.integrations import mailer

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    print(f"database: {engine.dialect.name}; data in {work}")

    started = time.perf_counter()
    user_id = _populate(
        messages=args.messages,
        images=args.images,
        image_bytes=int(args.image_mb * 1024 * 1024),
        per_conversation=args.per_conversation,
    )
    print(
        f"populated {args.messages:,} messages and {args.images} images of {args.image_mb} MB "
        f"in {time.perf_counter() - started:.1f} s"
    )

    with PeakRss() as rss:
        seconds, size = _export(user_id)
    print(
        f"export: {seconds:.2f} s, archive {size / 1e6:.0f} MB, "
        f"RSS growth {rss.growth / 2**20:.1f} MiB (start {rss.start / 2**20:.0f} MiB)"
    )
    tracemalloc.start()
    traced_seconds, _ = _export(user_id)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"export under tracemalloc: {traced_seconds:.2f} s, "
        f"peak Python allocations {peak / 2**20:.1f} MiB"
    )

    seconds = _delete(user_id)
    print(f"account deletion (password check, erase, files): {seconds:.2f} s")
    mailer.wait_idle()
    engine.dispose()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
