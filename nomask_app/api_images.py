"""HTTP route of the image studio: thumbnails, as private as the images themselves."""

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from nomask_app.db import session_scope
from nomask_app.services import files, images
from nomask_app.services.errors import NotFound
from nomask_app.services.uploads import THUMBNAIL_TYPE
from nomask_app.web import authenticated_user_id, not_found

PRIVATE_FILE_HEADERS = {
    "cache-control": "private, no-store",
    # Even if a browser were tricked into rendering it, nothing would run.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


def _own_image(user_id: str, file_id: str):
    with session_scope() as session:
        try:
            return images.get_image(session=session, user_id=user_id, file_id=file_id)
        except NotFound:
            return None


async def serve_thumbnail(request: Request) -> Response:
    """`GET /api/files/{id}/thumbnail`: an image's thumbnail, to its owner only (404 otherwise).

    Images stored before thumbnails existed are served whole.
    """
    user_id = await run_in_threadpool(authenticated_user_id, request)
    file_id = request.path_params["file_id"]
    row = await run_in_threadpool(_own_image, user_id, file_id) if user_id else None
    if row is None:
        return not_found()
    key, media_type = (
        (row.thumbnail_key, THUMBNAIL_TYPE)
        if row.thumbnail_key
        else (
            row.storage_key,
            row.content_type,
        )
    )
    path = files.path_for(key)
    if not path.exists():
        return not_found()
    return FileResponse(
        path,
        media_type=media_type,
        headers={
            **PRIVATE_FILE_HEADERS,
            "content-disposition": f"inline; filename*=UTF-8''{quote('thumbnail-' + row.filename)}",
        },
    )


image_routes = [Route("/api/files/{file_id}/thumbnail", serve_thumbnail, methods=["GET"])]
