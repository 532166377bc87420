"""HTTP routes of operations: Prometheus metrics, for admins or a configured token only."""

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.services import metrics
from nomask_app.services.admin import is_admin
from nomask_app.services.sessions import SESSION_COOKIE, resolve_session
from nomask_app.web import no_store


def _bearer_ok(request: Request) -> bool:
    expected = get_settings().metrics_token
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    if expected is None or scheme.lower() != "bearer" or not supplied:
        return False
    return hmac.compare_digest(supplied.strip().encode(), expected.get_secret_value().encode())


def _admin_session(token: str | None) -> bool:
    if not token:
        return False
    with session_scope() as session:
        resolved = resolve_session(session=session, token=token)
        return resolved is not None and is_admin(resolved[0])


async def prometheus_metrics(request: Request) -> Response:
    """`GET /api/metrics`: the Prometheus text format, or 401 without the right credentials."""
    allowed = _bearer_ok(request) or await run_in_threadpool(
        _admin_session, request.cookies.get(SESSION_COOKIE)
    )
    if not allowed:
        challenge = {"www-authenticate": 'Bearer realm="metrics"'}
        return no_store(JSONResponse({"error": "unauthorized"}, 401, headers=challenge))
    return no_store(Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE))


security_routes = [Route("/api/metrics", prometheus_metrics, methods=["GET"])]
