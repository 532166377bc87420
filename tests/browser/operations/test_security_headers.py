"""Security headers, CORS and websocket origin checks against the real production app."""

import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from nomask_app.csp import script_hashes
from tests.browser.conftest import METRICS_TOKEN
from tests.browser.helpers import sign_up

PAGES = [
    "/",
    "/login",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
    "/settings",
    "/settings/cookies",
    "/privacy",
    "/billing",
    "/policy",
    "/admin",
    "/chat/" + "a" * 32,
    "/no-such-page",
]
API = ["/api/health", "/api/metrics", "/api/files/" + "b" * 32, "/api/auth/login"]


def _fetch(url: str, method: str = "GET", headers: dict | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def _script_src(csp: str) -> str:
    return next(d for d in csp.split(";") if d.strip().startswith("script-src")).strip()


@pytest.mark.parametrize("path", PAGES + API)
def test_every_page_and_api_route_carries_the_security_headers(app_server, path):
    method = "POST" if path == "/api/auth/login" else "GET"
    status, headers, body = _fetch(app_server.url + path, method)
    assert status < 500
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "http://" not in csp.replace(app_server.url, "")  # no third-party origin
    script_src = _script_src(csp)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])
    assert "strict-transport-security" not in headers  # served over http here
    if "<html" in body.lower():
        # Every inline script of the page is allowed by its hash, and only by it.
        hashes = script_hashes(body)
        assert hashes, "prerendered pages carry inline hydration scripts"
        assert all(digest in script_src for digest in hashes)


def test_metrics_need_an_admin_or_the_token(app_server):
    assert _fetch(f"{app_server.url}/api/metrics")[0] == 401
    wrong = {"authorization": "Bearer not-the-token"}
    assert _fetch(f"{app_server.url}/api/metrics", headers=wrong)[0] == 401
    status, headers, body = _fetch(
        f"{app_server.url}/api/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    for name in (
        "nomask_http_request_duration_seconds_bucket",
        "nomask_time_to_first_token_seconds",
        "nomask_tokens",
        "nomask_provider_errors",
        "nomask_active_streams",
        "nomask_rate_limit_hits",
    ):
        assert name in body


class _ForeignSite(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>elsewhere</title><p>another site</p>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def foreign_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForeignSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


_PROBE = """async (target) => {
  const socket = () => new Promise((resolve) => {
    const ws = new WebSocket(target.replace('http', 'ws') + '/_event/?EIO=4&transport=websocket');
    ws.onopen = () => { ws.close(); resolve('open'); };
    ws.onerror = () => resolve('refused');
  });
  let read;
  try {
    const response = await fetch(target + '/api/health', {credentials: 'include'});
    read = 'read ' + response.status;
  } catch (error) { read = 'blocked'; }
  let post;
  try {
    const response = await fetch(target + '/api/auth/login', {
      method: 'POST', credentials: 'include',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({email: 'a@example.com', password: 'x'}),
    });
    post = 'sent ' + response.status;
  } catch (error) { post = 'blocked'; }
  return {read, post, socket: await socket()};
}"""


def test_another_origin_cannot_read_the_api_or_open_the_websocket(
    browser, app_server, foreign_site
):
    # Own contexts: the probes' refusals and 401s show as console errors.
    context = browser.new_context()
    # The app's own page: the same probes work (so the refusals below are real).
    own = context.new_page()
    own.goto(f"{app_server.url}/login")
    expect(own.get_by_role("button", name="Sign in")).to_be_visible()
    assert own.evaluate(_PROBE, app_server.url) == {
        "read": "read 200",
        "post": "sent 401",
        "socket": "open",
    }
    # A page on another origin.
    elsewhere = context.new_page()
    elsewhere.goto(foreign_site)
    assert elsewhere.evaluate(_PROBE, app_server.url) == {
        "read": "blocked",
        "post": "blocked",
        "socket": "refused",
    }
    context.close()


def test_signed_in_pages_load_under_the_strict_policy(page):
    # The `page` fixture fails the test on any console error: a script or style
    # the policy refused would show up there.
    sign_up(page)
    for path, heading in (("/settings", "Settings"), ("/billing", "Billing"), ("/privacy", None)):
        page.goto(path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgot-password", "/reset-password"])
def test_prerendered_forms_cannot_be_submitted_before_hydration(app_server, path):
    # A native submit would send a GET with the password (or address) in the URL.
    _, _, html = _fetch(app_server.url + path + "/")
    buttons = re.findall(r"<button[^>]*>", html)
    submits = [tag for tag in buttons if 'type="submit"' in tag]
    assert submits, f"{path} prerenders no form"
    assert all(re.search(r'\sdisabled(=""|\s|>)', tag) for tag in submits), submits
