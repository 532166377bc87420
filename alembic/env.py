"""Alembic environment: the models' metadata and the app's configured database."""

import fcntl
from contextlib import contextmanager
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import nomask_app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from nomask_app.config import get_settings
from nomask_app.db import build_engine
from nomask_app.models.chat import include_in_autogenerate

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata
LOCK_KEY = 7_261_990_001  # any constant; the same for every NoMask process


def _url() -> str:
    # Tests pass an explicit URL; everything else uses the app's settings.
    return config.attributes.get("url") or get_settings().sqlalchemy_url


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of connecting."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _one_migrator_at_a_time(url: str):
    """Serialize migrations when several processes start together.

    PostgreSQL takes a transaction-scoped advisory lock (in `_migrate`); a
    SQLite file gets an exclusive lock file next to it.
    """
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        yield
        return
    lock_path = Path(parsed.database).with_suffix(".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_migrations_online() -> None:
    """Apply migrations on a live connection."""
    url = _url()
    with _one_migrator_at_a_time(url):
        engine = build_engine(url)
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                # SQLite cannot ALTER most things: batch mode rebuilds tables instead.
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=include_in_autogenerate,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Held until this transaction commits: other migrators wait,
                    # then find the schema already at head.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
                    )
                context.run_migrations()
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
