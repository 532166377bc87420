"""The S3-compatible object store: the only module that imports boto3.

Used by `services/images/files.py` and `services/privacy/export_store.py` when
``NOMASK_FILE_STORE=s3``. Any server that speaks the S3 API works (AWS, MinIO,
Ceph, R2, ...): set the endpoint URL for anything but AWS. Objects are private:
the bucket needs no public access, and files reach people only through the
owner-checked `GET /api/files/{id}` and export archives through
`GET /api/export/{id}`.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from nomask_app.config import get_settings

_DELETE_BATCH = 1000  # the most keys one DeleteObjects request may name
_CHUNK = 256 * 1024  # bytes per read when streaming an object out


class ObjectStore:
    """One bucket, under one key prefix."""

    def __init__(self, *, bucket: str, prefix: str, client) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = client

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (replacing what was there)."""
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def _body(self, key: str):
        """The streaming body of the object under `key`, or None when there is none."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return answer["Body"]

    def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None when there are none."""
        body = self._body(key)
        return None if body is None else body.read()

    def upload(self, key: str, path: Path) -> None:
        """Store the file at `path` under `key` (in parts when it is large)."""
        self.client.upload_file(str(path), self.bucket, self.prefix + key)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return False
            raise
        return True

    def stream(self, key: str) -> Iterator[bytes] | None:
        """The bytes under `key` in chunks (never all in memory), or None when there are none."""
        body = self._body(key)
        return None if body is None else body.iter_chunks(_CHUNK)

    def delete(self, keys: Iterable[str]) -> None:
        """Delete `keys` (missing ones are fine), in batches."""
        names = [self.prefix + key for key in keys]
        for start in range(0, len(names), _DELETE_BATCH):
            batch = names[start : start + _DELETE_BATCH]
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": name} for name in batch], "Quiet": True},
            )

    def check(self) -> None:
        """Raise unless the bucket answers to our credentials (changes nothing)."""
        self.client.head_bucket(Bucket=self.bucket)

    def list(self, under: str = "") -> Iterator[tuple[str, datetime]]:
        """Every key under the prefix (and `under`), with when it was last written."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + under
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"].removeprefix(self.prefix), item["LastModified"]


@lru_cache
def object_store() -> ObjectStore:
    """The configured bucket (one client per process; boto3 clients are thread-safe)."""
    settings = get_settings()
    key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=key_id.get_secret_value() if key_id else None,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        # Path-style addressing works with every S3-compatible server.
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
    )
    return ObjectStore(bucket=settings.s3_bucket, prefix=settings.s3_prefix, client=client)
