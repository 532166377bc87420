"""Consistent backups of the database and the file store (``python -m nomask_app.cli backup``).

A backup is one folder, readable by its owner only, since it holds personal data::

    nomask-backup-20260412T101500Z/
      manifest.json     format, time, database kind, schema revision, tombstones seen,
                        the SHA-256 of every member
      database.sqlite   SQLite: ``VACUUM INTO`` (one snapshot, no freed pages)
      database.pgdump   PostgreSQL: ``pg_dump --format=custom``
      files.tar         the local file store (an S3 store relies on bucket versioning)

The tombstone ledger is never part of a backup: it must outlive every
restore (services/privacy/tombstones.py). `restore.py` restores one.
"""

import hashlib
import json
import os
import sqlite3
import tarfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from nomask_app.config import PROJECT_ROOT, get_settings
from nomask_app.db import get_engine
from nomask_app.integrations import pg_tools
from nomask_app.models.common import utcnow
from nomask_app.services.privacy import tombstones

FORMAT = "nomask-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
POSTGRES_MEMBER = "database.pgdump"
FILES_MEMBER = "files.tar"


class BackupRefused(RuntimeError):
    """A backup cannot be made or restored; the message says why, and nothing changed."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written last (a folder without it is incomplete)."""

    created_at: datetime
    database: str  # "sqlite" | "postgresql"
    alembic_revision: str
    files: str  # "included" | "in-bucket"
    tombstones: int
    sha256: dict[str, str]

    def as_json(self) -> str:
        """The manifest file's text."""
        return json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "created_at": self.created_at.isoformat(),
                "database": self.database,
                "alembic_revision": self.alembic_revision,
                "files": self.files,
                "tombstones": self.tombstones,
                "sha256": self.sha256,
            },
            indent=2,
        )


def schema_head() -> str:
    """The schema revision this version of the app needs (the newest migration)."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def revision_of(engine: Engine) -> str:
    """The schema revision recorded in a database ("" without alembic's table)."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no such table: never migrated
            return ""


def make_backup(folder: Path) -> tuple[Path, Manifest]:
    """Back up the configured database (and the local file store) into a new folder.

    Args:
        folder: Where to create ``nomask-backup-<time>/``.

    Returns:
        The backup's folder and its manifest.

    Raises:
        BackupRefused: the database has no schema revision, or changed schema
            while the backup ran.
        pg_tools.ToolFailed: pg_dump is missing or failed.
    """
    engine = get_engine()
    # Taken before the snapshot: tombstones from then on are re-applied at restore.
    created_at = utcnow()
    ledger_count = sum(1 for _ in tombstones.read())
    revision = revision_of(engine)
    if not revision:
        raise BackupRefused("The database has no schema revision: run `make migrate` first.")
    target = folder / f"nomask-backup-{created_at:%Y%m%dT%H%M%S%fZ}"
    target.mkdir(parents=True, mode=0o700)
    if engine.dialect.name == "sqlite":
        member = target / SQLITE_MEMBER
        _vacuum_into(engine, member)
        inside = sqlite_revision(member)
    else:
        member = target / POSTGRES_MEMBER
        pg_tools.dump(engine.url.render_as_string(hide_password=False), member)
        inside = revision_of(engine)  # unchanged since before the dump, or refuse
    if inside != revision:
        raise BackupRefused("The schema changed while the backup ran; run it again.")
    members = [member]
    settings = get_settings()
    if settings.file_store == "local":
        members.append(_tar(settings.files_dir, target / FILES_MEMBER))
    manifest = Manifest(
        created_at=created_at,
        database=engine.dialect.name,
        alembic_revision=revision,
        files="included" if settings.file_store == "local" else "in-bucket",
        tombstones=ledger_count,
        sha256={path.name: sha256(path) for path in members},
    )
    for path in members:
        path.chmod(0o600)
    _write_durably(target / MANIFEST, manifest.as_json())
    return target, manifest


def read_manifest(backup: Path) -> Manifest:
    """The manifest of a backup folder, checked against the members' bytes.

    Raises:
        BackupRefused: not a backup, or a member is missing or altered.
    """
    try:
        raw = json.loads((backup / MANIFEST).read_text())
        if raw.get("format") != FORMAT or raw.get("version") != VERSION:
            raise ValueError("unknown format")
        manifest = Manifest(
            created_at=datetime.fromisoformat(raw["created_at"]),
            database=raw["database"],
            alembic_revision=raw["alembic_revision"],
            files=raw["files"],
            tombstones=int(raw["tombstones"]),
            sha256=dict(raw["sha256"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupRefused(f"{backup} is not a NoMask AI backup ({error}).") from error
    for name, expected in manifest.sha256.items():
        member = backup / name
        if not member.is_file() or sha256(member) != expected:
            raise BackupRefused(f"{name} in {backup} is missing or altered; use another backup.")
    return manifest


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sqlite_revision(path: Path) -> str:
    """The schema revision inside a SQLite file, opened read-only ("" if none).

    Raises:
        BackupRefused: the file is not a sound SQLite database.
    """
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        try:
            [result] = connection.execute("PRAGMA integrity_check").fetchone()
            if result != "ok":
                raise BackupRefused(f"{path.name} is damaged: {result}")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupRefused(f"{path.name} is not a usable database ({error}).") from error
    return row[0] if row else ""


def _vacuum_into(engine: Engine, member: Path) -> None:
    # Outside a transaction (the app's engine begins IMMEDIATE ones).
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("VACUUM INTO ?", (str(member),))
    finally:
        raw.close()


def _tar(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w") as archive:
        if folder.exists():
            archive.add(folder, arcname=".")
    return target


def _write_durably(path: Path, content: str) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(content)
    with partial.open("rb") as file:
        os.fsync(file.fileno())
    os.replace(partial, path)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL."""
    return Path(make_url(url).database or "")
