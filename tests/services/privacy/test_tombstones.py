"""The tombstone ledger: written by every deletion, or the deletion does not happen."""

import json
import logging
import os
from datetime import datetime

import pytest
from sqlmodel import select

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.models import AccountDeletion, User
from nomask_app.models.common import utcnow
from nomask_app.services.privacy import account_deletion, privacy_sweep, tombstones
from nomask_app.states.privacy.deletion import LEDGER_DOWN, _delete_account
from tests.factories import PASSWORD
from tests.privacy_data import owned_rows, populate, stored_files_on_disk


def _delete(user_id: str) -> bool:
    with session_scope() as session:
        account_deletion.request_deletion(
            session=session, user_id=user_id, current_password=PASSWORD, confirmation="DELETE"
        )
    return privacy_sweep.finish_deletion(user_id)


def _data_dir():
    return get_settings().resolve_path(get_settings().data_dir)


def test_each_deletion_appends_a_synced_tombstone_with_the_id_and_time_only(session, monkeypatch):
    alice = populate(session, name="Alice Tombstoned", email="tombstoned@example.com")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    before = utcnow()
    assert _delete(alice.id) is True
    [line] = tombstones.ledger_path().read_text().splitlines()
    entry = json.loads(line)
    assert set(entry) == {"v", "user_id", "deleted_at"} and entry["user_id"] == alice.id
    assert before <= datetime.fromisoformat(entry["deleted_at"]) <= utcnow()
    assert "tombstoned" not in line.lower() and alice.secret not in line
    assert len(synced) >= 2  # the line, and the folder that gained the file
    assert oct(tombstones.ledger_path().stat().st_mode & 0o777) == "0o600"


def test_an_unwritable_ledger_stops_the_deletion_before_anything_happens(session):
    alice = populate(session, name="Alice Unrecorded", email="unrecorded@example.com")
    before = owned_rows(session, alice.id)
    tombstones.ledger_path().mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(tombstones.TombstoneUnwritable):
        _delete_account(alice.id, PASSWORD, "DELETE")
    session.expire_all()
    assert owned_rows(session, alice.id) == before  # not even signed out
    assert session.exec(select(AccountDeletion)).all() == []
    assert "nothing was deleted" in LEDGER_DOWN


def test_a_tombstone_that_fails_to_write_rolls_the_erasure_back_and_the_sweep_retries(
    session, caplog
):
    alice = populate(session, name="Alice Retried", email="retried@example.com")
    with session_scope() as scope:
        account_deletion.request_deletion(
            session=scope, user_id=alice.id, current_password=PASSWORD, confirmation="DELETE"
        )
    tombstones.ledger_path().mkdir(parents=True)  # the disk changed since the check
    with pytest.raises(tombstones.TombstoneUnwritable):
        privacy_sweep.finish_deletion(alice.id)
    session.expire_all()
    assert session.get(User, alice.id) is not None  # every row is still there
    session.commit()  # no open transaction: PostgreSQL's index rebuild waits for those
    with caplog.at_level(logging.ERROR):
        result = privacy_sweep.sweep()
    assert result.deletions_pending == 1
    assert "tombstone ledger cannot be written" in caplog.text
    assert "account deletion failed" in caplog.text

    tombstones.ledger_path().rmdir()
    assert privacy_sweep.sweep().deletions_finished == 1
    session.expire_all()
    assert session.get(User, alice.id) is None
    assert tombstones.ids() == {alice.id}


def test_a_line_torn_by_a_crash_is_skipped(session):
    path = tombstones.ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tombstones.record("a" * 32, utcnow())
    with path.open("a") as ledger:
        ledger.write('{"v": 1, "user_id": "bbbb')  # the process died mid-line
    assert tombstones.ids() == {"a" * 32}
    tombstones.record("c" * 32, utcnow())  # on a line of its own, not glued to the torn one
    assert tombstones.ids() == {"a" * 32, "c" * 32}


def test_the_sweep_erases_an_account_the_ledger_names_but_the_database_holds(session):
    """A database restored without our command (point-in-time recovery)."""
    alice = populate(session, name="Alice Returned", email="returned@example.com")
    bob = populate(session, name="Bob Kept", email="kept@example.com")
    tombstones.record(alice.id, utcnow())
    result = privacy_sweep.sweep()
    assert result.erased_again == 1
    session.expire_all()
    assert session.get(User, alice.id) is None and session.get(User, bob.id) is not None
    assert stored_files_on_disk(_data_dir()) == set(bob.file_paths)
    assert privacy_sweep.sweep().erased_again == 0
