"""Rate limits: counted per key, refused with a wait, configurable, memory or Redis."""

import pytest

from nomask_app.services.operations import metrics, ratelimit
from nomask_app.services.operations.ratelimit import RateLimited
from tests.support import redis_up, reset_app_caches


@pytest.fixture
def limits(monkeypatch):
    """Configure limits for one test: `limits(signin="2/minute", ...)`."""

    def configure(storage: str = "memory://", **specs: str) -> None:
        import json

        monkeypatch.setenv("NOMASK_RATE_LIMIT_STORAGE_URL", storage)
        monkeypatch.setenv("NOMASK_RATE_LIMITS", json.dumps(specs))
        reset_app_caches()
        ratelimit.reset()

    yield configure
    reset_app_caches()


def _refusals(name: str) -> float:
    return metrics.RATE_LIMIT_HITS.labels(name)._value.get()


def test_a_limit_refuses_with_the_time_to_wait_and_counts_per_key(limits):
    limits(signin="3/minute")
    for _ in range(3):
        ratelimit.hit(ratelimit.SIGN_IN, ip="198.51.100.1", account="a@example.com")
    before = _refusals(ratelimit.SIGN_IN)
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit(ratelimit.SIGN_IN, ip="198.51.100.1", account="b@example.com")
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.message.startswith("Too many attempts. Try again in ")
    assert refused.value.message.endswith(("seconds.", "second.", "1 minute."))
    assert _refusals(ratelimit.SIGN_IN) == before + 1
    # The same account from another address is over its own limit too...
    with pytest.raises(RateLimited):
        ratelimit.hit(ratelimit.SIGN_IN, ip="198.51.100.2", account="a@example.com")
    # ...while someone else from elsewhere is not affected.
    ratelimit.hit(ratelimit.SIGN_IN, ip="198.51.100.2", account="c@example.com")


def test_a_refused_request_is_not_counted(limits):
    limits(chat_send="2/minute")
    ratelimit.hit(ratelimit.CHAT_SEND, user="u1", ip="192.0.2.1")
    ratelimit.hit(ratelimit.CHAT_SEND, user="u2", ip="192.0.2.1")  # the address is now full
    with pytest.raises(RateLimited):
        ratelimit.hit(ratelimit.CHAT_SEND, user="u1", ip="192.0.2.1")
    # u1 has used 1 of 2: the refusal counted nothing against them.
    ratelimit.hit(ratelimit.CHAT_SEND, user="u1", ip="192.0.2.8")
    with pytest.raises(RateLimited):
        ratelimit.hit(ratelimit.CHAT_SEND, user="u1", ip="192.0.2.9")


@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/13"])
def test_taken_attempts_can_be_forgiven_and_a_refused_one_is_not_counted(limits, storage):
    if storage.startswith("redis") and not redis_up():
        pytest.skip("no Redis on this machine")
    limits(storage, two_factor="2/minute", **{"two_factor:ip": "3/minute"})
    keys = {"user": "u1", "ip": "198.51.100.4"}
    for _ in range(5):  # forgiven attempts leave room for more
        ratelimit.take(ratelimit.TWO_FACTOR, **keys)()
    ratelimit.take(ratelimit.TWO_FACTOR, **keys)
    ratelimit.take(ratelimit.TWO_FACTOR, **keys)
    with pytest.raises(RateLimited) as caught:
        ratelimit.take(ratelimit.TWO_FACTOR, **keys)
    assert 1 <= caught.value.retry_after <= 60
    # The refused attempt was not counted for the address: one more fits there.
    ratelimit.take(ratelimit.TWO_FACTOR, user="u2", ip="198.51.100.4")
    with pytest.raises(RateLimited):
        ratelimit.take(ratelimit.TWO_FACTOR, user="u3", ip="198.51.100.4")


def test_an_address_can_have_looser_windows_than_an_account(limits):
    limits(**{"image_generate": "1/minute", "image_generate:ip": "5/minute"})
    ratelimit.hit(ratelimit.IMAGE_GENERATE, user="u1", ip="192.0.2.1")
    with pytest.raises(RateLimited):
        ratelimit.hit(ratelimit.IMAGE_GENERATE, user="u1", ip="192.0.2.1")
    # Another person behind the same address still gets through.
    ratelimit.hit(ratelimit.IMAGE_GENERATE, user="u2", ip="192.0.2.1")


def test_every_named_limit_has_parsable_defaults():
    for name in (
        ratelimit.SIGN_IN,
        ratelimit.SIGN_UP,
        ratelimit.PASSWORD_RESET,
        ratelimit.TWO_FACTOR,
        ratelimit.TWO_FACTOR_SETTINGS,
        ratelimit.CHAT_SEND,
        ratelimit.IMAGE_GENERATE,
        ratelimit.EXPORT,
    ):
        for kind in ("ip", "user", "account"):
            assert ratelimit.limits_for(name, kind)


def test_keys_hold_no_address_or_email_in_clear():
    key = ratelimit.key_for("account", "Someone@Example.com ")
    assert "someone" not in key.lower() and key == ratelimit.key_for(
        "account", "someone@example.com"
    )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (45, "45 seconds"), (60, "1 minute"), (61, "2 minutes"), (7200, "2 hours")],
)
def test_waits_read_naturally(seconds, words):
    assert ratelimit.wait_words(seconds) == words


@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_storage_is_shared_between_processes(limits):
    # Database 13 of the machine's Redis, emptied of our keys before and after.
    limits(storage="redis://127.0.0.1:6379/13", export="2/hour")
    ratelimit.hit(ratelimit.EXPORT, user="u1")
    ratelimit.hit(ratelimit.EXPORT, user="u1")
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit(ratelimit.EXPORT, user="u1")
    assert 3500 < refused.value.retry_after <= 3600
    assert refused.value.message == "Too many attempts. Try again in 1 hour."
    # Another client of the same Redis sees the same count.
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    other = MovingWindowRateLimiter(storage_from_string("redis://127.0.0.1:6379/13"))
    window = ratelimit.limits_for(ratelimit.EXPORT, "user")[0]
    assert not other.test(window, ratelimit.EXPORT, ratelimit.key_for("user", "u1"))
    ratelimit.reset()
