"""The private file store: bytes on local disk, metadata in `stored_files`.

Files never go through Reflex's public `/_upload` mount; they are served only
by the owner-checked `GET /api/files/{id}`. Rows are deleted inside the
caller's transaction; the bytes are removed after it commits
(`remove_from_disk`), and `sweep_orphans` removes any bytes left behind by a
crash in between. An image's thumbnail lives under a key of its own
(`StoredFile.thumbnail_key`); `disk_keys` lists both, so whoever deletes rows
removes both from disk.
"""

import hashlib
import os
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from nomask_app.config import get_settings
from nomask_app.models import StoredFile
from nomask_app.services.errors import NotFound


def _store_root() -> Path:
    return get_settings().files_dir


def path_for(storage_key: str) -> Path:
    """Where the bytes of a storage key live."""
    if not storage_key or "/" in storage_key or "." in storage_key:
        raise ValueError("bad storage key")
    return _store_root() / storage_key[:2] / storage_key


def _write(data: bytes) -> str:
    key = secrets.token_hex(20)
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return key


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
    name = Path(name or "file").name.replace("\x00", "")
    return "".join(ch for ch in name if ch.isprintable())[:255] or "file"


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
    """The stored bytes of a file row."""
    return path_for(row.storage_key).read_bytes()


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


def remove_from_disk(storage_keys: Iterable[str]) -> None:
    """Delete stored bytes (after the transaction that deleted their rows committed)."""
    for key in storage_keys:
        path_for(key).unlink(missing_ok=True)


def sweep_orphans(*, session: Session, older_than: timedelta | None = None) -> int:
    """Remove bytes on disk that no row refers to; return how many were removed.

    With `older_than`, bytes written more recently are spared: they may belong
    to an upload whose row is not committed yet.
    """
    root = _store_root()
    if not root.exists():
        return 0
    known = set(disk_keys(session=session))
    cutoff = time.time() - older_than.total_seconds() if older_than else None
    removed = 0
    for path in root.glob("*/*"):
        key = path.name.removesuffix(".part")
        if key not in known and (cutoff is None or path.stat().st_mtime < cutoff):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def read_thumbnail(row: StoredFile) -> bytes | None:
    """The stored thumbnail of an image row, if it has one."""
    if not row.thumbnail_key:
        return None
    path = path_for(row.thumbnail_key)
    return path.read_bytes() if path.exists() else None


def disk_keys(*, session: Session, conditions: Iterable = ()) -> list[str]:
    """Every key on disk (files and their thumbnails) of the rows matching `conditions`.

    Collect these before deleting rows, then pass them to `remove_from_disk`
    once the transaction has committed.
    """
    keys: list[str] = []
    query = select(StoredFile.storage_key, StoredFile.thumbnail_key).where(*conditions)
    for storage_key, thumbnail_key in session.exec(query):
        keys.append(storage_key)
        if thumbnail_key:
            keys.append(thumbnail_key)
    return keys
