"""Growing delays after wrong passwords, per address and per account (brute-force protection).

The first few failures are free. After that, each further password check
from the same address (or against the same account) must wait: 1 s, 2 s,
4 s, ... up to a cap. Attempts made while waiting are refused before any
password hash is computed, so a burst of 1,000 guesses costs about a dozen
bcrypt verifications. An attempt is counted as a failure *before* its
password is checked and forgiven if it succeeds, so parallel guesses cannot
slip past the count.

The account's delay is capped low (``NOMASK_SIGNIN_MAX_ACCOUNT_DELAY_SECONDS``,
5 minutes): an attacker guessing someone's password can slow its owner down,
never lock them out for long. The address's delay may grow longer, since it
only slows whoever shares the attacker's address.
"""

import time

from nomask_app.config import get_settings
from nomask_app.services.operations import metrics
from nomask_app.services.operations.ratelimit import RateLimited, key_for, storage

LIMIT_NAME = "signin_delay"
_IP_WINDOW = 24 * 3600  # failures from one address are remembered this long
_ACCOUNT_WINDOW = 3600  # failures against one account are remembered this long
_PREFIX = "nomask-guard"


def _scopes(email: str, ip: str) -> list[tuple[str, int, int]]:
    """(key, memory window, longest delay) for each scope that applies."""
    settings = get_settings()
    scopes = [
        (key_for("account", email), _ACCOUNT_WINDOW, settings.signin_max_account_delay_seconds)
    ]
    if ip:
        scopes.append((key_for("ip", ip), _IP_WINDOW, settings.signin_max_ip_delay_seconds))
    return scopes


def delay_after(failures: int) -> int:
    """Seconds to wait before the next check after `failures` failures (0 while free)."""
    free = get_settings().signin_free_failures
    if failures <= free:
        return 0
    return 2 ** min(failures - free - 1, 24)


def _forgive(store, key: str, window: int) -> None:
    # `incr` by -1: every `limits` storage has it (Redis has no `decr`).
    store.incr(f"{_PREFIX}:fail:{key}", window, amount=-1)


def begin_attempt(*, email: str, ip: str) -> None:
    """Let one password check through, or refuse it while a delay runs.

    Call `finish_attempt` once the password has been checked.

    Raises:
        RateLimited: a delay is running for this address or account; nothing
            was verified and nothing counted.
    """
    store = storage()
    taken: list[tuple[str, int]] = []
    for key, window, cap in _scopes(email, ip):
        failures = store.incr(f"{_PREFIX}:fail:{key}", window)
        taken.append((key, window))
        delay = min(delay_after(failures), cap)
        if not delay:
            continue
        lock = f"{_PREFIX}:lock:{key}"
        # Only the first attempt after a delay ends gets a 1: it goes ahead
        # and starts the next (longer) delay; every other attempt waits.
        if store.incr(lock, delay) != 1:
            for done, done_window in taken:
                _forgive(store, done, done_window)
            metrics.rate_limit_hit(LIMIT_NAME)
            raise RateLimited(LIMIT_NAME, round(store.get_expiry(lock) - time.time()))


def finish_attempt(*, email: str, ip: str, succeeded: bool) -> bool:
    """Record the outcome of a check let through by `begin_attempt`.

    A success forgives the attempt and clears the account's delay (not the
    address's: an attacker signing in to an account of their own must not
    reset the count of their guesses at others).

    Returns:
        Whether this failure started a delay (worth recording as an event).
    """
    store = storage()
    scopes = _scopes(email, ip)
    if succeeded:
        for key, window, _ in scopes:
            _forgive(store, key, window)
        account_key = scopes[0][0]
        store.clear(f"{_PREFIX}:fail:{account_key}")
        store.clear(f"{_PREFIX}:lock:{account_key}")
        return False
    return any(delay_after(store.get(f"{_PREFIX}:fail:{key}")) == 1 for key, _, _ in scopes)


def wait_seconds(*, email: str, ip: str) -> int:
    """How long until the next check would be let through (0 when it would be now)."""
    store = storage()
    now = time.time()
    waits = [
        store.get_expiry(f"{_PREFIX}:lock:{key}") - now
        for key, _, _ in _scopes(email, ip)
        if store.get(f"{_PREFIX}:lock:{key}")
    ]
    return max(0, round(max(waits, default=0)))
