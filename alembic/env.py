"""Alembic environment: the models' metadata and the app's configured database."""

from logging.config import fileConfig

from sqlmodel import SQLModel

import nomask_app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from alembic import context
from nomask_app.config import get_settings
from nomask_app.db import build_engine
from nomask_app.models.search import include_in_autogenerate

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


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


def run_migrations_online() -> None:
    """Apply migrations on a live connection."""
    engine = build_engine(_url())
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
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
