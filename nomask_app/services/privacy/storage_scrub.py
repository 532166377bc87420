"""After a deletion: make the deleted bytes unrecoverable from the database's own files.

Deleting rows is not enough for the promise that deleted data is gone:

- SQLite keeps old page images in the write-ahead log (``-wal``) until a
  checkpoint, and the full-text index (FTS5) keeps fragments of deleted text
  in its older segments until they are merged. With ``secure_delete`` on
  (nomask_app/db.py sets it on every connection), an FTS ``optimize`` followed
  by a ``wal_checkpoint(TRUNCATE)`` leaves no deleted byte in the main file,
  the ``-wal`` or the ``-shm`` (measured in tests/services/privacy/
  test_deletion_reaches_the_bytes.py).
- PostgreSQL leaves dead tuples until VACUUM, and a GIN index keeps the keys
  of deleted rows until it is rebuilt. `scrub` runs ``VACUUM (ANALYZE)`` on
  the tables that hold personal data and rebuilds the search index
  concurrently (no lock that stops the app). Free space inside the files,
  ``pg_wal``, WAL archives and replicas are beyond what the app can reach:
  ``python -m nomask_app.cli compact`` and docs/PRODUCTION.md cover them.

`request` is called after each deletion commits; the scrub then runs soon on
a background thread (deletions close together share one run), never on the
path of the request that deleted. The privacy sweep calls `scrub_if_requested`
as well, so a scrub that failed, or a process that stopped before it ran,
is caught up at the next sweep.
"""

import logging
import threading
import time

from sqlalchemy.engine import Engine

from nomask_app.db import get_engine
from nomask_app.models.chat import POSTGRES_INDEX, SEARCH_TABLE
from nomask_app.services.privacy import erasure

log = logging.getLogger(__name__)

# Deletions this close together share one scrub.
DELAY_SECONDS = 1.0
# A checkpoint waits (busy timeout, 5 s each) for readers of older snapshots.
CHECKPOINT_ATTEMPTS = 10
# PostgreSQL: how long VACUUM or the index rebuild waits for a lock before giving up.
LOCK_TIMEOUT_SECONDS = 30

# FTS5's merge of every segment into one: fragments of deleted text go. (A
# constant table name, no input: the SQL-injection checks do not apply.)
_FTS_OPTIMIZE = f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')"  # noqa: S608  # nosec B608

_lock = threading.Lock()
_requested: set[Engine] = set()  # asked for, not yet taken by a run
_failed: set[Engine] = set()  # ran and failed: the next sweep tries again
_worker: threading.Thread | None = None


def scrub(engine: Engine | None = None) -> bool:
    """Remove what deleted rows leave in the database files (blocking).

    Args:
        engine: The database; the app's own by default.

    Returns:
        True when the files are clean; False when SQLite readers kept the
        log from being emptied (try again later).
    """
    engine = engine or get_engine()
    if engine.dialect.name == "sqlite":
        return _sqlite(engine)
    _postgres(engine, "VACUUM (ANALYZE)", lock_timeout=LOCK_TIMEOUT_SECONDS)
    return True


def compact(engine: Engine | None = None) -> None:
    """Rewrite the files of the tables with personal data (for maintenance windows).

    PostgreSQL: ``VACUUM FULL`` copies the live rows of each table into new
    files, so no deleted byte stays in the free space of the old ones; it
    locks each table while it runs. SQLite: ``VACUUM`` shrinks the file (the
    scrub already zeroed the freed space).
    """
    engine = engine or get_engine()
    if engine.dialect.name == "sqlite":
        _outside_transaction(engine, "VACUUM")
        _sqlite(engine)
    else:
        _postgres(engine, "VACUUM (FULL, ANALYZE)", lock_timeout=0)  # waits as long as needed


def _sqlite(engine: Engine) -> bool:
    with engine.begin() as connection:  # BEGIN IMMEDIATE: one writer at a time
        connection.exec_driver_sql(_FTS_OPTIMIZE)
    for _ in range(CHECKPOINT_ATTEMPTS):
        busy, _frames, _done = _outside_transaction(engine, "PRAGMA wal_checkpoint(TRUNCATE)")
        if busy == 0:
            return True
        time.sleep(0.5)  # a reader of an older snapshot still needs the log
    return False


def _outside_transaction(engine: Engine, statement: str) -> tuple | None:
    # Inside the app's BEGIN IMMEDIATE, SQLite refuses these ("table is locked").
    raw = engine.raw_connection()
    try:
        return raw.driver_connection.execute(statement).fetchone()
    finally:
        raw.close()


def _postgres(engine: Engine, vacuum: str, *, lock_timeout: int) -> None:
    quote = engine.dialect.identifier_preparer.quote
    tables = ", ".join(quote(name) for name in sorted(erasure.ERASERS))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # The rebuild waits for every older transaction; a long one (an export
        # being read) must not hold the sweep for ever: give up, retry later.
        connection.exec_driver_sql(f"SET lock_timeout = '{int(lock_timeout)}s'")
        try:
            connection.exec_driver_sql(f"{vacuum} {tables}")
            # GIN keeps the keys of deleted rows until it is rebuilt. A rebuild
            # interrupted earlier leaves an invalid copy behind: drop it first.
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}_ccnew")
            connection.exec_driver_sql(f"REINDEX INDEX CONCURRENTLY {POSTGRES_INDEX}")
        finally:  # the connection goes back to the app's pool
            connection.exec_driver_sql("RESET lock_timeout")


def request(engine: Engine | None = None) -> None:
    """Ask for a scrub soon, on a background thread (call once the deletion committed)."""
    global _worker
    with _lock:
        _requested.add(engine or get_engine())
        if _worker is None:
            _worker = threading.Thread(target=_run_requested, name="nomask-scrub", daemon=True)
            _worker.start()


def scrub_if_requested(*, anyway: bool = False) -> int:
    """Run the scrubs asked for and not yet done (the privacy sweep's catch-up).

    Args:
        anyway: Scrub the app's database even if nothing asked for it.

    Returns:
        How many databases were scrubbed clean.
    """
    with _lock:
        engines = _requested | _failed | ({get_engine()} if anyway else set())
        _requested.clear()
        _failed.clear()
    return _scrub_all(engines)


def wait_idle(timeout: float = 60.0) -> None:
    """Block until the background scrub has finished (tests, shutdown)."""
    with _lock:
        worker = _worker
    if worker is not None:
        worker.join(timeout)


def _scrub_all(engines: set[Engine]) -> int:
    clean = 0
    for engine in engines:
        try:
            done = scrub(engine)
        except Exception:  # the database is away: the next sweep tries again
            log.exception("storage scrub failed; the privacy sweep retries it")
            done = False
        if done:
            clean += 1
        else:
            with _lock:
                _failed.add(engine)
    return clean


def _run_requested() -> None:
    global _worker
    while True:
        time.sleep(DELAY_SECONDS)
        with _lock:
            engines = set(_requested)
            _requested.clear()
            if not engines:
                _worker = None
                return
        _scrub_all(engines)
