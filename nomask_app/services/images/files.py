"""The private file store: metadata in `stored_files`, bytes on local disk or in S3.

Bytes live under a random storage key: in the data directory by default, or
in an S3-compatible bucket with ``NOMASK_FILE_STORE=s3``
(`integrations/object_store.py`); nothing else in the app knows which.
Files never go through Reflex's public `/_upload` mount; they are served only
by the owner-checked `GET /api/files/{id}`. Rows are deleted inside the
caller's transaction; the bytes are removed after it commits
(`remove_stored`), and `sweep_orphans` removes any bytes left behind by a
crash in between. An image's thumbnail lives under a key of its own
(`StoredFile.thumbnail_key`); `stored_keys` lists both, so whoever deletes
rows removes both.
"""

import hashlib
import io
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, col, select

from nomask_app.config import get_settings
from nomask_app.models import StoredFile
from nomask_app.services.common.errors import NotFound
from nomask_app.services.common.text import strip_unsafe


def _store_root() -> Path:
    return get_settings().files_dir


def _in_s3() -> bool:
    return get_settings().file_store == "s3"


def _bucket():
    # Imported on demand: boto3 costs memory that a local store does not need.
    from nomask_app.integrations.object_store import object_store

    return object_store()


def path_for(storage_key: str) -> Path:
    """Where the bytes of a storage key live in the local store."""
    if not storage_key or "/" in storage_key or "." in storage_key:
        raise ValueError("bad storage key")
    return _store_root() / storage_key[:2] / storage_key


def _object_name(storage_key: str) -> str:
    return path_for(storage_key).relative_to(_store_root()).as_posix()


def _write(data: bytes) -> str:
    key = secrets.token_hex(20)
    if _in_s3():
        _bucket().put(_object_name(key), data)
        return key
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return key


def read_key(storage_key: str) -> bytes | None:
    """The bytes stored under a key, or None when they are gone."""
    if _in_s3():
        return _bucket().get(_object_name(storage_key))
    path = path_for(storage_key)
    return path.read_bytes() if path.is_file() else None


def local_path(storage_key: str) -> Path | None:
    """The file holding a key's bytes, when the store is local and it exists."""
    if _in_s3():
        return None
    path = path_for(storage_key)
    return path if path.is_file() else None


def open_stored(storage_key: str) -> BinaryIO:
    """A readable file object with a key's bytes (for Pillow and archives).

    Raises:
        FileNotFoundError: the bytes are gone.
    """
    path = local_path(storage_key)
    if path is not None:
        return path.open("rb")
    data = read_key(storage_key)
    if data is None:
        raise FileNotFoundError(storage_key)
    return io.BytesIO(data)


def store_bytes(
    *,
    session: Session,
    user_id: str,
    data: bytes,
    filename: str,
    content_type: str,
    kind: str = "upload",
    conversation_id: str | None = None,
    message_id: str | None = None,
    source_file_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
    thumbnail: bytes | None = None,
) -> StoredFile:
    """Write `data` (and its thumbnail, if any) to the store and add its row.

    The caller commits; if it rolls back instead, `sweep_orphans` removes the bytes.
    """
    key = _write(data)
    row = StoredFile(
        user_id=user_id,
        conversation_id=conversation_id,
        message_id=message_id,
        source_file_id=source_file_id,
        kind=kind,
        filename=_safe_filename(filename),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        storage_key=key,
        thumbnail_key=_write(thumbnail) if thumbnail else None,
    )
    session.add(row)
    return row


def _safe_filename(name: str) -> str:
    # A name from the person's operating system: cleaned silently, never refused.
    return Path(strip_unsafe(name) or "file").name[:255] or "file"


def get_file(*, session: Session, user_id: str, file_id: str) -> StoredFile:
    """The file with this id if it belongs to `user_id`.

    Raises:
        NotFound: no such file, or someone else's.
    """
    row = session.get(StoredFile, file_id)
    if row is None or row.user_id != user_id:
        raise NotFound(file_id)
    return row


def read_bytes(row: StoredFile) -> bytes:
    """The stored bytes of a file row.

    Raises:
        FileNotFoundError: the bytes are gone.
    """
    data = read_key(row.storage_key)
    if data is None:
        raise FileNotFoundError(row.storage_key)
    return data


def files_of_messages(
    *, session: Session, user_id: str, message_ids: Iterable[str]
) -> dict[str, list[StoredFile]]:
    """Files attached to these messages of this user, by message id (one query)."""
    ids = list(message_ids)
    attached: dict[str, list[StoredFile]] = {message_id: [] for message_id in ids}
    if not ids:
        return attached
    rows = session.exec(
        select(StoredFile)
        .where(StoredFile.user_id == user_id, col(StoredFile.message_id).in_(ids))
        .order_by(StoredFile.created_at)
    )
    for row in rows:
        attached[row.message_id].append(row)
    return attached


def files_of_conversation(
    *, session: Session, user_id: str, conversation_id: str
) -> dict[str, list[StoredFile]]:
    """Every file attached to a message of this conversation, by message id (one query)."""
    attached: dict[str, list[StoredFile]] = {}
    rows = session.exec(
        select(StoredFile)
        .where(
            StoredFile.user_id == user_id,
            StoredFile.conversation_id == conversation_id,
            col(StoredFile.message_id).is_not(None),
        )
        .order_by(StoredFile.created_at)
    )
    for row in rows:
        attached.setdefault(row.message_id, []).append(row)
    return attached


def remove_stored(storage_keys: Iterable[str]) -> None:
    """Delete stored bytes (after the transaction that deleted their rows committed)."""
    keys = list(storage_keys)
    if _in_s3():
        if keys:
            _bucket().delete(_object_name(key) for key in keys)
        return
    for key in keys:
        path_for(key).unlink(missing_ok=True)


def _everything_stored() -> Iterator[tuple[str, float, object]]:
    """(key, when written as a Unix time, handle to remove it) for all stored bytes."""
    if _in_s3():
        for name, modified in _bucket().list():
            folder, _, key = name.partition("/")
            # Only names we give files: others (export archives) are not ours.
            if key and folder == key[:2] and "/" not in key:
                yield key, modified.timestamp(), name
        return
    root = _store_root()
    if root.exists():
        for path in root.glob("*/*"):
            yield path.name.removesuffix(".part"), path.stat().st_mtime, path


def sweep_orphans(*, session: Session, older_than: timedelta | None = None) -> int:
    """Remove stored bytes that no row refers to; return how many were removed.

    With `older_than`, bytes written more recently are spared: they may belong
    to an upload whose row is not committed yet.
    """
    known = set(stored_keys(session=session))
    cutoff = time.time() - older_than.total_seconds() if older_than else None
    orphans = [
        handle
        for key, written, handle in _everything_stored()
        if key not in known and (cutoff is None or written < cutoff)
    ]
    if _in_s3():
        _bucket().delete(orphans)
    else:
        for path in orphans:
            path.unlink(missing_ok=True)
    return len(orphans)


def read_thumbnail(row: StoredFile) -> bytes | None:
    """The stored thumbnail of an image row, if it has one."""
    return read_key(row.thumbnail_key) if row.thumbnail_key else None


def stored_keys(*, session: Session, conditions: Iterable = ()) -> list[str]:
    """Every storage key (files and their thumbnails) of the rows matching `conditions`.

    Collect these before deleting rows, then pass them to `remove_stored`
    once the transaction has committed.
    """
    keys: list[str] = []
    query = select(StoredFile.storage_key, StoredFile.thumbnail_key).where(*conditions)
    for storage_key, thumbnail_key in session.exec(query):
        keys.append(storage_key)
        if thumbnail_key:
            keys.append(thumbnail_key)
    return keys
