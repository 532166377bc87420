"""Helpers shared by the HTTP routes: who is calling, from where, and common responses."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.middleware import client_ip
from nomask_app.services import files
from nomask_app.services.ratelimit import RateLimited
from nomask_app.services.sessions import SESSION_COOKIE, resolve_session


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
