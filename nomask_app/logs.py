"""Structured JSON logs with request ids, and nothing secret in them (policy §1.3 error logs).

stdlib `logging` with a JSON formatter: one object per line on stderr, with
the request id of the HTTP request or websocket connection it belongs to
(set by the middleware, echoed to the client as ``X-Request-ID``).

What must never be logged (message text, passwords, tokens, keys) is kept
out at the source: no module logs them. As a second line of defence every
record passes `redact`, which masks credentials in URLs and headers, API
keys, bearer tokens and session cookies, and drops fields with telling names.
"""

import contextvars
import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_HANDLER_MARK = "_nomask_json"
# Loggers of libraries that print request bodies (prompts!) at debug level.
_QUIET = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "httpcore", "openai")
_SECRET_FIELD = re.compile(
    r"pass(word)?|secret|token|key|cookie|authorization|content|prompt|message_text|code",
    re.IGNORECASE,
)
_PATTERNS = [
    # key=value in query strings, forms and log text.
    (
        re.compile(
            r"(?i)\b(password|passwd|pass|secret|token|api[_-]?key|key|sig|code|ticket|"
            r"nomask_session|session)=([^&\s\"';,]+)"
        ),
        r"\1=[redacted]",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [redacted]"),
    (re.compile(r"\b(sk|pk|rk|whsec|sk_live|sk_test)[-_][A-Za-z0-9_-]{8,}"), "[redacted-key]"),
    (
        re.compile(r"(?i)\"(password|token|secret|api_key|code|ticket)\"\s*:\s*\"[^\"]*\""),
        r'"\1": "[redacted]"',
    ),
]
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """Mask credentials that might have slipped into a log line."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as a JSON line, redacted."""
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            payload["request_id"] = rid
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_") or key == "request_id":
                continue
            if _SECRET_FIELD.search(key):
                continue  # a field named like a secret is dropped, whatever it holds
            if isinstance(value, (str, int, float, bool)) or value is None:
                payload[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and the frames, never the exception's text: provider
            # errors can quote the request they failed on.
            payload["error"] = record.exc_info[0].__name__
            payload["traceback"] = redact("".join(traceback.format_tb(record.exc_info[2])))
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send the app's logs (and the root logger's) to stderr as JSON; idempotent."""
    root = logging.getLogger()
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    logging.getLogger("nomask_app").setLevel(level)
    root.setLevel(logging.INFO)  # libraries' debug output stays off whatever our level
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
