"""Server-side caps in the middleware: uploads, slow bodies, slow answers, websockets."""

import asyncio
import logging

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from nomask_app.config import get_settings
from nomask_app.middleware import SecurityMiddleware


@pytest.fixture
def settings_env(monkeypatch):
    def configure(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(f"NOMASK_{key.upper()}", value)
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


async def _echo(websocket):
    await websocket.accept()
    while True:
        try:
            text = await websocket.receive_text()
        except WebSocketDisconnect:
            return
        await websocket.send_text(f"got {len(text)}")


async def _body_length(request):
    return PlainTextResponse(str(len(await request.body())))


def _client(**routes) -> TestClient:
    app = Starlette(
        routes=[
            Route("/", _body_length, methods=["POST"]),
            Route("/_upload", _body_length, methods=["POST"]),
            WebSocketRoute("/_event/", _echo),
        ]
    )
    return TestClient(SecurityMiddleware(app), base_url="http://localhost:3000")


def test_uploads_have_their_own_larger_cap(settings_env):
    settings_env(max_upload_bytes="2048")
    client = _client()
    limit = 2048 * 5 + 1024 * 1024
    assert client.post("/_upload", content=b"u" * 2_000_000).status_code == 413
    assert client.post("/_upload", content=b"u" * limit).text == str(limit)

    def chunks():
        for _ in range(30):
            yield b"z" * 50_000

    assert client.post("/_upload", content=chunks()).status_code == 413


def test_a_websocket_message_over_the_cap_closes_the_connection(settings_env):
    settings_env(max_socket_message_bytes="20000")
    client = _client()
    with client.websocket_connect("/_event/") as ws:
        ws.send_text("x" * 19_000)
        assert ws.receive_text() == "got 19000"
        ws.send_text("x" * 20_001)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 1009


def test_open_websockets_per_address_are_capped(settings_env):
    settings_env(max_sockets_per_ip="2")
    client = _client()
    with client.websocket_connect("/_event/") as first, client.websocket_connect("/_event/"):
        first.send_text("hi")
        assert first.receive_text() == "got 2"
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/_event/"):
            pass
        assert refused.value.code == 1013
    # Closing frees the places again.
    with client.websocket_connect("/_event/") as again:
        again.send_text("back")
        assert again.receive_text() == "got 4"


async def _asgi(app, scope_extra=None, body_messages=None):
    """Drive `app` by hand: return the response status and body."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [],
        "client": ("192.0.2.1", 1234),
        **(scope_extra or {}),
    }
    queue = list(body_messages or [])
    stalled = asyncio.Event()

    async def receive():
        if queue:
            return queue.pop(0)
        await stalled.wait()  # a client that never sends the rest
        return {"type": "http.disconnect"}

    sent = []

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


async def test_a_body_that_never_finishes_gets_408(settings_env):
    settings_env(request_body_timeout_seconds="0.05")
    app = SecurityMiddleware(Starlette(routes=[Route("/", _body_length, methods=["POST"])]))
    first = {"type": "http.request", "body": b"partial", "more_body": True}
    status, _ = await _asgi(app, body_messages=[first])
    assert status == 408


async def test_an_answer_that_never_starts_gets_504_but_a_started_stream_may_run(settings_env):
    settings_env(request_timeout_seconds="0.05")
    forever = asyncio.Event()

    async def stuck(scope, receive, send):
        await forever.wait()

    status, body = await _asgi(SecurityMiddleware(stuck), {"method": "GET"})
    assert (status, body) == (504, b"The server took too long to answer")

    async def streaming(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.2)  # longer than the timeout, after the start
        await send({"type": "http.response.body", "body": b"all of it"})

    assert await _asgi(SecurityMiddleware(streaming), {"method": "GET"}) == (200, b"all of it")


def test_requests_get_an_id_and_a_log_line_without_the_query(client, caplog):
    caplog.set_level(logging.INFO, logger="nomask_app.access")
    response = client.get("/api/health?token=very-secret-value")
    rid = response.headers["x-request-id"]
    line = next(r for r in caplog.records if r.name == "nomask_app.access")
    assert (line.path, line.status, line.method, line.request_id) == (
        "/api/health",
        200,
        "GET",
        rid,
    )
    # (The test client itself logs the full URL; the app's own records never do.)
    ours = [r for r in caplog.records if r.name.startswith("nomask_app")]
    assert ours and all("very-secret-value" not in repr(r.__dict__) for r in ours)
    from nomask_app.logs import JsonFormatter

    rendered = JsonFormatter().format(line)
    assert f'"request_id": "{rid}"' in rendered and '"path": "/api/health"' in rendered


def test_under_https_responses_carry_hsts_and_upgrade_requests(settings_env):
    settings_env(app_url="https://nomask.example")
    response = _client().post("/", content=b"x")
    assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    csp = response.headers["content-security-policy"]
    assert "upgrade-insecure-requests" in csp and "wss://nomask.example" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
