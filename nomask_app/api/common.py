"""Helpers shared by the HTTP routes: who is calling, from where, and common responses."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.middleware import client_ip
from nomask_app.services.accounts.sessions import SESSION_COOKIE, resolve_session
from nomask_app.services.images import files
from nomask_app.services.operations.ratelimit import RateLimited

MAX_FORM_BYTES = 8 * 1024


def request_context(request: Request) -> dict[str, str]:
    """The client's IP address and User-Agent, for sessions and security events."""
    return {
        "ip_address": client_ip(request.scope, get_settings().trusted_proxy_hops),
        "user_agent": request.headers.get("user-agent", "")[:512],
    }


def authenticated_user_id(request: Request) -> str | None:
    """The id of the signed-in user behind the session cookie (blocking: use a thread)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with session_scope() as session:
        resolved = resolve_session(session=session, token=token)
    return resolved[0].id if resolved else None


def no_store(response: Response) -> Response:
    """Mark a response as never to be cached."""
    response.headers["cache-control"] = "no-store"
    return response


def too_many_requests(limit: RateLimited) -> Response:
    """429 with ``Retry-After``, and the same words people see on the pages."""
    response = JSONResponse(
        {"error": "too many requests", "message": limit.message, "retry_after": limit.retry_after},
        429,
        headers={"retry-after": str(limit.retry_after)},
    )
    return no_store(response)


def not_found() -> Response:
    """The answer for anything that does not exist or belongs to someone else."""
    return no_store(JSONResponse({"error": "not found"}, 404))


# Stored files are private: never cached, and inert even if a browser rendered them.
PRIVATE_FILE_HEADERS = {
    "cache-control": "private, no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


async def stored_file(key: str, media_type: str, disposition: str) -> Response:
    """The bytes under a storage key (local file or S3 object), or 404 when they are gone."""
    headers = {**PRIVATE_FILE_HEADERS, "content-disposition": disposition}
    path = files.local_path(key)
    if path is not None:
        return FileResponse(path, media_type=media_type, headers=headers)
    data = await run_in_threadpool(files.read_key, key)
    if data is None:
        return not_found()
    return Response(data, media_type=media_type, headers=headers)


def foreign_origin(request: Request) -> bool:
    """Whether a POST comes from another site (a cross-site forgery)."""
    # Browsers send Origin on every POST; a foreign one is a cross-site forgery.
    origin = request.headers.get("origin")
    return bool(origin) and origin not in get_settings().allowed_origins


async def read_form(request: Request) -> dict[str, str] | None:
    """A small form or JSON body as strings, or None when it is too large or malformed."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return None
        try:
            data = await request.json()
        except ValueError:
            return None
        return (
            {k: v for k, v in data.items() if isinstance(v, str)}
            if isinstance(data, dict)
            else None
        )
    form = await request.form(max_files=0, max_fields=8, max_part_size=MAX_FORM_BYTES)
    return {k: v for k, v in form.items() if isinstance(v, str)}
