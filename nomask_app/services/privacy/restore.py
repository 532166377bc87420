"""Restoring a backup (``python -m nomask_app.cli restore <backup>``), with the app stopped.

A restore must not bring back anyone who was deleted since the backup was
taken. So the backup is loaded into a copy first (a new SQLite file, a new
PostgreSQL database), every account in the tombstone ledger is erased from
that copy (rows, and files in the restored file store), the copy is scrubbed,
and only then does it replace the live database. The live database never
holds a deleted account, not even for a moment, and the app never serves
before the tombstones are applied.

Refusals change nothing: a backup of another schema revision (restore it
with the version of the app that made it), another database kind, altered
members, or a ledger that cannot be read or holds fewer tombstones than the
backup saw (it looks restored too, and would let deleted accounts return).

The replaced database is kept (``<db>.pre-restore-<time>``, or the database
``<name>_pre_restore_<time>``), and the replaced file store next to the live
one, so that a restore can be undone; delete them once the app works.
"""

import os
import shutil
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from nomask_app.config import get_settings
from nomask_app.db import build_engine, get_engine
from nomask_app.integrations import pg_tools
from nomask_app.models.common import utcnow
from nomask_app.services.images import files
from nomask_app.services.privacy import backups, export_store, storage_scrub, tombstones
from nomask_app.services.privacy.backups import BackupRefused, Manifest
from nomask_app.services.privacy.export_store import ExportArchive


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    backup_created_at: datetime
    revision: str
    newer_tombstones: int  # accounts deleted after the backup was taken
    erased_again: int  # of all tombstoned accounts, how many the backup held
    previous_database: str
    previous_files: str


def restore_backup(backup: Path) -> Restored:
    """Replace the live database (and local file store) with a backup, minus the deleted.

    Raises:
        BackupRefused: the backup does not fit this app or this ledger; nothing changed.
        pg_tools.ToolFailed: pg_restore is missing or failed; nothing changed.
    """
    settings = get_settings()
    engine = get_engine()
    manifest = backups.read_manifest(backup)
    _check_fits(manifest, engine.dialect.name, settings.file_store)
    try:
        ledger = list(tombstones.read())
    except OSError as error:
        raise BackupRefused(
            f"The tombstone ledger {tombstones.location()} cannot be read ({error}): "
            "without it deleted accounts would come back. Nothing was changed."
        ) from error
    if len(ledger) < manifest.tombstones:
        raise BackupRefused(
            f"The tombstone ledger holds {len(ledger)} deletions but already held "
            f"{manifest.tombstones} when this backup was made: it looks older than the "
            "backup (was it restored too?). Put the newest ledger back first. "
            "Nothing was changed."
        )
    stamp = f"{utcnow():%Y%m%dT%H%M%S}"
    if engine.dialect.name == "sqlite":
        erased, leftovers, previous = _restore_sqlite(backup, manifest, engine, stamp)
    else:
        erased, leftovers, previous = _restore_postgres(backup, manifest, engine, stamp)
    previous_files = _swap_files(backup, manifest, leftovers, stamp)
    # Export archives: none are restored, but be sure.
    export_store.remove(item.export_id for item in leftovers if isinstance(item, ExportArchive))
    return Restored(
        backup_created_at=manifest.created_at,
        revision=manifest.alembic_revision,
        newer_tombstones=sum(1 for t in ledger if t.deleted_at > manifest.created_at),
        erased_again=len(erased),
        previous_database=previous,
        previous_files=previous_files,
    )


def _check_fits(manifest: Manifest, dialect: str, file_store: str) -> None:
    head = backups.schema_head()
    if manifest.alembic_revision != head:
        raise BackupRefused(
            f"This backup has schema revision {manifest.alembic_revision}; this version of "
            f"the app needs {head}. Restore it with the version that made it (then upgrade "
            "with `make migrate`). Nothing was changed."
        )
    if manifest.database != dialect:
        raise BackupRefused(
            f"This is a backup of a {manifest.database} database; the configured database "
            f"is {dialect}. Nothing was changed."
        )
    if (manifest.files == "included") != (file_store == "local"):
        raise BackupRefused(
            f"This backup's files are {manifest.files}, but NOMASK_FILE_STORE is "
            f"{file_store}. Nothing was changed."
        )


def _revision_matches(found: str, manifest: Manifest) -> None:
    if found != manifest.alembic_revision:
        raise BackupRefused(
            f"The database inside the backup has schema revision {found or 'none'}, not "
            f"{manifest.alembic_revision} as its manifest says. Nothing was changed."
        )


def _prepare(copy: Engine) -> tombstones.Enforced:
    """Erase the tombstoned accounts from a copy and scrub its files."""
    try:
        enforced = tombstones.enforce(copy)
        storage_scrub.scrub(copy)
    finally:
        copy.dispose()
    return enforced


def _restore_sqlite(backup: Path, manifest: Manifest, engine: Engine, stamp: str):
    live = backups.sqlite_path(engine.url.render_as_string(hide_password=False))
    staging = live.with_name(f"{live.name}.restoring")
    for leftover in _with_log_files(staging):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(backup / backups.SQLITE_MEMBER, staging)
    try:
        _revision_matches(backups.sqlite_revision(staging), manifest)
        enforced = _prepare(build_engine(f"sqlite:///{staging}"))
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    previous = live.with_name(f"{live.name}.pre-restore-{stamp}")
    if live.exists():
        # The replaced database is kept whole: its log goes into it first.
        storage_scrub.scrub(engine)
        engine.dispose()
        os.replace(live, previous)
    for log_file in _with_log_files(live)[1:]:
        log_file.unlink(missing_ok=True)
    os.replace(staging, live)
    _sync_folder(live.parent)
    return enforced.erased, enforced.leftovers, str(previous) if previous.exists() else ""


def _with_log_files(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))]


def _restore_postgres(backup: Path, manifest: Manifest, engine: Engine, stamp: str):
    url = make_url(engine.url.render_as_string(hide_password=False))
    live = url.database or ""
    staging, previous = f"{live}_restoring_{stamp}"[:63], f"{live}_pre_restore_{stamp}"[:63]
    engine.dispose()
    admin = build_engine(url.set(database="postgres").render_as_string(hide_password=False))
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as connection:
            others = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": live},
            ).scalar()
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": live}
            ).first()
        if others:
            raise BackupRefused(
                f"{others} connection(s) to {live} are open: stop the app (every worker) "
                "before restoring. Nothing was changed."
            )
        autocommit = admin.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {quote(staging)}")
        staging_url = url.set(database=staging).render_as_string(hide_password=False)
        try:
            pg_tools.restore(staging_url, backup / backups.POSTGRES_MEMBER)
            copy = build_engine(staging_url)
            _revision_matches(backups.revision_of(copy), manifest)
            enforced = _prepare(copy)
        except BaseException:
            with autocommit.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(staging)} WITH (FORCE)")
            raise
        with admin.begin() as connection:  # both names change together, or neither
            if exists:
                connection.exec_driver_sql(
                    f"ALTER DATABASE {quote(live)} RENAME TO {quote(previous)}"
                )
            connection.exec_driver_sql(f"ALTER DATABASE {quote(staging)} RENAME TO {quote(live)}")
    finally:
        admin.dispose()
    return enforced.erased, enforced.leftovers, previous if exists else ""


def _swap_files(backup: Path, manifest: Manifest, leftovers: list, stamp: str) -> str:
    """Put the backup's file store in place, without the files of erased accounts."""
    keys = [item for item in leftovers if isinstance(item, str)]
    if manifest.files != "included":
        files.remove_stored(keys)  # objects a versioned bucket may have brought back
        return ""
    live = get_settings().files_dir
    staging = live.with_name(f"{live.name}.restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o700)
    with tarfile.open(backup / backups.FILES_MEMBER) as archive:
        # The "data" filter refuses links, devices and paths outside `staging`.
        archive.extractall(staging, filter="data")
    for key in keys:
        (staging / files.path_for(key).relative_to(live)).unlink(missing_ok=True)
    previous = live.with_name(f"{live.name}.pre-restore-{stamp}")
    if live.exists():
        os.replace(live, previous)
    os.replace(staging, live)
    _sync_folder(live.parent)
    return str(previous) if previous.exists() else ""


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
