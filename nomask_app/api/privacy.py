"""HTTP route of the privacy center: downloading a finished data export."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from nomask_app.api.common import authenticated_user_id, not_found, request_context
from nomask_app.db import session_scope
from nomask_app.models import DataExport
from nomask_app.services.common.errors import NotFound
from nomask_app.services.privacy import export_store, exports


def _own_export(user_id: str, export_id: str, context: dict[str, str]) -> DataExport | None:
    with session_scope() as session:
        try:
            export = exports.downloadable(session=session, user_id=user_id, export_id=export_id)
        except NotFound:
            return None
        if not export_store.exists(export.id):
            return None
        exports.record_download(session=session, export=export, **context)
        return export


async def download_export(request: Request) -> Response:
    """`GET /api/export/{id}`: a ready export archive, to its owner only (404 otherwise)."""
    user_id = await run_in_threadpool(authenticated_user_id, request)
    export_id = request.path_params["export_id"][:64]
    export = (
        await run_in_threadpool(_own_export, user_id, export_id, request_context(request))
        if user_id
        else None
    )
    if export is None:
        return not_found()
    headers = {
        "cache-control": "private, no-store",
        "content-disposition": (
            f'attachment; filename="nomask-export-{export.created_at:%Y-%m-%d}.zip"'
        ),
        "content-security-policy": "default-src 'none'; sandbox",
    }
    path = export_store.local_file(export.id)
    if path is not None:
        return FileResponse(path, media_type="application/zip", headers=headers)
    body = await run_in_threadpool(export_store.chunks, export.id)
    if body is None:  # expired between the check and now
        return not_found()
    headers["content-length"] = str(export.size_bytes)
    return StreamingResponse(body, media_type="application/zip", headers=headers)


privacy_routes = [Route("/api/export/{export_id}", download_export, methods=["GET"])]
