"""The HTTP side of the local Stripe stand-in: Stripe's form encoding in, JSON out."""

import json
import re
import secrets
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from tests.fakes.stripe_server import FakeStripe


def decode_form(body: str) -> dict[str, Any]:
    """Decode Stripe's `a[b][0][c]=v` form encoding into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        node = {k: listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
        return node

    return listify(root)


def make_handler(fake: "FakeStripe") -> type[BaseHTTPRequestHandler]:
    """The request handler class serving `fake` over HTTP."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):  # quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.send_header("request-id", f"req_{secrets.token_hex(8)}")
            self.end_headers()
            self.wfile.write(body)

        def _page(self, title: str) -> None:
            html = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                "<link rel='icon' href='data:,'>"
                f"<title>{title}</title></head><body><main><h1>{title}</h1>"
                "<p>A local stand-in for Stripe.</p></main></body></html>"
            )
            self._send(200, html.encode(), "text/html; charset=utf-8")

        def _api(self, method: str) -> None:
            parts = urlsplit(self.path)
            if not parts.path.startswith("/v1/"):
                kind = parts.path.strip("/").split("/")[0]
                if method == "GET" and kind in ("checkout", "portal"):
                    self._page("Fake Stripe Checkout" if kind == "checkout" else "Fake portal")
                else:
                    self._send(404, b"not found", "text/plain")
                return
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode() if length else parts.query
            params = decode_form(raw)
            key = self.headers.get("idempotency-key")
            with fake.lock:
                fake.requests.append(
                    {
                        "method": method,
                        "path": parts.path,
                        "params": params,
                        "idempotency_key": key,
                        "stripe_version": self.headers.get("stripe-version"),
                    }
                )
                status, body = self._respond(method, parts.path, params, raw, key)
            self._send(status, json.dumps(body).encode(), "application/json")

        def _respond(self, method, path, params, raw, key) -> tuple[int, dict]:
            if self.headers.get("authorization") != f"Bearer {fake.api_key}":
                return 401, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid API Key provided.",
                    }
                }
            if key and method == "POST" and key in fake.idempotent:
                previous_raw, status, body = fake.idempotent[key]
                if previous_raw != raw:
                    return 400, {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used "
                            "with the same parameters they were first used with.",
                        }
                    }
                return status, body
            try:
                status, body = fake.handle(method, path, params)
            except fake.Error as error:
                status, body = error.status, error.body()
            if key and method == "POST" and status < 500:
                fake.idempotent[key] = (raw, status, body)
            return status, body

        def do_GET(self):
            self._api("GET")

        def do_POST(self):
            self._api("POST")

        def do_DELETE(self):
            self._api("DELETE")

    return Handler
