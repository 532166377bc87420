"""`cli backup` and `cli restore`: a restored backup never brings a deleted account back.

Runs on SQLite and (with ``NOMASK_TEST_DATABASE_URL``) on PostgreSQL through
the real pg_dump and pg_restore, each in a migrated database of its own.
"""

import json
import os
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlmodel import Session

from nomask_app import cli
from nomask_app.config import PROJECT_ROOT, get_settings
from nomask_app.db import get_engine, session_scope
from nomask_app.models import User
from nomask_app.services.privacy import (
    account_deletion,
    backups,
    privacy_sweep,
    storage_scrub,
    tombstones,
)
from tests.conftest import DB_BACKENDS, POSTGRES_ADMIN_URL
from tests.factories import PASSWORD
from tests.privacy_data import all_rows, populate, stored_files_on_disk
from tests.support import drop_postgres_database, fresh_postgres_database, reset_app_caches

SCRATCH = f"nomask_restore_{os.getpid()}"


def _databases() -> set[str]:
    engine = create_engine(POSTGRES_ADMIN_URL)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT datname FROM pg_database")).scalars().all()
    engine.dispose()
    return {name for name in names if name.startswith(SCRATCH)}


@pytest.fixture(params=DB_BACKENDS)
def live(request, tmp_path, monkeypatch):
    """A migrated database (alembic, as in production) and a data directory of its own."""
    postgres = request.param == "postgresql"
    url = (
        fresh_postgres_database(POSTGRES_ADMIN_URL, SCRATCH)
        if postgres
        else f"sqlite:///{tmp_path}/live.db"
    )
    monkeypatch.setenv("NOMASK_DATABASE_URL", url)
    monkeypatch.setenv("NOMASK_DATA_DIR", str(tmp_path / "data"))
    reset_app_caches()
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes.update(url=url, configure_logger=False)
    command.upgrade(config, "head")
    yield get_engine()
    storage_scrub.wait_idle()
    get_engine().dispose()
    reset_app_caches()
    if postgres:
        for name in _databases():  # the live one, and any kept by a restore
            drop_postgres_database(POSTGRES_ADMIN_URL, name)


def _people(tmp_path):
    with Session(get_engine(), expire_on_commit=False) as session:
        alice = populate(session, name="Alice Restored", email="restored@example.com")
        bob = populate(session, name="Bob Backed", email="backed@example.com")
    return alice, bob


def _backup(tmp_path, capsys) -> Path:
    assert cli.main(["backup", "--to", str(tmp_path / "backups")]) == 0, capsys.readouterr().err
    [made] = (tmp_path / "backups").iterdir()
    return made


def _delete(user_id: str) -> None:
    with session_scope() as session:
        account_deletion.request_deletion(
            session=session, user_id=user_id, current_password=PASSWORD, confirmation="DELETE"
        )
    assert privacy_sweep.finish_deletion(user_id) is True
    storage_scrub.wait_idle()


def _data_dir() -> Path:
    return get_settings().resolve_path(get_settings().data_dir)


def test_a_restored_backup_erases_accounts_deleted_after_it_rows_and_files(live, tmp_path, capsys):
    alice, bob = _people(tmp_path)
    made = _backup(tmp_path, capsys)
    assert "Backed up the" in capsys.readouterr().out
    manifest = json.loads((made / "manifest.json").read_text())
    assert manifest["alembic_revision"] == backups.schema_head()
    assert manifest["files"] == "included" and manifest["tombstones"] == 0
    assert oct(made.stat().st_mode & 0o777) == "0o700"

    _delete(alice.id)
    assert tombstones.ids() == {alice.id}
    get_engine().dispose()  # the app is stopped for a restore

    assert cli.main(["restore", str(made)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "1 account(s) were deleted after it was made" in out
    assert "1 deleted account(s) were in it and were erased again" in out

    reset_app_caches()
    with Session(get_engine()) as session:
        assert session.get(User, alice.id) is None
        assert session.get(User, bob.id) is not None
        rows = json.dumps(all_rows(session), default=str)
    assert alice.id not in rows and alice.email not in rows and bob.email in rows
    # Bob's files came back from the backup; Alice's did not.
    assert stored_files_on_disk(_data_dir()) == set(bob.file_paths)


def test_a_backup_of_another_schema_revision_is_refused_and_nothing_changes(live, tmp_path, capsys):
    _people(tmp_path)
    made = _backup(tmp_path, capsys)
    manifest_path = made / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["alembic_revision"] = "0001"
    manifest_path.write_text(json.dumps(manifest))
    get_engine().dispose()
    before = _snapshot(live)

    assert cli.main(["restore", str(made)]) == 2
    error = capsys.readouterr().err
    assert "schema revision 0001" in error and backups.schema_head() in error
    assert "Nothing was changed." in error
    assert _snapshot(live) == before


def test_a_ledger_older_than_the_backup_is_refused(live, tmp_path, capsys):
    alice, _bob = _people(tmp_path)
    _delete(alice.id)
    made = _backup(tmp_path, capsys)
    tombstones.ledger_path().write_text("")  # as if restored from an old copy
    get_engine().dispose()
    before = _snapshot(live)

    assert cli.main(["restore", str(made)]) == 2
    assert "looks older than the backup" in capsys.readouterr().err
    assert _snapshot(live) == before


def test_an_altered_or_foreign_folder_is_refused(live, tmp_path, capsys):
    _people(tmp_path)
    made = _backup(tmp_path, capsys)
    assert cli.main(["restore", str(tmp_path)]) == 2
    assert "is not a NoMask AI backup" in capsys.readouterr().err
    member = next(path for path in made.iterdir() if path.name.startswith("database."))
    with member.open("ab") as file:
        file.write(b"tampered")
    assert cli.main(["restore", str(made)]) == 2
    assert "missing or altered" in capsys.readouterr().err


def _snapshot(engine) -> object:
    """What would change if a restore went ahead: the database's bytes, or the databases."""
    if engine.dialect.name == "sqlite":
        files = sorted(Path(engine.url.database).parent.glob("live.db*"))
        return {path.name: backups.sha256(path) for path in files}
    with Session(engine) as session:
        users = sorted(session.exec(text("SELECT id FROM users")).scalars())
    return users, _databases()
