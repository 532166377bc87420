"""Rate limits per address and per account (policy §6: rate limiting and DDoS protection).

Every limit has a name and one or more windows (``"10/minute;100/hour"``),
configurable with ``NOMASK_RATE_LIMITS``. Counters live in memory for a
single process, or in Redis (``NOMASK_RATE_LIMIT_STORAGE_URL``) so that
every worker shares them. A request over a limit raises `RateLimited`, which
says in words and in seconds when to try again: pages show the words, API
routes answer 429 with ``Retry-After``.

Callers hit a limit before doing the work it protects:

    ratelimit.hit(ratelimit.CHAT_SEND, user=user_id, ip=ip_address)

A limit on failures only (wrong codes) takes the attempt first and forgives
it when it succeeded:

    forgive = ratelimit.take(ratelimit.TWO_FACTOR, user=user_id, ip=ip_address)

Calls are blocking (Redis is a network round trip): from async code, call
them through `asyncio.to_thread` like the rest of the services.
"""

import hashlib
import math
import threading
import time
from collections.abc import Callable
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from nomask_app.config import get_settings
from nomask_app.services.operations import metrics

# Limit names. Each is checked per key kind given to `hit` (``ip=``, ``user=``,
# ``account=``), so "20 per minute" means 20 per address AND 20 per account.
# ``"<name>:<kind>"`` (e.g. ``"chat_send:ip"``) sets a kind's own windows.
SIGN_IN = "signin"
SIGN_UP = "signup"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a limit name)
TWO_FACTOR = "two_factor"
TWO_FACTOR_SETTINGS = "two_factor_settings"
CHAT_SEND = "chat_send"
IMAGE_GENERATE = "image_generate"
EXPORT = "export"

DEFAULT_LIMITS: dict[str, str] = {
    SIGN_IN: "20/minute;200/hour",
    SIGN_UP: "5/minute;20/hour",
    PASSWORD_RESET: "5/minute;20/hour",
    TWO_FACTOR: "6/5 minutes;20/hour",
    TWO_FACTOR_SETTINGS: "10/5 minutes;30/hour",
    CHAT_SEND: "30/minute;600/hour",
    IMAGE_GENERATE: "10/minute;100/hour",
    EXPORT: "3/hour;10/day",
    # An address can stand for many people (an office, a mobile carrier):
    # where the account has a tight limit, the address gets a looser one.
    f"{TWO_FACTOR}:ip": "30/5 minutes;100/hour",
    f"{CHAT_SEND}:ip": "120/minute;2000/hour",
    f"{IMAGE_GENERATE}:ip": "30/minute;300/hour",
}

_lock = threading.Lock()


class RateLimited(Exception):
    """Too many requests; try again after `retry_after` seconds.

    Attributes:
        name: The limit that was reached.
        retry_after: Whole seconds until one more request is allowed (at least 1).
        message: What to tell the person.
    """

    def __init__(self, name: str, retry_after: int):
        self.name = name
        self.retry_after = max(1, int(retry_after))
        self.message = f"Too many attempts. Try again in {wait_words(self.retry_after)}."
        super().__init__(self.message)


def wait_words(seconds: int) -> str:
    """A wait in words people read at a glance: "45 seconds", "3 minutes", "2 hours"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(seconds / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


@lru_cache
def _backend(url: str) -> tuple[Storage, MovingWindowRateLimiter]:
    # A moving window counts the last N seconds exactly, so "try again in"
    # is when the oldest counted request leaves the window.
    store = storage_from_string(url)
    return store, MovingWindowRateLimiter(store)


def storage() -> Storage:
    """The configured counter storage (shared with `signin_guard`)."""
    return _backend(get_settings().rate_limit_storage)[0]


@lru_cache(maxsize=64)
def _parse(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def limits_for(name: str, kind: str = "") -> tuple[RateLimitItem, ...]:
    """The windows of a named limit for one key kind (configured, or the default)."""
    configured = get_settings().rate_limits
    own = f"{name}:{kind}"
    spec = (
        configured.get(own)
        or configured.get(name)
        or DEFAULT_LIMITS.get(own)
        or DEFAULT_LIMITS[name]
    )
    return _parse(spec)


def key_for(kind: str, value: str) -> str:
    """A storage key part; addresses and emails are hashed so Redis holds no personal data."""
    digest = hashlib.sha256(value.strip().lower().encode("utf-8", "replace")).hexdigest()
    return f"{kind}:{digest[:32]}"


def _keys(keys: dict[str, str | None]) -> list[tuple[str, str]]:
    return [(kind, key_for(kind, value)) for kind, value in sorted(keys.items()) if value]


def hit(name: str, **keys: str | None) -> None:
    """Count one request against `name` for every given key; refuse it over the limit.

    Nothing is counted when any key is already over: a refused request does
    not push the wait further out.

    Args:
        name: One of the limit names above.
        **keys: Who is asking, e.g. ``ip="203.0.113.9"``, ``user=user_id``,
            ``account=email``. Empty values are skipped.

    Raises:
        RateLimited: a window is full; nothing was counted.
    """
    _, limiter = _backend(get_settings().rate_limit_storage)
    checks = [
        (window, identity) for kind, identity in _keys(keys) for window in limits_for(name, kind)
    ]
    with _lock:  # test-then-hit as one step within this process
        for window, identity in checks:
            if not limiter.test(window, name, identity):
                raise _refused(name, limiter, window, identity)
        for window, identity in checks:
            limiter.hit(window, name, identity)


def take(name: str, **keys: str | None) -> Callable[[], None]:
    """Count one attempt against `name` before it is checked; return a way to forgive it.

    For limits on failures only (wrong codes): the attempt is counted first,
    so parallel attempts cannot slip past the limit, and the caller forgives
    it once it succeeded. Windows are fixed (they start with the first
    attempt), since a moving window's hits cannot be taken back.

    Args:
        name: One of the limit names above.
        **keys: Who is asking, as for `hit`.

    Returns:
        `forgive()`: takes this attempt back from every window.

    Raises:
        RateLimited: a window is full; nothing was counted.
    """
    store = storage()
    taken: list[tuple[str, int]] = []

    def forgive() -> None:
        for key, expiry in taken:
            store.incr(key, expiry, amount=-1)  # every storage has incr; Redis has no decr

    for kind, identity in _keys(keys):
        for window in limits_for(name, kind):
            expiry = window.get_expiry()
            key = f"nomask-attempt:{name}:{identity}:{expiry}"
            taken.append((key, expiry))
            if store.incr(key, expiry) > window.amount:
                forgive()
                metrics.rate_limit_hit(name)
                raise RateLimited(name, math.ceil(store.get_expiry(key) - time.time()))
    return forgive


def _refused(name: str, limiter, window: RateLimitItem, identity: str) -> RateLimited:
    stats = limiter.get_window_stats(window, name, identity)
    metrics.rate_limit_hit(name)
    return RateLimited(name, math.ceil(stats.reset_time - time.time()))


def reset() -> None:
    """Forget every counter (tests, and `make` commands that start afresh)."""
    storage().reset()
