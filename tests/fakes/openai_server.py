"""A local OpenAI-compatible server that speaks the real HTTP and SSE wire format.

Tests and the browser app reach it through litellm exactly as they would reach
a provider. The reply is steered by directives in the last user message:

- ``[[slow]]``: 150 ms between tokens; ``[[tokens:N]]``: reply with N tokens;
- ``[[ttft:MS]]``: wait MS milliseconds before the first token; ``[[gap:MS]]``: between tokens;
- ``[[error:429]]`` (any status): the request fails with that HTTP status;
- ``[[hang]]``: headers are sent, then nothing until the client goes away;
- ``[[drop]]``: a few tokens, then the connection is cut;
- ``[[midfail]]``: two tokens, then an in-stream error event; ``[[nousage]]``: no usage chunk;
- ``[[reply64:BASE64]]``: reply with exactly this (UTF-8) text;
- ``[[nth]]``: the reply ends with " #N", N counting the chat requests so far
  (so that answers to the same message differ, as "Regenerate" needs).

A conversation-title request (a system message asking for a "conversation
title") is answered "Chat about <first words of the question>", or fails with
HTTP 500 when the exchange contains ``[[notitle]]``. `chat_requests()` leaves
title requests out; `title_requests()` lists them.

It also answers the image API: ``POST /v1/images/generations`` (JSON) and
``POST /v1/images/edits`` (multipart/form-data, as OpenAI takes it) with
real PNG images in ``b64_json``; ``[[error:N]]`` in the prompt fails those too.

Per-model failures (for fallback tests) are set with `fail_model`. Every
request is recorded, and so is every client that hung up mid-stream.
"""

import base64
import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

_DIRECTIVE = re.compile(r"\[\[(\w+)(?::([^\]]*))?\]\]")


@dataclass
class RecordedRequest:
    """One request as the fake provider saw it."""

    path: str
    model: str
    body: dict
    headers: dict
    # Multipart uploads (image edits): field name -> (filename, content type, bytes).
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    received_at: float = 0.0
    first_token_at: float = 0.0
    last_token_at: float = 0.0


@dataclass
class FakeState:
    """What the server was asked and what it should do."""

    requests: list[RecordedRequest] = field(default_factory=list)
    disconnects: list[str] = field(default_factory=list)
    failing_models: dict[str, int] = field(default_factory=dict)
    token_delay: float = 0.005
    lock: threading.Lock = field(default_factory=threading.Lock)


def _last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if p.get("type") == "text")
            return content or ""
    return ""


def _is_title_request(body: dict) -> bool:
    messages = body.get("messages") or [{}]
    first = messages[0]
    return first.get("role") == "system" and "conversation title" in str(first.get("content"))


def _title_for(text: str) -> tuple[str, dict[str, str]]:
    # The title request quotes the exchange: "User:\n<question>\n\nAssistant:\n...".
    question = text.split("\n\nAssistant:", 1)[0].removeprefix("User:").strip()
    if "[[notitle]]" in question:
        return "", {"error": "500"}
    words = _DIRECTIVE.sub("", question).split()[:4]
    return "Chat about " + " ".join(words), {}


def _reply_for(text: str) -> tuple[str, dict[str, str]]:
    directives = {name: value or "" for name, value in _DIRECTIVE.findall(text)}
    if "reply64" in directives:
        return base64.b64decode(directives["reply64"]).decode(), directives
    if "tokens" in directives:
        count = int(directives["tokens"])
        return " ".join(f"word{i}" for i in range(count)), directives
    visible = _DIRECTIVE.sub("", text).strip()
    return f"Echo: {visible}", directives


def _tokens(reply: str) -> list[str]:
    # Words with their trailing space: close to how real providers chunk.
    return re.findall(r"\S+\s*|\s+", reply) or [""]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "FakeOpenAIServer"

    def log_message(self, *_args):  # keep test output quiet
        return

    def parse_request(self) -> bool:
        # The request line was just read: when a provider's own clock starts.
        # Reading and parsing the rest is the provider's time, as it is for a
        # real one (and this fake shares a process, and a GIL, with the tests).
        self.arrived_at = time.monotonic()
        return super().parse_request()

    def _json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": []})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if self.path.endswith("/images/edits"):
            body, files = _multipart(self.headers.get("content-type", ""), raw)
        else:
            body, files = json.loads(raw or b"{}"), {}
        state = self.server.state
        model = body.get("model", "")
        record = RecordedRequest(
            self.path,
            model,
            body,
            {k.lower(): v for k, v in self.headers.items()},
            files=files,
            received_at=self.arrived_at,
        )
        with state.lock:
            state.requests.append(record)
        if model in state.failing_models:
            status = state.failing_models[model]
            self._json(status, {"error": {"message": f"fake failure {status}", "type": "fake"}})
            return
        if self.path.endswith(("/images/generations", "/images/edits")):
            self._image(body, files)
            return
        if not self.path.endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found"}})
            return
        answer = _title_for if _is_title_request(body) else _reply_for
        reply, directives = answer(_last_user_text(body.get("messages", [])))
        if "nth" in directives:
            with state.lock:
                reply += f" #{sum(r.path.endswith('/chat/completions') for r in state.requests)}"
        if "error" in directives:
            status = int(directives["error"] or 500)
            self._json(status, {"error": {"message": f"fake error {status}", "type": "fake"}})
            return
        if not body.get("stream"):
            self._json(200, _completion(model, reply))
            return
        self._stream(model, reply, directives, body, record)

    def _image(self, body: dict, files: dict) -> None:
        directives = {
            name: value or "" for name, value in _DIRECTIVE.findall(body.get("prompt", ""))
        }
        if "error" in directives:
            status = int(directives["error"] or 500)
            self._json(status, {"error": {"message": f"fake error {status}", "type": "fake"}})
            return
        if "slow" in directives:
            time.sleep(1.5)
        width, height = (int(n) for n in str(body.get("size") or "64x64").split("x"))
        if "image[]" in files or "image" in files:
            # An edit answers at the size of the image it was given.
            _, _, source = files.get("image[]") or files["image"]
            with Image.open(io.BytesIO(source)) as original:
                width, height = original.size
        count = int(body.get("n") or 1)
        data = [{"b64_json": _png(width, height, index)} for index in range(count)]
        self._json(200, {"created": int(time.time()), "data": data})

    def _stream(
        self, model: str, reply: str, directives: dict, body: dict, record: RecordedRequest
    ) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        delay = 0.15 if "slow" in directives else self.server.state.token_delay
        if "gap" in directives:
            delay = int(directives["gap"]) / 1000
        tokens = _tokens(reply)
        try:
            if "hang" in directives:
                self._hang()
                return
            if "ttft" in directives:
                time.sleep(int(directives["ttft"]) / 1000)
            for index, token in enumerate(tokens):
                if "drop" in directives and index == 3:
                    self.connection.shutdown(2)
                    return
                if "midfail" in directives and index == 2:
                    self._event({"error": {"message": "overloaded", "type": "server_error"}})
                    return
                self._event(_chunk(model, {"content": token}, None))
                record.last_token_at = time.monotonic()
                record.first_token_at = record.first_token_at or record.last_token_at
                if index < len(tokens) - 1:
                    time.sleep(delay)
            self._event(_chunk(model, {}, "stop"))
            if (body.get("stream_options") or {}).get(
                "include_usage"
            ) and "nousage" not in directives:
                usage = {
                    "prompt_tokens": 10,
                    "completion_tokens": len(tokens),
                    "total_tokens": 10 + len(tokens),
                }
                self._event({**_chunk(model, {}, None), "choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            with self.server.state.lock:
                self.server.state.disconnects.append(model)
        finally:
            self.close_connection = True

    def _hang(self) -> None:
        # Keep the stream open, probing the socket, until the client hangs up.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.wfile.write(b": keep-alive\n\n")
            self.wfile.flush()
            time.sleep(0.1)

    def _event(self, payload: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()


def _multipart(content_type: str, raw: bytes) -> tuple[dict, dict]:
    """Form fields and files of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"content-type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict = {}
    files: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode()
    return fields, files


def _png(width: int, height: int, index: int) -> str:
    """A real PNG, different for each image of a request."""
    width, height = min(max(width, 8), 2048), min(max(height, 8), 2048)
    image = Image.new("RGB", (width, height), (40 + 60 * index % 200, 120, 200))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _chunk(model: str, delta: dict, finish_reason: str | None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _completion(model: str, reply: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class FakeOpenAIServer(ThreadingHTTPServer):
    """Run with `start()`; `base_url` is what litellm's api_base needs."""

    daemon_threads = True

    def __init__(self, port: int = 0):
        """Bind to 127.0.0.1 on `port` (0 picks a free one)."""
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = FakeState()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in /v1."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def start(self) -> "FakeOpenAIServer":
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()

    def fail_model(self, model: str, status: int | None) -> None:
        """Make every request for `model` fail with `status` (None heals it)."""
        with self.state.lock:
            if status is None:
                self.state.failing_models.pop(model, None)
            else:
                self.state.failing_models[model] = status

    def chat_requests(self) -> list[RecordedRequest]:
        """Chat completion requests received so far (replies; title requests left out)."""
        with self.state.lock:
            return [
                r
                for r in self.state.requests
                if r.path.endswith("/chat/completions") and not _is_title_request(r.body)
            ]

    def title_requests(self) -> list[RecordedRequest]:
        """Conversation-title requests received so far."""
        with self.state.lock:
            return [
                r
                for r in self.state.requests
                if r.path.endswith("/chat/completions") and _is_title_request(r.body)
            ]

    def image_requests(self, kind: str = "") -> list[RecordedRequest]:
        """Image API requests so far (`kind`: "generations" or "edits", or both)."""
        with self.state.lock:
            return [r for r in self.state.requests if "/images/" + kind in r.path]


def reply64(text: str) -> str:
    """The directive that makes the fake provider answer with exactly `text`."""
    return f"[[reply64:{base64.b64encode(text.encode()).decode()}]]"
