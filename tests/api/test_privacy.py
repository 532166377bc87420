"""`GET /api/export/{id}`: the archive to its owner only, never cached, gone once expired."""

import io
import zipfile
from datetime import timedelta

from sqlmodel import select

from nomask_app.models import DataExport, SecurityEvent
from nomask_app.models.common import utcnow
from nomask_app.services.privacy import export_jobs, exports


def _ready_export(session, user) -> str:
    export = exports.request_export(session=session, user_id=user.id)
    session.commit()
    assert export_jobs.build(export.id)
    return export.id


def test_the_owner_downloads_the_archive_privately(signed_in, session):
    client, user = signed_in()
    export_id = _ready_export(session, user)
    response = client.get(f"/api/export/{export_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="nomask-export-'
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "manifest.json" in archive.namelist()
    kinds = session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == user.id)).all()
    assert "export.downloaded" in kinds


def test_nobody_else_gets_it_and_nothing_says_it_exists(signed_in, session, client):
    _owner_client, owner = signed_in()
    other_client, _other = signed_in()
    export_id = _ready_export(session, owner)
    for response in (
        other_client.get(f"/api/export/{export_id}"),
        client.get(f"/api/export/{export_id}"),  # signed out
        other_client.get(f"/api/export/{'0' * 32}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "not found"}
        assert response.headers["cache-control"] == "no-store"


def test_an_expired_or_unfinished_export_is_not_served(signed_in, session):
    client, user = signed_in()
    export_id = _ready_export(session, user)
    export = session.get(DataExport, export_id)
    export.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(f"/api/export/{export_id}").status_code == 404
    export.expires_at, export.created_at = None, utcnow() - timedelta(hours=2)
    export.status = "running"
    session.commit()
    assert client.get(f"/api/export/{export_id}").status_code == 404
