"""`alembic upgrade head` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from alembic import command
from nomask_app.config import PROJECT_ROOT
from nomask_app.models.search import include_in_autogenerate


def _alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def test_upgrade_head_matches_the_models(engine):
    url = engine.url.render_as_string(hide_password=False)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:  # a leftover from an interrupted run
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    config = _alembic_config(url)
    command.upgrade(config, "head")

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": include_in_autogenerate,
            },
        )
        differences = compare_metadata(context, SQLModel.metadata)
        tables = set(inspect(connection).get_table_names())
    assert differences == []
    assert set(SQLModel.metadata.tables) <= tables

    command.downgrade(config, "base")
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
