"""Deleting an account leaves none of its bytes in the files on disk (policy §4).

SQL cannot see what the database files still hold: old page images in the
write-ahead log, fragments of deleted text in the full-text index, dead
tuples, a GIN index's keys. This test scans the raw bytes instead:

- SQLite: the main file, ``-wal``, ``-shm`` and any ``-journal``;
- PostgreSQL: a plain-format ``pg_dump`` (``-Fc`` is compressed, a scan of it
  would prove nothing) and, where this process can read the server's data
  directory, every file of every relation of the test database after
  ``compact`` (``pg_wal`` is left out: see docs/PRODUCTION.md);
- every file under the data directory, names and contents: the file store,
  the export archives, the outbox; the tombstone ledger there must hold the
  account's id and nothing else of it.

FTS5 prefix-compresses its terms, so a whole id may be missing from the file
while most of it is there: every id is also looked for by its last 16
characters, and everything lower-cased (FTS folds case). Before the deletion
the same scan must find the person in each place, and afterwards another
person's word must still be found: the scan provably sees the data.
"""

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations import mailer
from nomask_app.models.common import utcnow
from nomask_app.services.images import files
from nomask_app.services.operations import delivery, emails
from nomask_app.services.privacy import (
    account_deletion,
    privacy_sweep,
    storage_scrub,
    tombstones,
)
from tests.factories import PASSWORD, post_message
from tests.privacy_data import owned_rows, png, populate

NAME = "Quentin Zanzibar-Quokka"
EMAIL = "quentin.zq@example.org"
WORDS = ("zanzibarquokka", "xylophonicwombat")
FILENAME = "zq-holiday.png"
CONTROL = "bobsentinelword"


def _needles(session, alice) -> set[str]:
    """Everything that identifies Alice or her data, lower-cased, ids also by suffix."""
    values = {EMAIL, alice.new_email, NAME, "zanzibar-quokka", *WORDS, "zq-holiday", alice.secret}
    for table_name, rows in owned_rows(session, alice.id).items():
        table = SQLModel.metadata.tables[table_name]
        identifying = [c.name for c in table.columns if c.primary_key or c.unique or c.foreign_keys]
        for row in rows:
            values |= {row[name] for name in identifying if isinstance(row[name], str)}
    values |= {value[-16:] for value in values if len(value) >= 32}
    return {value.lower() for value in values if value}


def _database_files(engine) -> dict[str, bytes]:
    database = Path(make_url(engine.url).database)
    suffixes = ("", "-wal", "-shm", "-journal")
    return {
        f"database{suffix or ' main file'}": Path(f"{database}{suffix}").read_bytes()
        for suffix in suffixes
        if Path(f"{database}{suffix}").exists()
    }


def _pg_dump(engine) -> dict[str, bytes]:
    url = make_url(engine.url).set(drivername="postgresql")
    dump = subprocess.run(
        [shutil.which("pg_dump") or "pg_dump", "--format=plain", "--dbname", str(url)],
        check=True,
        capture_output=True,
    ).stdout
    return {"pg_dump (plain)": dump}


def _pg_relation_files(engine) -> dict[str, bytes]:
    """Every file of every relation of this database, when the data directory is readable."""
    with engine.connect() as connection:
        data_dir = Path(connection.execute(text("SHOW data_directory")).scalar())
        if not os.access(data_dir, os.R_OK):
            return {}
        connection.execute(text("CHECKPOINT"))
        paths = connection.execute(
            text(
                "SELECT relname, pg_relation_filepath(oid) FROM pg_class "
                "WHERE pg_relation_filepath(oid) IS NOT NULL"
            )
        ).all()
    found = {}
    for name, relative in paths:
        for path in (data_dir / relative).parent.glob(Path(relative).name + "*"):
            found[f"relation {name} ({path.name})"] = path.read_bytes()
    return found


def _files_under(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`: its path and its contents both count.

    The tombstone ledger is checked on its own: it must hold the id, and only that.
    """
    return {
        str(path.relative_to(folder)): str(path.relative_to(folder)).encode()
        + b"\0"
        + path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path != tombstones.ledger_path()
    }


def _everything(engine) -> dict[str, bytes]:
    mailer.wait_idle()
    storage_scrub.wait_idle()
    found = _files_under(get_settings().resolve_path(get_settings().data_dir))
    if engine.dialect.name == "sqlite":
        return found | _database_files(engine)
    return found | _pg_dump(engine) | _pg_relation_files(engine)


def _hits(places: dict[str, bytes], needles: set[str]) -> dict[str, set[str]]:
    hits = {}
    for place, data in places.items():
        lowered = data.lower()
        found = {needle for needle in needles if needle.encode() in lowered}
        if found:
            hits[place] = found
    return hits


def _settle_into_main_file(engine) -> None:
    """As hours of other traffic would: the person's data is in the main file, not the log."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    else:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))


def test_a_deleted_account_leaves_no_byte_in_database_files_file_store_exports_or_outbox(
    session, engine
):
    alice = populate(session, name=NAME, email=EMAIL)
    bob = populate(session, name="Bob Remaining", email="bob.remaining@example.org")
    post_message(session, bob.user, f"{CONTROL} stays with Bob")
    picture = files.store_bytes(
        session=session,
        user_id=alice.id,
        data=png((1, 2, 3)),
        filename=FILENAME,
        content_type="image/png",
        conversation_id=alice.conversation_ids[0],
    )
    for word in WORDS:
        post_message(
            session, alice.user, f"{word} " * 40, conversation_id=alice.conversation_ids[0]
        )
    session.commit()
    needles = _needles(session, alice)
    assert picture.id.lower() in needles and picture.storage_key.lower() in needles
    _settle_into_main_file(engine)

    before = _hits(_everything(engine), needles)
    database = "database main file" if engine.dialect.name == "sqlite" else "pg_dump (plain)"
    assert {EMAIL, *WORDS, alice.id[-16:]} <= before[database], "the scan must see Alice first"
    assert any(picture.storage_key in place for place in before), "and her stored files"
    assert any(alice.export_id in place for place in before), "and her export archive"
    assert any(place.startswith("outbox/") for place in before), "and her mail"
    session.commit()  # an open transaction would hold PostgreSQL's index rebuild back

    with session_scope() as scope:
        account_deletion.request_deletion(
            session=scope, user_id=alice.id, current_password=PASSWORD, confirmation="DELETE"
        )
    assert privacy_sweep.finish_deletion(alice.id) is True
    storage_scrub.wait_idle()
    if engine.dialect.name == "postgresql":
        # Plain VACUUM leaves dead bytes in free space: rewriting the files is
        # the operator's step (`python -m nomask_app.cli compact`).
        storage_scrub.compact(engine)

    # Only the deletion notice is left: readable for a while, as sent mail would be.
    [notice] = _hits(_everything(engine), needles)
    assert notice.startswith("outbox/") and f"-{emails.ACCOUNT_DELETED}-" in notice
    delivery.purge_outbox(now=utcnow() + delivery.DELETION_NOTICE_HOLD + timedelta(seconds=1))

    after = _everything(engine)
    assert _hits(after, needles) == {}
    ledger = {"tombstone ledger": tombstones.ledger_path().read_bytes()}
    assert _hits(ledger, needles) == {"tombstone ledger": {alice.id, alice.id[-16:]}}
    assert CONTROL.encode() in after[database].lower(), "Bob's data must still be found"
    if engine.dialect.name == "sqlite":
        assert Path(f"{make_url(engine.url).database}-wal").stat().st_size == 0


def test_without_the_scrub_the_files_would_still_hold_the_deleted_words(
    session, engine, monkeypatch
):
    """The proof above fails when the scrub does not run (so it tests something)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: on PostgreSQL plain VACUUM alone leaves bytes too")
    monkeypatch.setattr(storage_scrub, "request", lambda engine=None: None)
    alice = populate(session, name=NAME, email=EMAIL)
    post_message(
        session, alice.user, f"{WORDS[0]} " * 40, conversation_id=alice.conversation_ids[0]
    )
    _settle_into_main_file(engine)
    with session_scope() as scope:
        account_deletion.request_deletion(
            session=scope, user_id=alice.id, current_password=PASSWORD, confirmation="DELETE"
        )
    assert privacy_sweep.finish_deletion(alice.id) is True
    hits = _hits(_database_files(engine), {WORDS[0], alice.id[-16:]})
    assert hits, "without the scrub the log or the search index still holds the words"
