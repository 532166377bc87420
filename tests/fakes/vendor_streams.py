"""A local server that streams like Anthropic, Gemini and Ollama, on their real wire formats.

- Anthropic Messages: ``POST .../v1/messages`` answers SSE (``message_start`` with
  the input tokens, ``content_block_delta`` text, ``message_delta`` with the
  output tokens, ``message_stop``).
- Gemini: ``POST .../models/<model>:streamGenerateContent?alt=sse`` answers SSE
  ``GenerateContentResponse`` objects, ``usageMetadata`` on the last.
- Ollama: ``POST /api/chat`` answers NDJSON, counts on the ``done`` line.

Directives in the last user message, as for the OpenAI-compatible fake:
``[[tokens:N]]``, ``[[gap:MS]]``, ``[[error:STATUS]]`` (the request fails),
``[[midfail]]`` (two tokens, then the provider's in-stream error),
``[[nousage]]`` (no token counts). `fail_model` makes a model fail (fallbacks).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.openai_server import _reply_for, _tokens

PROMPT_TOKENS = 7


def _last_user_text(body: dict) -> str:
    """The last user text of an Anthropic/Ollama (`messages`) or Gemini (`contents`) body."""
    for message in reversed(body.get("messages") or body.get("contents") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content", message.get("parts"))
        if isinstance(content, list):
            return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        return content or ""
    return ""


def _anthropic(tokens: list[str], usage: bool, failing: bool):
    start_usage = {"input_tokens": PROMPT_TOKENS, "output_tokens": 1} if usage else {}
    yield (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "claude-fake",
                "usage": start_usage,
            },
        },
    )
    yield (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    for index, token in enumerate(tokens):
        if failing and index == 2:
            yield (
                "error",
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            )
            return
        yield (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": token},
            },
        )
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": len(tokens)} if usage else {},
        },
    )
    yield "message_stop", {"type": "message_stop"}


def _gemini(tokens: list[str], usage: bool, failing: bool):
    for index, token in enumerate(tokens):
        if failing and index == 2:
            yield None, {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}
            return
        last = index == len(tokens) - 1
        candidate = {"content": {"role": "model", "parts": [{"text": token}]}, "index": 0}
        if last:
            candidate["finishReason"] = "STOP"
        chunk = {"candidates": [candidate], "modelVersion": "gemini-fake"}
        if last and usage:
            chunk["usageMetadata"] = {
                "promptTokenCount": PROMPT_TOKENS,
                "candidatesTokenCount": len(tokens),
                "totalTokenCount": PROMPT_TOKENS + len(tokens),
            }
        yield None, chunk


def _ollama(tokens: list[str], usage: bool, failing: bool):
    for index, token in enumerate(tokens):
        if failing and index == 2:
            yield None, {"error": "model runner has unexpectedly stopped"}
            return
        yield (
            None,
            {"model": "fake", "message": {"role": "assistant", "content": token}, "done": False},
        )
    end = {
        "model": "fake",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
    }
    if usage:
        end |= {"prompt_eval_count": PROMPT_TOKENS, "eval_count": len(tokens)}
    yield None, end


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "FakeVendorServer"

    def log_message(self, *_args):
        return

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        path = self.path.split("?")[0]
        if path.endswith("/messages"):
            family, model = "anthropic", body.get("model", "")
        elif ":streamGenerateContent" in path:
            family, model = "gemini", path.rsplit("/", 1)[-1].split(":")[0]
        elif path.endswith("/api/chat"):
            family, model = "ollama", body.get("model", "")
        else:
            self._send(404, {"error": "not found"})
            return
        text = _last_user_text(body)
        with self.server.lock:
            self.server.requests.append((family, model, body))
            failing = self.server.failing_models.get(model)
        reply, directives = _reply_for(text)
        status = failing or (int(directives["error"] or 500) if "error" in directives else 0)
        if status:
            self._send(
                status,
                {
                    "type": "error",
                    "error": {"type": "api_error", "message": f"fake error {status}"},
                },
            )
            return
        events = {"anthropic": _anthropic, "gemini": _gemini, "ollama": _ollama}[family](
            _tokens(reply), "nousage" not in directives, "midfail" in directives
        )
        self._stream(family, events, int(directives.get("gap") or 0) / 1000, model)

    def _send(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _stream(self, family: str, events, gap: float, model: str) -> None:
        self.send_response(200)
        ndjson = family == "ollama"
        self.send_header("content-type", "application/x-ndjson" if ndjson else "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        try:
            for name, payload in events:
                data = json.dumps(payload)
                if ndjson:
                    line = f"{data}\n"
                else:
                    line = (f"event: {name}\n" if name else "") + f"data: {data}\n\n"
                self.wfile.write(line.encode())
                self.wfile.flush()
                time.sleep(gap)
        except OSError:
            with self.server.lock:
                self.server.disconnects.append(model)
        finally:
            self.close_connection = True


class FakeVendorServer(ThreadingHTTPServer):
    """Run with `start()`; `base_url` is the api_base for all three families."""

    daemon_threads = True

    def __init__(self):
        """Bind to a free port on 127.0.0.1."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict]] = []
        self.disconnects: list[str] = []
        self.failing_models: dict[str, int] = {}

    @property
    def base_url(self) -> str:
        """The server's root URL (no path)."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "FakeVendorServer":
        """Serve in a background thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()
