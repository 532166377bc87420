"""HTTP routes next to Reflex's websocket: health, the session cookie, unsubscribe.

The session cookie is HttpOnly, so no Reflex event handler can set it: the
sign-in form is checked over the websocket, which hands the browser a
single-use ticket that it posts here in a full page load.
"""

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from nomask_app.api_chat import chat_routes
from nomask_app.api_images import image_routes
from nomask_app.api_privacy import privacy_routes
from nomask_app.api_security import security_routes
from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations import stripe as stripe_api
from nomask_app.integrations.llm import gateway_ready
from nomask_app.services import audit, devices, notifications, sessions, signin, stripe_events
from nomask_app.services.ratelimit import RateLimited
from nomask_app.web import no_store, request_context, too_many_requests

MAX_FORM_BYTES = 8 * 1024
MAX_WEBHOOK_BYTES = 512 * 1024


def _foreign_origin(request: Request) -> bool:
    # Browsers send Origin on every POST; a foreign one is a cross-site forgery.
    origin = request.headers.get("origin")
    return bool(origin) and origin not in get_settings().allowed_origins


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


async def _read_form(request: Request) -> dict[str, str] | None:
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


def _sign_in(form: dict[str, str], context: dict[str, str]) -> tuple[str, str] | str | None:
    """Exchange a ticket (or an email, password and 2FA code) for a new session token.

    Returns:
        (token, next path), or "code" when a two-factor code is missing, or None.
    """
    with session_scope() as session:
        if "ticket" in form:
            ticket = sessions.redeem_login_ticket(session=session, ticket=form["ticket"])
            user_id, next_path = (ticket.user_id, ticket.next_path) if ticket else (None, "/")
        else:
            user_id, next_path = _password_sign_in(session, form, context), form.get("next", "/")
        if user_id is None or user_id == "code":
            return user_id
        _, token = sessions.create_session(session=session, user_id=user_id, **context)
        # Before this sign-in is recorded, so that only earlier ones count as known.
        devices.alert_if_new_device(session=session, user_id=user_id, **context)
        audit.record_event(session=session, kind="signin.succeeded", user_id=user_id, **context)
    return token, sessions.safe_next_path(next_path)


def _password_sign_in(session, form: dict[str, str], context: dict[str, str]) -> str | None:
    # Rate limits, brute-force delays and the second factor, as on the sign-in page.
    user = signin.check_password(
        session=session, email=form.get("email", ""), password=form.get("password", ""), **context
    )
    if user is None or not signin.needs_second_factor(session=session, user_id=user.id):
        return user.id if user else None
    if not form.get("code"):
        return "code"
    ok = signin.check_second_factor(session=session, user_id=user.id, code=form["code"], **context)
    return user.id if ok else None


async def login(request: Request) -> Response:
    """Start a session and set the HttpOnly cookie.

    Takes a form or JSON body with either a `ticket` from the sign-in page or
    `email` and `password`. Browsers get a 303 to where they were going;
    API clients (JSON) get JSON.
    """
    wants_json = request.headers.get("content-type", "").startswith("application/json")
    if _foreign_origin(request):
        return no_store(JSONResponse({"error": "forbidden origin"}, 403))
    form = await _read_form(request)
    try:
        result = await run_in_threadpool(_sign_in, form, request_context(request)) if form else None
    except RateLimited as limit:
        return too_many_requests(limit)
    settings = get_settings()
    if result == "code":
        return no_store(JSONResponse({"error": "two-factor code required"}, 401))
    if result is None:
        if wants_json:
            return no_store(JSONResponse({"error": "invalid credentials"}, 401))
        return no_store(RedirectResponse(f"{settings.app_url}/login?expired=1", 303))
    token, next_path = result
    response: Response
    if wants_json:
        response = JSONResponse({"status": "signed in"})
    else:
        response = RedirectResponse(settings.app_url.rstrip("/") + next_path, 303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        max_age=settings.session_lifetime_days * 86400,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return no_store(response)


def _sign_out(token: str | None, context: dict[str, str], everywhere: bool) -> None:
    with session_scope() as session:
        if everywhere:
            resolved = sessions.resolve_session(session=session, token=token)
            if resolved:
                user_id = resolved[0].id
                devices.revoke_all_sessions(session=session, user_id=user_id)
                audit.record_event(
                    session=session, kind="signout.everywhere", user_id=user_id, **context
                )
            return
        user_id = sessions.revoke_session(session=session, token=token)
        if user_id:
            audit.record_event(session=session, kind="signout", user_id=user_id, **context)


async def logout(request: Request) -> Response:
    """Delete the server-side session and the cookie, then go to the sign-in page.

    With ``everywhere=1`` in the body, every session of the account ends.
    """
    if _foreign_origin(request):
        return no_store(JSONResponse({"error": "forbidden origin"}, 403))
    token = request.cookies.get(sessions.SESSION_COOKIE)
    form = await _read_form(request) or {}
    everywhere = form.get("everywhere", "") in ("1", "true", "on")
    await run_in_threadpool(_sign_out, token, request_context(request), everywhere)
    settings = get_settings()
    if request.headers.get("content-type", "").startswith("application/json"):
        response: Response = JSONResponse({"status": "signed out"})
    else:
        response = RedirectResponse(f"{settings.app_url}/login", 303)
    response.delete_cookie(
        sessions.SESSION_COOKIE,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return no_store(response)


def _apply_stripe_event(event: dict) -> str:
    try:
        with session_scope() as session:
            return stripe_events.handle_event(session=session, event=event)
    except IntegrityError:
        # The same event, delivered twice at once, was applied by the other request.
        with session_scope() as session:
            if stripe_events.already_processed(session=session, event_id=event["id"]):
                return "duplicate"
        raise


async def stripe_webhook(request: Request) -> Response:
    """Apply a Stripe event once its signature on the raw body checks out.

    400 for a missing, forged or expired signature; 503 when Stripe cannot be
    read back (nothing is stored, so Stripe's retry applies it later).
    """
    if not get_settings().billing_enabled:
        return JSONResponse({"error": "billing is off"}, 404)
    if int(request.headers.get("content-length") or 0) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "too large"}, 413)
    payload = await request.body()
    if len(payload) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "too large"}, 413)
    try:
        event = stripe_api.verify_webhook(payload, request.headers.get("stripe-signature"))
    except stripe_api.InvalidWebhook:
        return JSONResponse({"error": "invalid signature"}, 400)
    try:
        outcome = await run_in_threadpool(_apply_stripe_event, event)
    except stripe_api.StripeUnavailable:
        return JSONResponse({"error": "try again later"}, 503)
    return JSONResponse({"status": outcome})


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


def create_api() -> Starlette:
    """The Starlette app that Reflex mounts its own backend into."""
    return Starlette(
        routes=[
            Route("/api/health", health, methods=["GET"]),
            Route("/api/auth/login", login, methods=["POST"]),
            Route("/api/auth/logout", logout, methods=["POST"]),
            Route("/api/stripe/webhook", stripe_webhook, methods=["POST"]),
            *chat_routes,
            *security_routes,
            *image_routes,
            *privacy_routes,
            Route(notifications.UNSUBSCRIBE_PATH, unsubscribe, methods=["GET", "POST"]),
        ]
    )
