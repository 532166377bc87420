"""Database engine and session helpers.

Services receive a `Session` and never commit; whoever opens the session
(an event handler through `session_scope`, an API route, a command) owns
the transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from nomask_app.config import get_settings


def build_engine(url: str) -> Engine:
    """Create an engine for `url` with the settings this app relies on.

    SQLite gets foreign keys enforced (deletions cascade), WAL (readers do not
    block the writer), transactions that take the write lock when they begin,
    and a busy timeout: concurrent writers wait for each other instead of
    failing with "locked" errors. Deleted content is overwritten with zeros
    (`secure_delete`) and temporary sort data stays in memory, so neither the
    database file nor a temporary file keeps what was deleted
    (services/privacy/storage_scrub.py does the rest after an erasure).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT (a nested block
        # would commit for real): let SQLAlchemy emit BEGIN itself instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        # On every connection: the default depends on how SQLite was compiled.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        # Take the write lock up front. A deferred transaction that reads and
        # then writes fails at once with "database is locked" while another
        # writer is active (the busy timeout cannot help it), which lost
        # messages sent at the same moment. Long read-only snapshots (the data
        # export) opt out with the `read_only` execution option.
        deferred = connection.get_execution_options().get("read_only")
        connection.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")

    return engine


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    return build_engine(get_settings().sqlalchemy_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """Open a session that commits when the block ends and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
