"""ASGI middleware wrapped around the whole backend (pages, API, websocket).

It adds the security headers to every HTTP response, gives every request an
id (``X-Request-ID``, in every log line), logs and times it, and enforces the
server-side caps: request body size, time to send a body and to start a
response, websocket origin, websocket message size and open websockets per
address. It also closes Reflex's public file mount: `GET /_upload/...` would
otherwise serve every uploaded file to anyone, and answers 404 for the admin
console's page to anyone but a signed-in admin (the production build, where
this backend serves the pages; `make dev`'s frontend server answers 200 and
shows the in-app "not found" page).
"""

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nomask_app.config import Settings, get_settings
from nomask_app.csp import build_dir, build_hashes, content_security_policy
from nomask_app.db import session_scope
from nomask_app.logs import request_id
from nomask_app.services.accounts.sessions import SESSION_COOKIE
from nomask_app.services.operations import metrics
from nomask_app.services.operations.admin import is_admin_token

# Requests other than uploads carry small forms and JSON (webhooks, sign-in).
MAX_BODY_BYTES = 1024 * 1024
HEADERS_REFRESH = 10.0  # seconds between looks at the build for new inline scripts
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Every way the static build serves the admin console's page.
_ADMIN_PAGE = re.compile(r"/admin(?:/|\.html|/index\.html)?(?:\.gz|\.br)?")
access_log = logging.getLogger("nomask_app.access")


def header(scope: Scope, name: bytes) -> str:
    """Return one request header from an ASGI scope ("" when absent)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


def client_ip(scope: Scope, trusted_proxy_hops: int) -> str:
    """The client's address, trusting `X-Forwarded-For` only from configured proxies."""
    address = (scope.get("client") or ("",))[0] or ""
    if trusted_proxy_hops:
        hops = [ip.strip() for ip in header(scope, b"x-forwarded-for").split(",") if ip.strip()]
        if len(hops) >= trusted_proxy_hops:
            address = hops[-trusted_proxy_hops]
    return address[:45]


def security_headers(settings: Settings, hashes: tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    """Headers added to every HTTP response."""
    headers = {
        "content-security-policy": content_security_policy(settings, hashes),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
        "permissions-policy": (
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
        ),
        "cross-origin-opener-policy": "same-origin",
        "x-permitted-cross-domain-policies": "none",
    }
    if settings.secure_cookies:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    return [(k.encode(), v.encode()) for k, v in headers.items()]


_TEXT = b"text/plain; charset=utf-8"
_HTML = b"text/html; charset=utf-8"


class _Exchange:
    """One HTTP request in flight: what was sent back, and when the body last moved."""

    def __init__(self, send: Send, headers: list[tuple[bytes, bytes]], rid: str):
        self.send = send
        self.headers = [*headers, (b"x-request-id", rid.encode())]
        self.status = 0
        self.refused = False
        self.started = asyncio.Event()
        self.body_done = False
        self.last_body_at = time.monotonic()

    async def forward(self, message: Message) -> None:
        if self.refused:
            return  # our own error already went out; drop whatever the app says now
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = _merge(message.get("headers", []), self.headers)
            self.started.set()
        await self.send(message)

    async def refuse(self, status: int, body: bytes, content_type: bytes = _TEXT) -> None:
        if not self.started.is_set():
            self.status = status
            self.started.set()
            await _plain_response(self.send, status, body, self.headers, content_type)
        self.refused = True


class SecurityMiddleware:
    """Security headers, request ids, caps and timeouts, the websocket guards."""

    def __init__(self, app: ASGIApp):
        """Wrap `app`."""
        self.app = app
        self.settings = get_settings()
        self.allowed_origins = set(self.settings.allowed_origins)
        # Room for the multipart envelope around the largest allowed files.
        self.upload_limit = self.settings.max_upload_bytes * 5 + 1024 * 1024
        self.sockets: Counter[str] = Counter()
        self._headers_at = -HEADERS_REFRESH
        self._headers_cache: list[tuple[bytes, bytes]] = []

    def _headers(self) -> list[tuple[bytes, bytes]]:
        # The build can change under a running server (`make dev`): look again now and then.
        now = time.monotonic()
        if now - self._headers_at >= HEADERS_REFRESH:
            self._headers_cache = security_headers(self.settings, build_hashes(build_dir()))
            self._headers_at = now
        return self._headers_cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _request_id(self, scope: Scope) -> str:
        incoming = header(scope, b"x-request-id")
        if self.settings.trusted_proxy_hops and _REQUEST_ID.match(incoming):
            return incoming  # the proxy's id, so both logs line up
        return secrets.token_hex(8)

    # --- websocket -------------------------------------------------------------

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = header(scope, b"origin")
        if origin and origin not in self.allowed_origins:
            await send({"type": "websocket.close", "code": 1008})
            return
        ip = client_ip(scope, self.settings.trusted_proxy_hops)
        if self.sockets[ip] >= self.settings.max_sockets_per_ip:
            metrics.rate_limit_hit("websocket_connections")
            access_log.warning("websocket refused: %d open from one address", self.sockets[ip])
            await send({"type": "websocket.close", "code": 1013})  # try again later
            return
        self.sockets[ip] += 1
        metrics.WEBSOCKETS.inc()
        token = request_id.set(self._request_id(scope))
        limit = self.settings.max_socket_message_bytes

        async def capped_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive":
                size = len(message.get("bytes") or b"") + len(
                    (message.get("text") or "").encode("utf-8")
                )
                if size > limit:
                    access_log.warning("websocket message too large", extra={"size": size})
                    with contextlib.suppress(Exception):
                        await send({"type": "websocket.close", "code": 1009})
                    return {"type": "websocket.disconnect", "code": 1009}
            return message

        try:
            await self.app(scope, capped_receive, send)
        finally:
            request_id.reset(token)
            metrics.WEBSOCKETS.dec()
            self.sockets[ip] -= 1
            if self.sockets[ip] <= 0:
                del self.sockets[ip]

    # --- http ------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        rid = self._request_id(scope)
        token = request_id.set(rid)
        exchange = _Exchange(send, self._headers(), rid)
        path = scope["path"]
        try:
            if path.startswith("/_upload") and scope["method"] != "POST":
                await exchange.refuse(404, b"Not found")
                return
            if _ADMIN_PAGE.fullmatch(path) and scope["method"] in ("GET", "HEAD"):
                refusal = await asyncio.to_thread(_admin_page_refusal, header(scope, b"cookie"))
                if refusal is not None:
                    await exchange.refuse(404, *refusal)
                    return
            upload = path.startswith("/_upload")
            limit = self.upload_limit if upload else MAX_BODY_BYTES
            declared = header(scope, b"content-length")
            if declared.isdigit() and int(declared) > limit:
                await exchange.refuse(413, b"Request too large")
                return
            body_seconds = (
                self.settings.upload_timeout_seconds
                if upload
                else self.settings.request_body_timeout_seconds
            )
            guarded = _guarded_receive(receive, exchange, limit, started + body_seconds)
            await self._supervise(self.app(scope, guarded, exchange.forward), exchange)
        finally:
            elapsed = time.monotonic() - started
            metrics.observe_request(scope["method"], path, exchange.status or 500, elapsed)
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": path[:200],  # never the query string: it can hold a link's token
                    "status": exchange.status or 500,
                    "duration_ms": round(elapsed * 1000, 1),
                    "request_id": rid,
                },
            )
            request_id.reset(token)

    async def _supervise(self, call, exchange: _Exchange) -> None:
        """Run the app; answer 504 if its response has not started in time.

        The clock starts again whenever body bytes arrive, so a slow upload is
        bounded by the body timeout instead; a started response (an event
        stream) may run as long as it needs.
        """
        task = asyncio.ensure_future(call)
        started = asyncio.ensure_future(exchange.started.wait())
        try:
            while not task.done() and not exchange.started.is_set():
                deadline = exchange.last_body_at + self.settings.request_timeout_seconds
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                    access_log.warning("request timed out")
                    await exchange.refuse(504, b"The server took too long to answer")
                    return
                await asyncio.wait(
                    {task, started}, timeout=remaining, return_when="FIRST_COMPLETED"
                )
            try:
                await task
            except Exception:
                if not exchange.refused:
                    raise
        finally:
            started.cancel()


def _admin_page_refusal(cookie_header: str) -> tuple[bytes, bytes] | None:
    """None for a signed-in admin, else the "not found" page (body, content type).

    Signed-out visitors and everyone else get the same answer: the console
    "does not exist". Blocking (a database read): call it from a thread.
    """
    try:
        token = SimpleCookie(cookie_header).get(SESSION_COOKIE)
    except CookieError:
        token = None
    if token is not None:
        with session_scope() as session:
            if is_admin_token(session=session, token=token.value):
                return None
    directory = build_dir()
    if directory is not None:
        with contextlib.suppress(OSError):
            return (directory / "404.html").read_bytes(), _HTML
    return b"Not found", _TEXT


def _guarded_receive(receive: Receive, exchange: _Exchange, limit: int, deadline: float) -> Receive:
    """Count body bytes as they arrive (whatever Content-Length claimed) and time them.

    Past the size cap the client gets a 413, past the deadline a 408; either
    way the app sees a disconnect.
    """
    seen = 0

    async def counting_receive() -> Message:
        nonlocal seen
        if exchange.refused:
            return {"type": "http.disconnect"}
        if exchange.body_done:
            return await receive()
        try:
            message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            await exchange.refuse(408, b"The request body took too long to arrive")
            return {"type": "http.disconnect"}
        if message["type"] == "http.request":
            exchange.last_body_at = time.monotonic()
            seen += len(message.get("body", b""))
            if seen > limit:
                await exchange.refuse(413, b"Request too large")
                return {"type": "http.disconnect"}
            exchange.body_done = not message.get("more_body", False)
        return message

    return counting_receive


def _merge(
    existing: Iterable[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    existing = list(existing)
    present = {key.lower() for key, _ in existing}
    return [*existing, *((k, v) for k, v in extra if k not in present)]


async def _plain_response(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    content_type: bytes = _TEXT,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
