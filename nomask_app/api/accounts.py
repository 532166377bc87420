"""HTTP routes of accounts: the HttpOnly session cookie, set at sign-in and cleared at sign-out.

The session cookie is HttpOnly, so no Reflex event handler can set it: the
sign-in form is checked over the websocket, which hands the browser a
single-use ticket that it posts here in a full page load.
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from nomask_app.api.common import (
    foreign_origin,
    no_store,
    read_form,
    request_context,
    too_many_requests,
)
from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.services.accounts import devices, sessions, signin
from nomask_app.services.chat import temporary
from nomask_app.services.images import files
from nomask_app.services.operations import audit
from nomask_app.services.operations.ratelimit import RateLimited
from nomask_app.services.operations.suspension import AccountSuspended


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
    if foreign_origin(request):
        return no_store(JSONResponse({"error": "forbidden origin"}, 403))
    form = await read_form(request)
    try:
        result = await run_in_threadpool(_sign_in, form, request_context(request)) if form else None
    except RateLimited as limit:
        return too_many_requests(limit)
    except AccountSuspended as refusal:
        if wants_json:
            return no_store(JSONResponse({"error": refusal.message}, 403))
        return no_store(RedirectResponse(f"{get_settings().app_url}/login?suspended=1", 303))
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
    # Temporary chats end with their session: gone at sign-out, not at the next sweep.
    with session_scope() as session:
        if everywhere:
            resolved = sessions.resolve_session(session=session, token=token)
            keys: list[str] = []
            if resolved:
                user_id = resolved[0].id
                keys = temporary.discard_for_user(session=session, user_id=user_id)
                devices.revoke_all_sessions(session=session, user_id=user_id)
                audit.record_event(
                    session=session, kind="signout.everywhere", user_id=user_id, **context
                )
        else:
            session_id = temporary.session_id_for(session=session, token=token)
            keys = temporary.discard_for_session(session=session, session_id=session_id or "")
            user_id = sessions.revoke_session(session=session, token=token)
            if user_id:
                audit.record_event(session=session, kind="signout", user_id=user_id, **context)
    files.remove_stored(keys)


async def logout(request: Request) -> Response:
    """Delete the server-side session and the cookie, then go to the sign-in page.

    With ``everywhere=1`` in the body, every session of the account ends.
    """
    if foreign_origin(request):
        return no_store(JSONResponse({"error": "forbidden origin"}, 403))
    token = request.cookies.get(sessions.SESSION_COOKIE)
    form = await read_form(request) or {}
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


accounts_routes = [
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
]
