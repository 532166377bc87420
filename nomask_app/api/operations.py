"""HTTP routes of operations: health, Prometheus metrics, and unsubscribing from product email.

Metrics answer admins or a configured token only.
"""

import hmac

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from nomask_app.api.common import no_store, read_form
from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.llm import gateway_ready
from nomask_app.services.accounts.sessions import SESSION_COOKIE
from nomask_app.services.operations import metrics, notifications
from nomask_app.services.operations.admin import is_admin_token


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


# --- Unsubscribing from product updates, no sign-in needed ---
# The link in an email (GET) only asks: link scanners open every link in a
# message. The page's button, or a mail program's one-click POST (RFC 8058),
# unsubscribes.

_UNSUBSCRIBE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{title} · NoMask AI</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;
line-height:1.5;color:#1c2024}}a{{color:#5b3ec7}}button{{font:inherit;padding:.5rem 1rem;
border-radius:.375rem;border:0;background:#5b3ec7;color:#fff;cursor:pointer}}
button:focus-visible{{outline:2px solid #1c2024;outline-offset:2px}}
@media (prefers-color-scheme:dark){{body{{background:#111113;color:#edeef0}}a{{color:#b8a8ff}}
button:focus-visible{{outline-color:#edeef0}}}}</style></head>
<body><main><h1>{title}</h1><p>{text}</p>{form}
<p><a href="{settings_url}">Open your settings</a></p></main></body></html>
"""
# Posts to the page's own address (the signed link): no action, nothing to escape.
_UNSUBSCRIBE_FORM = (
    '<form method="post"><input type="hidden" name="source" value="page">'
    '<button type="submit">Unsubscribe</button></form>'
)
_UNSUBSCRIBE_TEXTS = {
    "ask": (
        "Unsubscribe from product updates?",
        "You will no longer receive product updates and tips. Security alerts about "
        "your account continue, because they protect it.",
    ),
    "done": (
        "You are unsubscribed",
        "You will no longer receive product updates and tips. Security alerts about "
        "your account continue, because they protect it.",
    ),
    "invalid": (
        "This link is not valid",
        "Switch product updates and tips off in your settings instead.",
    ),
}


def _unsubscribe(user_id: str, signature: str) -> bool:
    with session_scope() as session:
        return notifications.unsubscribe(session=session, user_id=user_id, signature=signature)


def _unsubscribe_page(state: str) -> Response:
    title, text = _UNSUBSCRIBE_TEXTS[state]
    page = _UNSUBSCRIBE_PAGE.format(
        title=title,
        text=text,
        form=_UNSUBSCRIBE_FORM if state == "ask" else "",
        settings_url=f"{get_settings().app_url.rstrip('/')}/settings",
    )
    return no_store(HTMLResponse(page, 400 if state == "invalid" else 200))


async def unsubscribe(request: Request) -> Response:
    """Switch "Product updates and tips" off through the signed link in an email.

    GET (the link) shows a page that asks, with an "Unsubscribe" button; its
    POST unsubscribes and says so. A POST without that form is the one-click
    button mail programs show for the ``List-Unsubscribe-Post`` header, and
    gets JSON. Security alerts continue.
    """
    user_id = request.query_params.get("user", "")[:64]
    signature = request.query_params.get("sig", "")[:64]
    if request.method == "GET":
        valid = notifications.valid_unsubscribe_link(user_id, signature)
        return _unsubscribe_page("ask" if valid else "invalid")
    form = await read_form(request) or {}
    done = await run_in_threadpool(_unsubscribe, user_id, signature)
    if form.get("source") == "page":
        return _unsubscribe_page("done" if done else "invalid")
    return no_store(
        JSONResponse({"status": "unsubscribed" if done else "invalid link"}, 200 if done else 400)
    )


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
        return is_admin_token(session=session, token=token)


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
