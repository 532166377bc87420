"""Performance metrics in Prometheus format (policy §1.3: error logs and performance metrics).

Only counts and durations: no label ever carries a user id, an address, a
path with an id in it, or message text. `GET /api/metrics` (api/operations.py)
exposes them to admins and to a scraper holding ``NOMASK_METRICS_TOKEN``.

Each backend process keeps its own numbers (one process unless Redis is
configured; with several workers, scrape each one or run one worker per port).
"""

import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "nomask_http_request_duration_seconds",
    "Time from request to the start of the response, by route group.",
    ["method", "route", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FIRST_TOKEN_SECONDS = Histogram(
    "nomask_time_to_first_token_seconds",
    "Time from starting a reply to its first piece of text.",
    ["model"],
    registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
TOKENS = Counter(
    "nomask_tokens",
    "Tokens sent to and received from AI providers.",
    ["model", "direction"],
    registry=REGISTRY,
)
PROVIDER_ERRORS = Counter(
    "nomask_provider_errors",
    "Replies that failed because of the AI provider (errors and stalls).",
    ["model"],
    registry=REGISTRY,
)
REPLIES = Counter(
    "nomask_replies",
    "Replies that ended, by how they ended.",
    ["status"],
    registry=REGISTRY,
)
ACTIVE_STREAMS = Gauge(
    "nomask_active_streams",
    "Replies being written right now in this process.",
    registry=REGISTRY,
)
RATE_LIMIT_HITS = Counter(
    "nomask_rate_limit_hits",
    "Requests refused by a rate limit or a sign-in delay, by limit name.",
    ["limit"],
    registry=REGISTRY,
)
WEBSOCKETS = Gauge(
    "nomask_open_websockets",
    "Open websocket connections in this process.",
    registry=REGISTRY,
)

_ID = re.compile(r"/[0-9a-f]{32}(?=/|$)")
_KNOWN_PREFIXES = (
    "/api/",
    "/_event",
    "/_upload",
    "/assets/",
    "/chat/",
    "/login",
    "/signup",
    "/settings",
    "/privacy",
    "/billing",
    "/images",
    "/admin",
    "/policy",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
)


def route_group(path: str, status: int) -> str:
    """A low-cardinality label for a path: ids become ``{id}``, unknown paths "other"."""
    if status == 404 and not path.startswith("/api/"):
        return "other"
    path = _ID.sub("/{id}", path.rstrip("/") or "/")
    if path.startswith("/assets/"):
        return "/assets"
    if path == "/" or path.startswith(_KNOWN_PREFIXES):
        return path[:80]
    return "other"


def observe_request(method: str, path: str, status: int, seconds: float) -> None:
    """Record one HTTP request's latency."""
    method = method if method in {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"} else "OTHER"
    REQUEST_SECONDS.labels(method, route_group(path, status), f"{status // 100}xx").observe(seconds)


def rate_limit_hit(name: str) -> None:
    """Count one refused request."""
    RATE_LIMIT_HITS.labels(name).inc()


def reply_started() -> None:
    """A reply job began streaming."""
    ACTIVE_STREAMS.inc()


def first_token(model: str, seconds: float) -> None:
    """The first piece of a reply arrived `seconds` after the job started."""
    FIRST_TOKEN_SECONDS.labels(model[:100]).observe(seconds)


def reply_ended(
    *, model: str, status: str, provider_error: bool, prompt_tokens: int, completion_tokens: int
) -> None:
    """A reply job ended (complete, stopped or failed)."""
    ACTIVE_STREAMS.dec()
    REPLIES.labels(status).inc()
    if provider_error:
        PROVIDER_ERRORS.labels(model[:100]).inc()
    if prompt_tokens:
        TOKENS.labels(model[:100], "prompt").inc(prompt_tokens)
    if completion_tokens:
        TOKENS.labels(model[:100], "completion").inc(completion_tokens)


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)


def snapshot() -> dict[str, float]:
    """Headline numbers of this process for the admin console."""

    def total(name: str) -> float:
        return sum(
            sample.value
            for metric in REGISTRY.collect()
            for sample in metric.samples
            if sample.name == name
        )

    return {
        "active_streams": total("nomask_active_streams"),
        "open_websockets": total("nomask_open_websockets"),
        "replies": total("nomask_replies_total"),
        "provider_errors": total("nomask_provider_errors_total"),
        "rate_limit_hits": total("nomask_rate_limit_hits_total"),
        "tokens": total("nomask_tokens_total"),
        "requests": total("nomask_http_request_duration_seconds_count"),
    }
