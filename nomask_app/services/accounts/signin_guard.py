"""Growing delays after wrong passwords: brute force and credential stuffing.

Failures are remembered for an hour in three scopes:

- the pair (address, account): someone guessing one account's password from
  one address;
- the account, from any address: guesses spread over many addresses. Its
  delay is capped low (``NOMASK_SIGNIN_MAX_ACCOUNT_DELAY_SECONDS``, 5 minutes):
  an attacker can slow the owner down, never lock them out for long;
- the address, but only once its failures span many distinct accounts that
  were not signed in to since (``NOMASK_SIGNIN_STUFFING_ACCOUNTS``):
  credential stuffing. Offices, campuses and mobile carriers put many people
  behind one address, so wrong passwords for one account never slow down
  the others. Once an address is hostile, its delay follows all of its
  failures of the hour.

In each scope the first few failures are free (``NOMASK_SIGNIN_FREE_FAILURES``);
after that each further check waits 1 s, 2 s, 4 s, ... up to a cap. Attempts
made while waiting are refused before any password hash is computed, so a
burst of 1,000 guesses from one address costs about a dozen and a half
bcrypt verifications. An attempt is counted as a failure *before* its
password is checked and forgiven if it succeeds, so parallel guesses cannot
slip past the count.
"""

import time
from dataclasses import dataclass

from nomask_app.config import get_settings
from nomask_app.services.operations import metrics
from nomask_app.services.operations.ratelimit import RateLimited, key_for, storage

LIMIT_NAME = "signin_delay"
_WINDOW = 3600  # failures are remembered this long, in every scope
_PREFIX = "nomask-guard"


@dataclass(frozen=True)
class _Scopes:
    """The storage keys of one attempt's scopes (the pair and address need an address)."""

    account: str
    pair: str | None
    address: str | None

    @property
    def all(self) -> list[str]:
        return [key for key in (self.account, self.pair, self.address) if key]


def _scopes(email: str, ip: str) -> _Scopes:
    account = key_for("account", email)
    if not ip:
        return _Scopes(account, None, None)
    return _Scopes(account, key_for("pair", f"{ip} {email}"), key_for("ip", ip))


def _failures(key: str) -> str:
    return f"{_PREFIX}:fail:{key}"


def _lock(key: str) -> str:
    return f"{_PREFIX}:lock:{key}"


def _accounts(address: str) -> str:
    """The count of distinct accounts with failures from this address."""
    return f"{_PREFIX}:accounts:{address}"


def delay_after(failures: int) -> int:
    """Seconds to wait before the next check after `failures` failures (0 while free)."""
    free = get_settings().signin_free_failures
    if failures <= free:
        return 0
    return 2 ** min(failures - free - 1, 24)


def _hostile(store, scopes: _Scopes) -> bool:
    """Whether failures from this address span more accounts than the people behind it make."""
    if scopes.address is None:
        return False
    return store.get(_accounts(scopes.address)) > get_settings().signin_stuffing_accounts


def _delays(store, scopes: _Scopes) -> list[tuple[str, int]]:
    """(scope key, seconds to wait after the failures counted so far) for each scope."""
    settings = get_settings()
    delays = [
        (
            scopes.account,
            min(
                delay_after(store.get(_failures(scopes.account))),
                settings.signin_max_account_delay_seconds,
            ),
        )
    ]
    for key in (scopes.pair, scopes.address if _hostile(store, scopes) else None):
        if key:
            delay = delay_after(store.get(_failures(key)))
            delays.append((key, min(delay, settings.signin_max_ip_delay_seconds)))
    return delays


def _take_back(store, counters: list[str]) -> None:
    for counter in counters:
        # `incr` by -1: every `limits` storage has it (Redis has no `decr`).
        store.incr(counter, _WINDOW, amount=-1)


def begin_attempt(*, email: str, ip: str) -> None:
    """Let one password check through, or refuse it while a delay runs.

    Call `finish_attempt` once the password has been checked.

    Raises:
        RateLimited: a delay is running for this pair, account or hostile
            address; nothing was verified and nothing counted.
    """
    store = storage()
    scopes = _scopes(email, ip)
    taken = [_failures(key) for key in scopes.all]
    counts = dict(zip(scopes.all, (store.incr(counter, _WINDOW) for counter in taken), strict=True))
    if scopes.pair and scopes.address and counts[scopes.pair] == 1:
        # The pair's first failure: one more account failing from this address.
        taken.append(_accounts(scopes.address))
        store.incr(taken[-1], _WINDOW)
    for key, delay in _delays(store, scopes):
        if not delay:
            continue
        # Only the first attempt after a delay ends gets a 1: it goes ahead
        # and starts the next (longer) delay; every other attempt waits.
        if store.incr(_lock(key), delay) != 1:
            _take_back(store, taken)
            metrics.rate_limit_hit(LIMIT_NAME)
            raise RateLimited(LIMIT_NAME, round(store.get_expiry(_lock(key)) - time.time()))


def finish_attempt(*, email: str, ip: str, succeeded: bool) -> bool:
    """Record the outcome of a check let through by `begin_attempt`.

    A success forgives the attempt and clears the account's and the pair's
    delays; the account no longer counts towards its address's distinct
    accounts. The address's own failures stay: an attacker signing in to an
    account of their own must not reset the count of their guesses at others.

    Returns:
        Whether this failure started a delay (worth recording as an event).
    """
    store = storage()
    scopes = _scopes(email, ip)
    if succeeded:
        for key in (scopes.account, scopes.pair):
            if key:
                store.clear(_failures(key))
                store.clear(_lock(key))
        if scopes.address:
            _take_back(store, [_failures(scopes.address)])
            if store.incr(_accounts(scopes.address), _WINDOW, amount=-1) < 0:
                store.clear(_accounts(scopes.address))  # its window ended meanwhile
        return False
    started = [
        delay_after(store.get(_failures(key))) == 1 for key in (scopes.account, scopes.pair) if key
    ]
    # The failure that makes the address hostile: a new account past the threshold.
    threshold = get_settings().signin_stuffing_accounts
    became_hostile = (
        scopes.address is not None
        and store.get(_failures(scopes.pair)) == 1
        and store.get(_accounts(scopes.address)) == threshold + 1
    )
    return any(started) or became_hostile


def wait_seconds(*, email: str, ip: str) -> int:
    """How long until the next check would be let through (0 when it would be now)."""
    store = storage()
    now = time.time()
    waits = [
        store.get_expiry(_lock(key)) - now
        for key in _scopes(email, ip).all
        if store.get(_lock(key))
    ]
    return max(0, round(max(waits, default=0)))
