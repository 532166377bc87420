"""HTTP routes of operations: health, Prometheus metrics, and unsubscribing from product email.

Metrics answer admins or a configured token only.
"""

import hmac

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from nomask_app.api.common import no_store
from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.llm import gateway_ready
from nomask_app.services.accounts.sessions import SESSION_COOKIE, resolve_session
from nomask_app.services.operations import metrics, notifications
from nomask_app.services.operations.admin import is_admin


async def health(_request: Request) -> Response:
    """200 when the database answers, 503 otherwise; `models` says if chat is warmed up."""
    models = "ready" if gateway_ready() else "starting"
    try:
        await run_in_threadpool(_ping_database)
    except Exception:  # any failure means "not healthy"
        return no_store(
            JSONResponse({"status": "error", "database": "unreachable", "models": models}, 503)
        )
    return no_store(JSONResponse({"status": "ok", "database": "ok", "models": models}))


def _ping_database() -> None:
    with session_scope() as session:
        session.exec(text("SELECT 1"))


# --- One-click unsubscribe from product updates (RFC 8058), no sign-in needed ---

_UNSUBSCRIBE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · NoMask AI</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;
line-height:1.5;color:#1c2024}}a{{color:#5b3ec7}}</style></head>
<body><main><h1>{title}</h1><p>{text}</p>
<p><a href="{settings_url}">Open your settings</a></p></main></body></html>
"""


def _unsubscribe(user_id: str, signature: str) -> bool:
    with session_scope() as session:
        return notifications.unsubscribe(session=session, user_id=user_id, signature=signature)


async def unsubscribe(request: Request) -> Response:
    """Switch "Product updates and tips" off through the signed link in an email.

    GET is the link in the message; POST is the one-click button mail programs
    show for the ``List-Unsubscribe-Post`` header. Security alerts continue.
    """
    params = request.query_params
    done = await run_in_threadpool(
        _unsubscribe, params.get("user", "")[:64], params.get("sig", "")[:64]
    )
    if request.method == "POST":
        return no_store(
            JSONResponse(
                {"status": "unsubscribed" if done else "invalid link"}, 200 if done else 400
            )
        )
    if done:
        title = "You are unsubscribed"
        text = (
            "You will no longer receive product updates and tips. Security alerts about "
            "your account continue, because they protect it."
        )
    else:
        title = "This link is not valid"
        text = "Switch product updates and tips off in your settings instead."
    settings_url = f"{get_settings().app_url.rstrip('/')}/settings"
    page = _UNSUBSCRIBE_PAGE.format(title=title, text=text, settings_url=settings_url)
    return no_store(HTMLResponse(page, 200 if done else 400))


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


operations_routes = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/metrics", prometheus_metrics, methods=["GET"]),
    Route(notifications.UNSUBSCRIBE_PATH, unsubscribe, methods=["GET", "POST"]),
]
