"""`alembic upgrade head` on an empty database gives exactly the models' schema."""

import os
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from nomask_app.config import PROJECT_ROOT
from nomask_app.models.chat import include_in_autogenerate
from nomask_app.services.privacy.backups import schema_head


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


def test_migrators_started_together_apply_the_schema_once(engine):
    """Several processes (workers, containers) may start together: all succeed."""
    import subprocess
    import sys

    url = engine.url.render_as_string(hide_password=False)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    env = {**os.environ, "NOMASK_DATABASE_URL": url}
    alembic = str(Path(sys.executable).with_name("alembic"))
    runs = [
        subprocess.Popen(
            [alembic, "upgrade", "head"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert versions == [(schema_head(),)]


def test_published_releases_get_the_text_of_their_bundled_file(engine):
    from nomask_app.services.privacy.policy import newest_bundled

    url = engine.url.render_as_string(hide_password=False)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    config = _alembic_config(url)
    command.upgrade(config, "0002")
    bundled = newest_bundled()
    with engine.begin() as connection:
        for version in (bundled.version, "2020-01-01"):  # the second has no file
            connection.execute(
                text(
                    "INSERT INTO policy_releases (id, version, effective, published_at, "
                    "emails_sent) VALUES (:id, :version, :effective, :at, 0)"
                ),
                {
                    "id": version.replace("-", ""),
                    "version": version,
                    "effective": bundled.effective,
                    "at": "2026-03-15 10:00:00",
                },
            )
    command.upgrade(config, "0003")
    with engine.connect() as connection:
        texts = dict(
            connection.execute(text("SELECT version, markdown FROM policy_releases")).all()
        )
    assert texts == {bundled.version: bundled.markdown, "2020-01-01": ""}
    command.downgrade(config, "base")
