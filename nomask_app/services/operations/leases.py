"""Job leases: exactly one instance, on any host, runs each background job.

A job is claimed by moving its row's `expires_at` forward with one UPDATE
whose WHERE says "the lease has run out (or is already mine)": PostgreSQL
and SQLite both apply it atomically to the row, so of two instances racing
exactly one gets rowcount 1. The owner renews the lease while it works
(`held` does so from a heartbeat thread); an instance that dies stops
renewing and another takes the job over once the lease has run out.
"""

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col

from nomask_app.db import session_scope
from nomask_app.models import JobLease
from nomask_app.models.common import utcnow

log = logging.getLogger(__name__)

# This process, on this host: unique even when a pid is reused after a restart.
INSTANCE = f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def claim(name: str, *, ttl: timedelta, owner: str = INSTANCE) -> bool:
    """Take the job `name` for `ttl` if nobody holds it (or `owner` already does).

    Returns:
        Whether `owner` now holds the lease.
    """
    now = utcnow()
    with session_scope() as session:
        table = JobLease.__table__
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        # The row exists from the first claim on; a new one starts expired.
        session.execute(
            upsert(table)
            .values(name=name, owner="", expires_at=_NEVER)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = session.execute(
            update(table)
            .where(
                table.c.name == name,
                or_(table.c.expires_at <= now, table.c.owner == owner),
            )
            .values(owner=owner, expires_at=now + ttl)
        )
        return result.rowcount == 1


def renew(name: str, *, ttl: timedelta, owner: str = INSTANCE) -> bool:
    """Extend a lease `owner` holds; False when it was lost (it ran out and was taken)."""
    with session_scope() as session:
        result = session.execute(
            update(JobLease)
            .where(col(JobLease.name) == name, col(JobLease.owner) == owner)
            .values(expires_at=utcnow() + ttl)
        )
        return result.rowcount == 1


def release(name: str, *, owner: str = INSTANCE, keep_until: datetime | None = None) -> None:
    """Give a lease up: at once, or at `keep_until` (nobody runs the job before then)."""
    with session_scope() as session:
        mine = (col(JobLease.name) == name, col(JobLease.owner) == owner)
        if keep_until is None:
            session.execute(delete(JobLease).where(*mine))
        else:
            # Nobody's until then: not even this instance may claim it sooner.
            session.execute(update(JobLease).where(*mine).values(owner="", expires_at=keep_until))


def heartbeat(name: str, *, ttl: timedelta, owner: str = INSTANCE) -> Callable[[], None]:
    """Renew a held lease every third of `ttl` from a thread; return what stops it."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                if not renew(name, ttl=ttl, owner=owner):
                    log.warning("a job lease was lost", extra={"job": name})
                    return
            except Exception:  # the database away for a moment: try again next beat
                log.exception("a job lease could not be renewed")

    thread = threading.Thread(target=beat, name=f"lease {name}", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join()

    return halt


@contextmanager
def held(name: str, *, ttl: timedelta, owner: str = INSTANCE) -> Iterator[bool]:
    """Claim `name`, renew it while the block runs, then release it.

    Yields:
        Whether the lease was claimed; the block must do nothing when it was not.
    """
    if not claim(name, ttl=ttl, owner=owner):
        yield False
        return
    stop = heartbeat(name, ttl=ttl, owner=owner)
    try:
        yield True
    finally:
        stop()
        release(name, owner=owner)
