"""A local S3-compatible server (moto in server mode) for the S3 file store.

The app talks to it with boto3 over real HTTP, exactly as to AWS or MinIO.
"""

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

BUCKET = "nomask-test-files"
KEY_ID, SECRET = "test-key-id", "test-secret-key"  # moto accepts any


class S3Server:
    """moto's S3 on a free loopback port, with one empty bucket."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint_url = ""

    def start(self) -> "S3Server":
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self):
        """A boto3 client of our own, to look into the bucket."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            config=Config(s3={"addressing_style": "path"}),
        )

    def keys(self, prefix: str) -> set[str]:
        """Every object name under `prefix`."""
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def env(self, prefix: str) -> dict[str, str]:
        """Settings that put the app's files in this bucket, under `prefix`."""
        return {
            "NOMASK_FILE_STORE": "s3",
            "NOMASK_S3_BUCKET": BUCKET,
            "NOMASK_S3_ENDPOINT_URL": self.endpoint_url,
            "NOMASK_S3_ACCESS_KEY_ID": KEY_ID,
            "NOMASK_S3_SECRET_ACCESS_KEY": SECRET,
            "NOMASK_S3_PREFIX": prefix,
        }
