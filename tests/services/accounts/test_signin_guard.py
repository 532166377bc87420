"""Brute force: growing delays per address and account, few password checks, no long lockout."""

import contextlib
import json
import threading

import pytest
from sqlmodel import select

from nomask_app.models import SecurityEvent
from nomask_app.services.accounts import accounts as accounts_service
from nomask_app.services.accounts import passwords, signin, signin_guard
from nomask_app.services.operations import audit, ratelimit
from nomask_app.services.operations.ratelimit import RateLimited
from nomask_app.states.accounts.login import _check_credentials
from tests.factories import PASSWORD, make_user
from tests.support import redis_up, reset_app_caches

ATTACKER = "203.0.113.66"


@pytest.fixture(params=["memory", "redis"])
def only_delays(request, monkeypatch, engine):
    """Plain rate limits out of the way, so the sign-in delays alone are measured.

    Both counter storages: this process's memory, and Redis as several
    workers share it (database 12 of the machine's Redis).
    """
    if request.param == "redis":
        if not redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        monkeypatch.setenv("NOMASK_RATE_LIMIT_STORAGE_URL", "redis://127.0.0.1:6379/12")
    monkeypatch.setenv("NOMASK_RATE_LIMITS", json.dumps({"signin": "100000/minute"}))
    reset_app_caches()
    ratelimit.reset()
    yield
    reset_app_caches()


@pytest.fixture
def verifications(monkeypatch):
    """Count every bcrypt verification, real or the decoy for unknown accounts."""
    calls = []
    real = passwords.verify_password

    def counting(password, password_hash):
        calls.append(1)
        return real(password, password_hash)

    monkeypatch.setattr(passwords, "verify_password", counting)
    monkeypatch.setattr(accounts_service, "verify_password", counting)
    return calls


def _try(session, email, password, ip=ATTACKER):
    try:
        user = signin.check_password(session=session, email=email, password=password, ip_address=ip)
    except RateLimited as limit:
        return limit
    session.commit()
    return user


def test_a_thousand_wrong_passwords_from_one_address_cost_at_most_20_checks(
    only_delays, verifications, session
):
    victims = [make_user(session).email for _ in range(3)]
    verifications.clear()
    refused = 0
    for attempt in range(1000):
        # Spraying across accounts and unknown addresses alike.
        email = victims[attempt % 3] if attempt % 2 else f"nobody{attempt}@example.com"
        if isinstance(_try(session, email, f"guess-{attempt}"), RateLimited):
            refused += 1
    assert len(verifications) <= 20
    assert refused >= 980


OFFICE = "198.51.100.7"  # one address for many people: an office, a campus, a carrier


def test_a_shared_address_does_not_lock_out_another_account(only_delays, session):
    alice, bob = make_user(session), make_user(session)
    outcomes = [_try(session, alice.email, f"guess-{n}", ip=OFFICE) for n in range(100)]
    assert any(isinstance(o, RateLimited) for o in outcomes)  # Alice's pair is slowed down
    # Bob, behind the same address, signs in at once with his password.
    assert _try(session, bob.email, PASSWORD, ip=OFFICE).id == bob.id
    assert signin_guard.wait_seconds(email=bob.email, ip=OFFICE) == 0


def test_failures_across_many_accounts_mark_the_address(only_delays, session):
    # Eleven accounts with one wrong password each: more than the 10 people behind
    # one address plausibly mistype in an hour without then getting it right.
    people = [make_user(session) for _ in range(12)]
    for person in people[:11]:
        assert _try(session, person.email, "stuffed-password", ip=OFFICE) is None
    refused = _try(session, people[11].email, PASSWORD, ip=OFFICE)
    assert isinstance(refused, RateLimited)
    # The owner elsewhere is not slowed down by that address's record.
    assert _try(session, people[11].email, PASSWORD, ip="192.0.2.99").id == people[11].id


def test_accounts_signed_in_to_after_a_typo_do_not_count_towards_stuffing(only_delays, session):
    people = [make_user(session) for _ in range(16)]
    for person in people[:15]:  # fifteen colleagues mistype, then get it right
        assert _try(session, person.email, "typo", ip=OFFICE) is None
        assert _try(session, person.email, PASSWORD, ip=OFFICE).id == person.id
    assert _try(session, people[15].email, "typo", ip=OFFICE) is None
    assert _try(session, people[15].email, PASSWORD, ip=OFFICE).id == people[15].id


def test_the_sign_in_page_path_is_guarded_the_same_way(only_delays, verifications, session):
    user = make_user(session)
    verifications.clear()
    context = {"ip_address": ATTACKER, "user_agent": "bot"}
    for attempt in range(1000):
        with contextlib.suppress(RateLimited):
            _check_credentials(user.email, f"guess-{attempt}", "/", context)
    assert len(verifications) <= 20


def test_parallel_guesses_cannot_slip_past_the_count(only_delays):
    checked = []
    barrier = threading.Barrier(30)

    def guess(n):
        barrier.wait()
        try:
            signin_guard.begin_attempt(email="target@example.com", ip=ATTACKER)
        except RateLimited:
            return
        checked.append(n)  # the password would be checked here, and be wrong
        signin_guard.finish_attempt(email="target@example.com", ip=ATTACKER, succeeded=False)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The five free failures, plus the one attempt that starts the first delay.
    assert len(checked) <= 6


def test_an_attack_on_one_account_from_many_addresses_delays_its_owner_briefly(
    only_delays, session
):
    user = make_user(session)
    for n in range(300):
        _try(session, user.email, f"guess-{n}", ip=f"198.51.{n // 250}.{n % 250}")
    # The owner, from their own address: a delay, but never a long one.
    outcome = _try(session, user.email, PASSWORD, ip="192.0.2.10")
    if isinstance(outcome, RateLimited):
        assert outcome.retry_after <= 300
        assert outcome.message.startswith("Too many attempts. Try again in ")
    assert signin_guard.wait_seconds(email=user.email, ip="192.0.2.10") <= 300


def test_delays_grow_and_a_success_forgives_the_account(only_delays, session):
    user = make_user(session)
    assert [signin_guard.delay_after(n) for n in (1, 5, 6, 7, 8, 12)] == [0, 0, 1, 2, 4, 64]
    for n in range(5):  # the free failures
        assert _try(session, user.email, f"wrong-{n}", ip="192.0.2.20") is None
    assert _try(session, user.email, PASSWORD, ip="192.0.2.21").id == user.id
    # The account's count started again: five more free failures.
    for n in range(5):
        assert _try(session, user.email, f"again-{n}", ip="192.0.2.22") is None


def test_failures_are_recorded_on_the_account_with_address_and_device(only_delays, session):
    user = make_user(session)
    session.commit()
    signin.check_password(
        session=session,
        email=user.email,
        password="not-it",
        ip_address="192.0.2.30",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )
    session.commit()
    event = session.exec(
        select(SecurityEvent).where(SecurityEvent.kind == audit.SIGNIN_FAILED)
    ).one()
    assert (event.user_id, event.ip_address) == (user.id, "192.0.2.30")
    assert "Firefox" in event.user_agent
    assert "not-it" not in event.detail


def test_the_plain_rate_limit_applies_before_any_check(monkeypatch, verifications, session):
    monkeypatch.setenv("NOMASK_RATE_LIMITS", json.dumps({"signin": "3/minute"}))
    reset_app_caches()
    ratelimit.reset()
    user = make_user(session)
    verifications.clear()
    outcomes = [_try(session, user.email, PASSWORD, ip="192.0.2.40") for _ in range(4)]
    assert [o.id for o in outcomes[:3]] == [user.id] * 3
    assert isinstance(outcomes[3], RateLimited)
    assert len(verifications) == 3
    reset_app_caches()
