"""The tombstone ledger: which accounts were deleted and when, kept apart from the database.

A backup restored after a deletion would bring the person back. So every
account deletion first writes a tombstone (the account id and the time,
nothing else) outside the database, inside the transaction that erases the
rows: if the tombstone cannot be written the erasure rolls back and the
deletion stays pending, loudly.

Where: with ``NOMASK_FILE_STORE=s3``, in the bucket every host shares, one
small object per deletion (``tombstones/{id}`` under the store's prefix: S3
cannot append, and one object each never loses a neighbour's write), its
time the object's. Otherwise in an append-only file
(``NOMASK_TOMBSTONE_LEDGER``, by default ``<data dir>/tombstones.jsonl``).

`enforce` erases every account that the ledger names and the database still
holds: the restore command runs it before the restored database goes live,
and the privacy sweep runs it at every start (for restores made without our
command, such as a managed database's point-in-time recovery). Erasing again
is always right: ids are random 128-bit values, never reused.

Format: one JSON object per line (or per object),
``{"v": 1, "user_id": ..., "deleted_at": ...}``, appended under an exclusive
lock and synced to disk (or stored by the bucket) before the deletion commits.
"""

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from nomask_app.config import get_settings
from nomask_app.db import get_engine
from nomask_app.models import User
from nomask_app.services.privacy import erasure

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_BATCH = 500  # ids per lookup in the database
_FOLDER = "tombstones/"  # in the bucket, under the store's prefix


class TombstoneUnwritable(RuntimeError):
    """The ledger cannot be written: no deletion may go ahead without its tombstone."""


@dataclass(frozen=True)
class Tombstone:
    """One deleted account: its id and when it was deleted (UTC). Nothing personal."""

    user_id: str
    deleted_at: datetime


def _in_s3() -> bool:
    return get_settings().file_store == "s3"


def _bucket():
    # Imported on demand: boto3 costs memory that a local store does not need.
    from nomask_app.integrations.object_store import object_store

    return object_store()


def ledger_path() -> Path:
    """Where the ledger file lives (``NOMASK_TOMBSTONE_LEDGER``), when it is a file."""
    return get_settings().tombstone_ledger_path


def location() -> str:
    """Where the ledger lives, for messages to the operator."""
    settings = get_settings()
    if _in_s3():
        return f"s3://{settings.s3_bucket}/{settings.s3_prefix}{_FOLDER}"
    return str(ledger_path())


def probe() -> None:
    """Check that a tombstone could be written now, changing nothing.

    Raises:
        TombstoneUnwritable: the folder or the file is missing rights or space,
            or the bucket does not answer.
    """
    if _in_s3():
        try:
            _bucket().check()
        # Whatever the client raises (network, credentials, no such bucket):
        # no deletion may start that could not be recorded.
        except Exception as error:
            raise TombstoneUnwritable(type(error).__name__) from error
        return
    path = ledger_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            if path.is_dir() or not os.access(path, os.W_OK):
                raise OSError(f"{path} is not a writable file")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            raise OSError(f"{path.parent} is not writable")
    except OSError as error:
        raise TombstoneUnwritable(str(error)) from error


def record(user_id: str, deleted_at: datetime) -> None:
    """Append one tombstone and sync it to disk.

    Raises:
        TombstoneUnwritable: it could not be written (the caller's deletion must fail).
    """
    line = json.dumps(
        {"v": FORMAT_VERSION, "user_id": user_id, "deleted_at": deleted_at.isoformat()}
    )
    if _in_s3():
        try:  # stored durably once the bucket answers
            _bucket().put(_FOLDER + user_id, (line + "\n").encode())
        except Exception as error:  # whatever the client raises: the deletion must fail
            log.error("tombstone ledger cannot be written: %s", type(error).__name__)
            raise TombstoneUnwritable(type(error).__name__) from error
        return
    path = ledger_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # several workers append to one file
            size = os.fstat(descriptor).st_size
            # A line torn by a crash must not swallow this one: start a new line.
            torn = size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"
            os.write(descriptor, (("\n" if torn else "") + line + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:  # the new file's name must survive a crash too
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except OSError as error:
        log.error("tombstone ledger cannot be written: %s", type(error).__name__)
        raise TombstoneUnwritable(str(error)) from error


def read() -> Iterator[Tombstone]:
    """Every tombstone; a line torn by a crash is skipped.

    With the bucket, the bucket's first, then those of a ledger file left from
    before the store moved to the bucket (never written since, still binding).

    Raises:
        OSError: the ledger exists but cannot be read (or the bucket does not answer).
    """
    if _in_s3():
        yield from _read_bucket()
    path = ledger_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as ledger:
        for number, line in enumerate(ledger, start=1):
            try:
                entry = json.loads(line)
                yield Tombstone(entry["user_id"], datetime.fromisoformat(entry["deleted_at"]))
            except (ValueError, KeyError, TypeError):
                log.warning("tombstone ledger line %d is unreadable; skipped", number)


def _read_bucket() -> Iterator[Tombstone]:
    # The listing says it all (the id in the name, the time the object's):
    # no object needs to be fetched, however many accounts were deleted.
    try:
        listed = sorted(
            ((modified, name.removeprefix(_FOLDER)) for name, modified in _bucket().list(_FOLDER)),
        )
    except Exception as error:  # whatever the client raises, as the file's OSError
        raise OSError(f"tombstones cannot be listed: {type(error).__name__}") from error
    for modified, user_id in listed:
        yield Tombstone(user_id, modified)


def ids() -> set[str]:
    """The ids of every deleted account."""
    return {tombstone.user_id for tombstone in read()}


@dataclass(frozen=True)
class Enforced:
    """What `enforce` found and erased."""

    erased: list[str]
    leftovers: list[erasure.Leftover]


def enforce(engine: Engine | None = None, *, deleted: set[str] | None = None) -> Enforced:
    """Erase every account the ledger names that the database still holds.

    No email and no call to Stripe: both happened at the first deletion.
    Each account is erased in a transaction of its own.

    Args:
        engine: The database to clean (a restore's copy); the app's by default.
        deleted: The ledger's ids, when the caller read them already.

    Returns:
        The ids erased, and the files and storage keys to remove afterwards.
    """
    engine = engine or get_engine()
    wanted = sorted(ids() if deleted is None else deleted)
    erased: list[str] = []
    leftovers: list[erasure.Leftover] = []
    for start in range(0, len(wanted), _BATCH):
        with Session(engine) as session:
            present = session.exec(
                select(User.id).where(User.id.in_(wanted[start : start + _BATCH]))
            ).all()
        for user_id in present:
            with Session(engine) as session:
                leftovers += erasure.erase_rows(session=session, user_id=user_id)
                session.commit()
            erased.append(user_id)
    if erased:
        log.warning("erased %d deleted accounts again (tombstone ledger)", len(erased))
    return Enforced(erased, leftovers)
