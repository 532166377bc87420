import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from nomask_app.middleware import SecurityMiddleware, client_ip


async def _page(_request):
    return PlainTextResponse("page")


async def _socket(websocket):
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


@pytest.fixture
def inner_client():
    inner = Starlette(
        routes=[
            Route("/", _page, methods=["GET", "POST"]),
            Route("/_upload/{path:path}", _page, methods=["GET", "POST"]),
            WebSocketRoute("/_event/", _socket),
        ]
    )
    return TestClient(SecurityMiddleware(inner), base_url="http://localhost:3000")


@pytest.mark.parametrize("path", ["/", "/api/health"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers  # http in tests


def test_public_upload_mount_is_closed(inner_client):
    assert inner_client.get("/_upload/secret.png").status_code == 404
    assert inner_client.get("/_upload/secret.png").headers["x-content-type-options"] == "nosniff"
    # Uploads themselves still reach Reflex's handler.
    assert inner_client.post("/_upload/x").status_code == 200


def test_websocket_from_a_foreign_origin_is_refused(inner_client):
    with inner_client.websocket_connect(
        "/_event/", headers={"origin": "http://localhost:3000"}
    ) as ws:
        assert ws.receive_text() == "hello"
    with (
        pytest.raises(WebSocketDisconnect),
        inner_client.websocket_connect("/_event/", headers={"origin": "https://evil.example"}),
    ):
        pass


def test_forwarded_for_is_trusted_only_through_configured_proxies():
    scope = {"client": ("10.0.0.2", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4, 10.0.0.1")]}
    assert client_ip(scope, 0) == "10.0.0.2"
    assert client_ip(scope, 1) == "10.0.0.1"
    assert client_ip(scope, 2) == "1.2.3.4"


def test_oversized_bodies_are_refused_before_the_app_reads_them(inner_client):
    too_big = b"x" * (1024 * 1024 + 1)
    response = inner_client.post("/", content=too_big)
    assert response.status_code == 413


async def _echo_body(request):
    return PlainTextResponse(str(len(await request.body())))


def test_a_lying_content_length_is_caught_while_reading():
    app = SecurityMiddleware(Starlette(routes=[Route("/", _echo_body, methods=["POST"])]))
    client = TestClient(app, base_url="http://localhost:3000")

    def chunks():
        for _ in range(20):
            yield b"y" * 100_000

    # No Content-Length (chunked): the cap is enforced on the bytes themselves.
    assert client.post("/", content=chunks()).status_code == 413
    assert client.post("/", content=b"small").text == "5"
