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


def _empty_database(engine) -> Config:
    """Drop every table (and a leftover from an interrupted run); the alembic config."""
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return _alembic_config(engine.url.render_as_string(hide_password=False))


def test_upgrade_head_matches_the_models(engine):
    config = _empty_database(engine)
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

    config = _empty_database(engine)
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


def _insert(connection, table: str, **values) -> None:
    """A row with `values`, and a plain value in every other required column."""
    # Type names differ by database (SQLite FLOAT, PostgreSQL DOUBLE_PRECISION, BIGINT...).
    plain = {"INT": 0, "BOOL": False, "FLOAT": 0.0, "DOUBLE": 0.0, "REAL": 0.0, "NUMERIC": 0.0}
    for column in inspect(connection).get_columns(table):
        if column["name"] in values or column["nullable"] or column["default"] is not None:
            continue
        kind = type(column["type"]).__name__.upper()
        fill = next((v for k, v in plain.items() if k in kind), None)
        values[column["name"]] = "2026-11-01 10:00:00" if "TIME" in kind else fill
        if values[column["name"]] is None:
            values[column["name"]] = column["name"][:8]
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def test_existing_messages_become_one_linear_path(engine):
    config = _empty_database(engine)
    command.upgrade(config, "0009")
    with engine.begin() as connection:
        _insert(connection, "users", id="u1", email="a@example.com")
        for conversation in ("c1", "c2"):
            _insert(connection, "conversations", id=conversation, user_id="u1")
            for seq in (1, 2, 3):
                _insert(
                    connection,
                    "messages",
                    id=f"{conversation}m{seq}",
                    conversation_id=conversation,
                    user_id="u1",
                    seq=seq,
                    role="user" if seq % 2 else "assistant",
                    content=f"text {seq}",
                )
    command.upgrade(config, "0010")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, parent_id, chosen, on_path FROM messages ORDER BY id")
        ).all()
    assert [(r.id, r.parent_id, bool(r.chosen), bool(r.on_path)) for r in rows] == [
        ("c1m1", None, True, True),
        ("c1m2", "c1m1", True, True),
        ("c1m3", "c1m2", True, True),
        ("c2m1", None, True, True),
        ("c2m2", "c2m1", True, True),
        ("c2m3", "c2m2", True, True),
    ]
    command.downgrade(config, "0009")  # keeps the shown path
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM messages")).scalar() == 6
        for table in ("messages", "conversations", "users"):
            connection.execute(text(f"DELETE FROM {table}"))
    command.downgrade(config, "base")
