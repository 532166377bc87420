"""Files in an S3-compatible bucket (NOMASK_FILE_STORE=s3), against a local S3 server."""

import io
from datetime import timedelta

from PIL import Image
from sqlmodel import select
from starlette.testclient import TestClient

from nomask_app.api import create_api
from nomask_app.config import get_settings
from nomask_app.middleware import SecurityMiddleware
from nomask_app.models import StoredFile
from nomask_app.services.images import files
from nomask_app.services.privacy import privacy_sweep
from tests.factories import PASSWORD, make_user
from tests.privacy_data import populate


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, "PNG")
    return out.getvalue()


def _objects(s3_server, prefix: str) -> set[str]:
    return {name.removeprefix(prefix) for name in s3_server.keys(prefix)}


def _name(key: str) -> str:
    return f"{key[:2]}/{key}"


def test_files_and_thumbnails_live_in_the_bucket_not_on_disk(session, s3_store, s3_server):
    user = make_user(session)
    row = files.store_bytes(
        session=session,
        user_id=user.id,
        data=_png(),
        filename="teal.png",
        content_type="image/png",
        thumbnail=b"thumbnail bytes",
    )
    session.commit()
    assert _objects(s3_server, s3_store) == {_name(row.storage_key), _name(row.thumbnail_key)}
    assert not get_settings().files_dir.exists() or not any(get_settings().files_dir.iterdir())
    assert files.read_bytes(row) == _png()
    assert files.read_thumbnail(row) == b"thumbnail bytes"
    assert files.local_path(row.storage_key) is None
    with Image.open(files.open_stored(row.storage_key)) as image:
        assert image.size == (40, 30)


def test_the_route_serves_bucket_bytes_to_the_owner_only(session, s3_store):
    owner, other = make_user(session), make_user(session)
    row = files.store_bytes(
        session=session, user_id=owner.id, data=b"%PDF-1.7", filename="a.pdf", content_type="x/y"
    )
    session.commit()
    app = SecurityMiddleware(create_api())
    with TestClient(app) as mine, TestClient(app) as theirs:
        for client, user in ((mine, owner), (theirs, other)):
            login = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
            assert login.status_code == 200
        response = mine.get(f"/api/files/{row.id}")
        assert response.status_code == 200 and response.content == b"%PDF-1.7"
        assert response.headers["cache-control"] == "private, no-store"
        assert response.headers["content-disposition"].startswith("attachment")
        assert theirs.get(f"/api/files/{row.id}").status_code == 404
        files.remove_stored([row.storage_key])
        assert mine.get(f"/api/files/{row.id}").status_code == 404


def test_deleting_an_account_removes_its_objects_and_keeps_the_others(session, s3_store, s3_server):
    alice = populate(session, name="Alice Bucket", email="alice.bucket@example.com", marked=True)
    bob = populate(session, name="Bob Bucket", email="bob.bucket@example.com")
    session.commit()
    keys_of = {
        owner.id: {_name(key) for key in files.stored_keys(session=session, conditions=[cond])}
        | {f"exports/{owner.export_id}.zip"}
        for owner in (alice, bob)
        for cond in [StoredFile.user_id == owner.id]
    }
    assert keys_of[alice.id] and keys_of[bob.id]
    assert _objects(s3_server, s3_store) == keys_of[alice.id] | keys_of[bob.id]

    assert privacy_sweep.finish_deletion(alice.id) is True

    # Left of Alice: her tombstone (her id and the time), which every host must see.
    assert _objects(s3_server, s3_store) == keys_of[bob.id] | {f"tombstones/{alice.id}"}
    assert session.exec(select(StoredFile).where(StoredFile.user_id == alice.id)).all() == []


def test_the_sweep_removes_orphaned_objects_once_they_are_old(session, s3_store, s3_server):
    user = make_user(session)
    kept = files.store_bytes(
        session=session, user_id=user.id, data=b"kept", filename="k.txt", content_type="text/plain"
    )
    session.commit()
    orphan = files.store_bytes(
        session=session, user_id=user.id, data=b"lost", filename="o.txt", content_type="text/plain"
    )
    session.rollback()  # a crash between writing the bytes and committing the row
    assert _name(orphan.storage_key) in _objects(s3_server, s3_store)
    # Fresh bytes may belong to an upload still being committed: spared.
    assert files.sweep_orphans(session=session, older_than=timedelta(hours=1)) == 0
    assert files.sweep_orphans(session=session) == 1
    assert _objects(s3_server, s3_store) == {_name(kept.storage_key)}
