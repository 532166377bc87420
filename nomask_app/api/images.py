"""HTTP route of the image studio: thumbnails, as private as the images themselves."""

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nomask_app.api.common import authenticated_user_id, not_found, stored_file
from nomask_app.db import session_scope
from nomask_app.services.common.errors import NotFound
from nomask_app.services.images import gallery
from nomask_app.services.images.uploads import THUMBNAIL_TYPE


def _own_image(user_id: str, file_id: str):
    with session_scope() as session:
        try:
            return gallery.get_image(session=session, user_id=user_id, file_id=file_id)
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
    name = quote("thumbnail-" + row.filename)
    return await stored_file(key, media_type, f"inline; filename*=UTF-8''{name}")


image_routes = [Route("/api/files/{file_id}/thumbnail", serve_thumbnail, methods=["GET"])]
