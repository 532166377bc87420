"""Export archives in the bucket (NOMASK_FILE_STORE=s3): any host serves, expires, deletes them."""

import io
import zipfile
from datetime import timedelta

from starlette.testclient import TestClient

from nomask_app.api import create_api
from nomask_app.config import get_settings
from nomask_app.middleware import SecurityMiddleware
from nomask_app.models import DataExport
from nomask_app.models.common import utcnow
from nomask_app.services.images import files
from nomask_app.services.privacy import export_jobs, export_store, exports, privacy_sweep
from tests.factories import PASSWORD, make_user
from tests.privacy_data import populate


def _archive(export_id: str) -> str:
    return f"exports/{export_id}.zip"


def _objects(s3_server, prefix: str) -> set[str]:
    return {name.removeprefix(prefix) for name in s3_server.keys(prefix)}


def _on_disk() -> list:
    folder = get_settings().exports_dir
    return list(folder.iterdir()) if folder.exists() else []


def test_a_built_archive_lives_in_the_bucket_not_on_disk(session, s3_store, s3_server):
    alice = populate(session, name="Alice Cloud", email="alice.cloud@example.com")
    assert _archive(alice.export_id) in _objects(s3_server, s3_store)
    assert _on_disk() == []  # neither the archive nor its partial file stays on this host
    assert export_store.exists(alice.export_id)
    assert export_store.local_file(alice.export_id) is None
    export = session.get(DataExport, alice.export_id)
    assert export.status == "ready" and export.size_bytes > 0


def test_the_route_streams_the_bucket_archive_to_its_owner_only(session, s3_store):
    owner, other = make_user(session), make_user(session)
    export = exports.request_export(session=session, user_id=owner.id)
    session.commit()
    assert export_jobs.build(export.id)
    app = SecurityMiddleware(create_api())
    with TestClient(app) as mine, TestClient(app) as theirs:
        for client, user in ((mine, owner), (theirs, other)):
            login = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
            assert login.status_code == 200
        response = mine.get(f"/api/export/{export.id}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert response.headers["content-disposition"].startswith("attachment")
        assert int(response.headers["content-length"]) == len(response.content)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.namelist()  # a whole, readable archive
        assert theirs.get(f"/api/export/{export.id}").status_code == 404
        # Gone from the bucket (another host expired it): not found, not an error.
        export_store.remove([export.id])
        assert mine.get(f"/api/export/{export.id}").status_code == 404


def test_expiry_removes_the_object(session, s3_store, s3_server):
    alice = populate(session, name="Alice Expiry", email="alice.expiry@example.com")
    export = session.get(DataExport, alice.export_id)
    export.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert privacy_sweep.sweep().exports_expired == 1
    assert _archive(alice.export_id) not in _objects(s3_server, s3_store)


def test_a_build_for_a_deleted_account_leaves_no_object(session, s3_store, s3_server):
    user = make_user(session)
    export = exports.request_export(session=session, user_id=user.id)
    session.commit()
    finish = exports.finish

    def account_gone(*, session, export_id, size_bytes):
        session.delete(session.get(DataExport, export_id))
        return None

    exports.finish = account_gone
    try:
        assert export_jobs.build(export.id) is False
    finally:
        exports.finish = finish
    assert _archive(export.id) not in _objects(s3_server, s3_store)
    assert _on_disk() == []


def test_orphaned_archives_go_after_an_hour_and_the_file_sweep_leaves_archives_alone(
    session, s3_store, s3_server
):
    alice = populate(session, name="Alice Orphan", email="alice.orphan@example.com")
    stray = "f" * 32
    files._bucket().put(_archive(stray), b"left by a crash")
    # The file store's orphan sweep only knows file keys: archives are not its own.
    files.sweep_orphans(session=session)
    assert {_archive(alice.export_id), _archive(stray)} <= _objects(s3_server, s3_store)
    # Fresh: maybe still being committed.
    now = utcnow()
    assert export_store.orphans(session=session, older_than=timedelta(hours=1), now=now) == []
    later = now + timedelta(hours=2)
    found = export_store.orphans(session=session, older_than=timedelta(hours=1), now=later)
    assert found == [export_store.ExportArchive(stray)]
    privacy_sweep.remove_files(found)
    assert _archive(stray) not in _objects(s3_server, s3_store)
    assert _archive(alice.export_id) in _objects(s3_server, s3_store)


def test_each_host_removes_its_own_stale_half_written_archives(session):
    folder = get_settings().exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    left = folder / f"{'a' * 32}.zip.part"  # by a build on this host that died
    left.write_bytes(b"half")
    now = utcnow()
    hour = timedelta(hours=1)
    assert export_store.remove_stale_partials(older_than=hour, now=now) == 0  # maybe building
    assert export_store.remove_stale_partials(older_than=hour, now=now + 2 * hour) == 1
    assert not left.exists()
