"""POST /api/auth/login: rate limits with Retry-After, delays, the two-factor step; metrics."""

import json

import pyotp
import pytest
from sqlmodel import select

from nomask_app.models import User
from nomask_app.services.accounts import accounts as accounts_service
from nomask_app.services.accounts import passwords, twofactor
from nomask_app.services.accounts.sessions import SESSION_COOKIE
from nomask_app.services.operations import ratelimit
from tests.factories import PASSWORD, make_user
from tests.support import reset_app_caches


@pytest.fixture
def env(monkeypatch):
    def configure(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        reset_app_caches()
        ratelimit.reset()

    yield configure
    reset_app_caches()


def test_too_many_sign_ins_get_429_with_retry_after(env, client, session):
    env(NOMASK_RATE_LIMITS=json.dumps({"signin": "2/minute"}))
    user = make_user(session)
    body = {"email": user.email, "password": PASSWORD}
    assert [client.post("/api/auth/login", json=body).status_code for _ in range(2)] == [200, 200]
    refused = client.post("/api/auth/login", json=body)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["message"].startswith("Too many attempts. Try again in ")
    assert "set-cookie" not in refused.headers


def test_a_thousand_wrong_passwords_over_http_cost_at_most_20_checks(
    env, client, session, monkeypatch
):
    env(NOMASK_RATE_LIMITS=json.dumps({"signin": "100000/minute"}))
    user = make_user(session)
    calls = []
    real = passwords.verify_password

    def counting(password, password_hash):
        calls.append(1)
        return real(password, password_hash)

    monkeypatch.setattr(passwords, "verify_password", counting)
    monkeypatch.setattr(accounts_service, "verify_password", counting)
    statuses = [
        client.post("/api/auth/login", json={"email": user.email, "password": f"g{n}"}).status_code
        for n in range(1000)
    ]
    assert len(calls) <= 20
    assert set(statuses) == {401, 429}
    assert statuses.count(429) >= 980


def test_wrong_passwords_for_one_account_leave_others_behind_the_address_alone(
    env, client, session
):
    env(NOMASK_RATE_LIMITS=json.dumps({"signin": "100000/minute"}))
    alice, bob = make_user(session), make_user(session)
    statuses = [
        client.post("/api/auth/login", json={"email": alice.email, "password": f"g{n}"})
        for n in range(20)
    ]
    assert {r.status_code for r in statuses} == {401, 429}
    right = client.post("/api/auth/login", json={"email": bob.email, "password": PASSWORD})
    assert right.status_code == 200
    assert "retry-after" not in right.headers


def test_two_factor_accounts_need_the_code_over_the_api_too(client, session):
    user = make_user(session)
    enrolment = twofactor.start_enrolment(session=session, user_id=user.id)
    session.commit()
    twofactor.confirm_enrolment(
        session=session, user_id=user.id, code=pyotp.TOTP(enrolment.secret).now()
    )
    session.commit()
    creds = {"email": user.email, "password": PASSWORD}
    missing = client.post("/api/auth/login", json=creds)
    assert (missing.status_code, missing.json()) == (401, {"error": "two-factor code required"})
    assert "set-cookie" not in missing.headers
    wrong = client.post("/api/auth/login", json={**creds, "code": "000000"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    import time

    code = pyotp.TOTP(enrolment.secret).at(time.time() + 30)
    right = client.post("/api/auth/login", json={**creds, "code": code})
    assert right.status_code == 200
    assert SESSION_COOKIE in right.headers["set-cookie"]


def test_right_two_factor_codes_over_the_api_do_not_use_up_the_limit(client, session):
    user = make_user(session)
    enrolment = twofactor.start_enrolment(session=session, user_id=user.id)
    session.commit()
    codes = twofactor.confirm_enrolment(
        session=session, user_id=user.id, code=pyotp.TOTP(enrolment.secret).now()
    )
    session.commit()
    creds = {"email": user.email, "password": PASSWORD}
    statuses = [
        client.post("/api/auth/login", json={**creds, "code": code}).status_code for code in codes
    ]
    assert statuses == [200] * len(codes)
    wrong = [client.post("/api/auth/login", json={**creds, "code": "000000"}) for _ in range(7)]
    assert [r.status_code for r in wrong] == [401] * 6 + [429]


def test_metrics_are_for_admins_and_the_token_holder(env, client, signed_in, session):
    env(NOMASK_METRICS_TOKEN="metrics-token-for-tests-123456")
    assert client.get("/api/metrics").status_code == 401
    assert client.get("/api/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401
    scraped = client.get(
        "/api/metrics", headers={"authorization": "Bearer metrics-token-for-tests-123456"}
    )
    assert scraped.status_code == 200
    assert "nomask_http_request_duration_seconds_bucket" in scraped.text
    assert scraped.headers["cache-control"] == "no-store"

    person, user = signed_in()
    assert person.get("/api/metrics").status_code == 401
    row = session.get(User, user.id)
    row.role = "admin"
    session.add(row)
    session.commit()
    assert person.get("/api/metrics").status_code == 200
    assert session.exec(select(User).where(User.role == "admin")).one().id == user.id
