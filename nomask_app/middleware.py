"""ASGI middleware wrapped around the whole backend (pages, API, websocket).

It adds the security headers to every HTTP response, refuses websocket
connections from foreign origins, and closes Reflex's public file mount:
`GET /_upload/...` would otherwise serve every uploaded file to anyone.
"""

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nomask_app.config import Settings, get_settings

# Requests other than uploads carry small forms and JSON (webhooks, sign-in).
MAX_BODY_BYTES = 1024 * 1024


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


def content_security_policy(settings: Settings) -> str:
    """The CSP: nothing from any other origin, no framing, no plugins.

    Inline scripts and styles are allowed because the prerendered Reflex pages
    carry their hydration data inline and Radix sets inline styles.
    """
    sockets = " ".join(
        origin.replace("https://", "wss://").replace("http://", "ws://")
        for origin in settings.allowed_origins
    )
    connect = " ".join(["'self'", *settings.allowed_origins, sockets])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src {connect}",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action 'self' {settings.backend_url}",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """Headers added to every HTTP response."""
    headers = {
        "content-security-policy": content_security_policy(settings),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
        "permissions-policy": (
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
        ),
        "cross-origin-opener-policy": "same-origin",
    }
    if settings.secure_cookies:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    return [(k.encode(), v.encode()) for k, v in headers.items()]


class SecurityMiddleware:
    """Security headers, websocket origin check and the closed upload mount."""

    def __init__(self, app: ASGIApp):
        """Wrap `app`."""
        self.app = app
        self.settings = get_settings()
        self.headers = security_headers(self.settings)
        self.allowed_origins = set(self.settings.allowed_origins)
        # Room for the multipart envelope around the largest allowed files.
        self.upload_limit = self.settings.max_upload_bytes * 5 + 1024 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] == "websocket":
            origin = header(scope, b"origin")
            if origin and origin not in self.allowed_origins:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith("/_upload") and scope["method"] != "POST":
            await _plain_response(send, 404, b"Not found", self.headers)
            return
        limit = self.upload_limit if path.startswith("/_upload") else MAX_BODY_BYTES
        declared = header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            await _plain_response(send, 413, b"Request too large", self.headers)
            return
        state = {"started": False, "refused": False}

        async def send_with_headers(message: Message) -> None:
            if state["refused"]:
                return  # the 413 already went out; drop whatever the app says now
            if message["type"] == "http.response.start":
                state["started"] = True
                message["headers"] = _merge(message.get("headers", []), self.headers)
            await send(message)

        async def refuse() -> None:
            if not state["started"]:
                await _plain_response(send, 413, b"Request too large", self.headers)
            state["refused"] = True

        try:
            await self.app(scope, _capped(receive, limit, refuse), send_with_headers)
        except Exception:
            if not state["refused"]:
                raise


def _capped(receive: Receive, limit: int, refuse) -> Receive:
    """Count body bytes as they arrive, whatever Content-Length claimed.

    Past the cap the client gets a 413 and the app sees a disconnect.
    """
    seen = 0

    async def counting_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                await refuse()
                return {"type": "http.disconnect"}
        return message

    return counting_receive


def _merge(
    existing: Iterable[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    existing = list(existing)
    present = {key.lower() for key, _ in existing}
    return [*existing, *((k, v) for k, v in extra if k not in present)]


async def _plain_response(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
