"""Where finished export archives live: the exports folder, or the bucket.

With ``NOMASK_FILE_STORE=s3`` an archive is written to this host's exports
folder while it is built, then uploaded to the bucket (``exports/{id}.zip``
under the store's prefix) and removed from disk: any host can serve it,
expire it or delete it with the account. Otherwise it stays in the exports
folder, which then must be the same for every process that serves it.
"""

import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlmodel import Session, select

from nomask_app.config import get_settings
from nomask_app.models import DataExport
from nomask_app.services.privacy.exports import archive_path, is_export_id, partial_path

_FOLDER = "exports/"


class ExportArchive(NamedTuple):
    """An export's archive to remove once the transaction that deleted its row committed."""

    export_id: str


def _in_s3() -> bool:
    return get_settings().file_store == "s3"


def _bucket():
    # Imported on demand: boto3 costs memory that a local store does not need.
    from nomask_app.integrations.object_store import object_store

    return object_store()


def _object_name(export_id: str) -> str:
    return _FOLDER + archive_path(export_id).name


def publish(export_id: str) -> int:
    """Make the complete archive at `partial_path` the export's archive; return its size."""
    partial, final = partial_path(export_id), archive_path(export_id)
    size = partial.stat().st_size
    if _in_s3():
        try:
            _bucket().upload(_object_name(export_id), partial)
        finally:
            partial.unlink(missing_ok=True)
    else:
        os.replace(partial, final)
    return size


def exists(export_id: str) -> bool:
    """Whether the export's finished archive is stored."""
    if _in_s3():
        return _bucket().exists(_object_name(export_id))
    return archive_path(export_id).is_file()


def local_file(export_id: str) -> Path | None:
    """The archive's file, when archives stay on disk and it exists."""
    if _in_s3():
        return None
    path = archive_path(export_id)
    return path if path.is_file() else None


def chunks(export_id: str) -> Iterator[bytes] | None:
    """The archive's bytes in chunks, or None when it is gone."""
    if _in_s3():
        return _bucket().stream(_object_name(export_id))
    path = local_file(export_id)
    if path is None:
        return None

    def read() -> Iterator[bytes]:
        with path.open("rb") as archive:
            while block := archive.read(256 * 1024):
                yield block

    return read()


def remove(export_ids: Iterable[str]) -> None:
    """Delete the archives (finished or half-written) of these exports, wherever they are."""
    ids = list(export_ids)
    for export_id in ids:
        partial_path(export_id).unlink(missing_ok=True)
        archive_path(export_id).unlink(missing_ok=True)
    if ids and _in_s3():
        _bucket().delete(_object_name(export_id) for export_id in ids)


def remove_stale_partials(*, older_than: timedelta, now: datetime) -> int:
    """Remove this host's half-written archives nobody wrote to for `older_than`.

    A host that died mid-build leaves one; another host built the export again.
    Each host calls this itself: the sweep (run by one host) sees only its own disk.
    """
    folder = get_settings().exports_dir
    if not folder.exists():
        return 0
    cutoff = now.timestamp() - older_than.total_seconds()
    removed = 0
    for path in folder.glob("*.zip.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker of this host removed it first
            continue
    return removed


def stored() -> Iterator[tuple[str, float]]:
    """(export id, when written as a Unix time) of every archive stored, here or in the bucket."""
    folder = get_settings().exports_dir
    if folder.exists():
        for path in folder.iterdir():
            yield path.name.split(".", 1)[0], path.stat().st_mtime
    if _in_s3():
        for name, modified in _bucket().list():
            if name.startswith(_FOLDER):
                yield name.removeprefix(_FOLDER).split(".", 1)[0], modified.timestamp()


def orphans(*, session: Session, older_than: timedelta, now: datetime) -> list[ExportArchive]:
    """Archives no export row refers to (left by a crash), older than `older_than`."""
    known = set(session.exec(select(DataExport.id)))
    cutoff = now.timestamp() - older_than.total_seconds()
    return [
        ExportArchive(export_id)
        for export_id in sorted(
            {
                export_id
                for export_id, written in stored()
                if export_id not in known and written < cutoff and is_export_id(export_id)
            }
        )
    ]
