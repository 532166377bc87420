"""The ZIP container of a data export: members written as streams, each one hashed.

`ArchiveWriter` never holds a whole member in memory: text is buffered in
64 kB pieces, files are copied in 1 MB chunks, and each member's size and
SHA-256 are kept for the manifest.
"""

import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, BinaryIO

from nomask_app.models import StoredFile
from nomask_app.models.common import utcnow

_CHUNK = 1024 * 1024
_BUFFER = 64 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def file_member(row: StoredFile) -> str:
    """The path of a stored file inside the archive: ``files/<id>-<safe name>``."""
    name = _UNSAFE.sub("_", row.filename).strip("._")[:100] or "file"
    return f"files/{row.id}-{name}"


class TextMember:
    """A text member being written: buffered, hashed and counted."""

    def __init__(self, stream):
        self._stream = stream
        self._parts: list[str] = []
        self._buffered = 0
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> None:
        """Add text; it reaches the archive in 64 kB pieces."""
        self._parts.append(text)
        self._buffered += len(text)
        if self._buffered >= _BUFFER:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered."""
        data = "".join(self._parts).encode("utf-8")
        self._parts, self._buffered = [], 0
        self.sha256.update(data)
        self.size += len(data)
        self._stream.write(data)


class ArchiveWriter:
    """A ZIP being written member by member, remembering each member's checksum."""

    def __init__(self, zip_file: zipfile.ZipFile):
        self._zip = zip_file
        self.entries: list[dict[str, Any]] = []

    def text(self, name: str, write: Callable[[TextMember], None]) -> None:
        """Write a compressed text member through `write(member)`."""
        info = zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w", force_zip64=True) as stream:
            member = TextMember(stream)
            write(member)
            member.flush()
        self.entries.append(
            {"path": name, "size": member.size, "sha256": member.sha256.hexdigest()}
        )

    def json(self, name: str, value: Any) -> None:
        """Write a small JSON document."""
        self.text(name, lambda out: out.write(dumps(value, indent=2)))

    def copy(self, name: str, source: BinaryIO, size: int, created: datetime) -> None:
        """Copy an open stored file in chunks, uncompressed (images are compressed already)."""
        info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = size
        digest, written = hashlib.sha256(), 0
        with source as original, self._zip.open(info, "w", force_zip64=True) as stream:
            while chunk := original.read(_CHUNK):
                digest.update(chunk)
                written += len(chunk)
                stream.write(chunk)
        self.entries.append({"path": name, "size": written, "sha256": digest.hexdigest()})


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON with readable non-ASCII text and ISO 8601 timestamps."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=_iso)


def json_array(out: TextMember, items: Iterator[dict], indent: str = "  ") -> None:
    """Write a JSON array one item per line, reading `items` as it goes."""
    out.write("[")
    for number, item in enumerate(items):
        out.write(("," if number else "") + "\n" + indent + dumps(item))
    out.write("\n" + indent[:-2] + "]")
