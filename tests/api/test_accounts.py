from http.cookies import SimpleCookie

from sqlmodel import select

from nomask_app.models import SecurityEvent, UserSession
from nomask_app.services.accounts.sessions import SESSION_COOKIE, hash_token, issue_login_ticket
from tests.factories import PASSWORD, make_user


def _set_cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    return cookie


def test_login_sets_an_httponly_lax_cookie_whose_hash_alone_is_stored(client, session):
    user = make_user(session, email="eve@example.com")
    response = client.post(
        "/api/auth/login", json={"email": "eve@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    raw = response.headers["set-cookie"]
    morsel = _set_cookie(response)[SESSION_COOKIE]
    assert "httponly" in raw.lower()
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert "secure" not in raw.lower()  # served over http in this test
    token = morsel.value
    stored = session.exec(select(UserSession)).one()
    assert stored.user_id == user.id
    assert stored.token_hash == hash_token(token)
    assert response.headers["cache-control"] == "no-store"


def test_wrong_password_sets_no_cookie_and_is_audited(client, session):
    make_user(session, email="frank@example.com")
    response = client.post(
        "/api/auth/login", json={"email": "frank@example.com", "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert session.exec(select(UserSession)).first() is None
    assert [e.kind for e in session.exec(select(SecurityEvent))][-1] == "signin.failed"


def test_ticket_login_redirects_to_the_requested_page_once(client, session):
    user = make_user(session)
    ticket = issue_login_ticket(session=session, user_id=user.id, next_path="/settings")
    session.commit()
    response = client.post("/api/auth/login", data={"ticket": ticket}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "http://localhost:3000/settings"
    assert SESSION_COOKIE in _set_cookie(response)

    again = client.post("/api/auth/login", data={"ticket": ticket}, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].endswith("/login?expired=1")
    assert "set-cookie" not in again.headers


def test_each_login_gets_a_new_token(client, session):
    make_user(session, email="gina@example.com")
    creds = {"email": "gina@example.com", "password": PASSWORD}
    first = _set_cookie(client.post("/api/auth/login", json=creds))[SESSION_COOKIE].value
    second = _set_cookie(client.post("/api/auth/login", json=creds))[SESSION_COOKIE].value
    assert first != second


def test_logout_deletes_the_server_side_session_and_the_cookie(client, session):
    make_user(session, email="hal@example.com")
    client.post("/api/auth/login", json={"email": "hal@example.com", "password": PASSWORD})
    assert session.exec(select(UserSession)).first() is not None
    response = client.post("/api/auth/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "http://localhost:3000/login"
    assert 'nomask_session=""' in response.headers["set-cookie"]
    session.rollback()  # end this test's read snapshot
    assert session.exec(select(UserSession)).first() is None


def test_foreign_origin_is_refused(client, session):
    make_user(session, email="ivy@example.com")
    response = client.post(
        "/api/auth/login",
        json={"email": "ivy@example.com", "password": PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert (
        client.post("/api/auth/logout", headers={"origin": "https://evil.example"}).status_code
        == 403
    )


def test_malformed_and_oversized_bodies_are_a_plain_failure(client, session):
    post = client.post
    bad_json = post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 401
    assert post("/api/auth/login", json=["a", "list"]).status_code == 401
    huge = post("/api/auth/login", json={"email": "a@b.co", "password": "x" * 20000})
    assert huge.status_code == 401
    form = post("/api/auth/login", data={"ticket": "x" * 300}, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"].endswith("/login?expired=1")


def test_health_reports_the_database(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_suspended_account_gets_no_cookie_and_is_told_why(client, session):
    from nomask_app.models.common import utcnow

    user = make_user(session, email="sus@example.com")
    user.suspended_at, user.suspension_reason = utcnow(), "Spam reports this week"
    session.add(user)
    session.commit()
    creds = {"email": "sus@example.com", "password": PASSWORD}
    refused = client.post("/api/auth/login", json=creds)
    assert refused.status_code == 403 and "suspended" in refused.json()["error"]
    assert "set-cookie" not in refused.headers
    # A browser's form post lands on the sign-in page, which says so.
    form = client.post("/api/auth/login", data=creds, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"].endswith("/login?suspended=1")
    assert session.exec(select(UserSession)).first() is None
    # A wrong password says nothing about the suspension.
    wrong = client.post("/api/auth/login", json={**creds, "password": "not-it-at-all"})
    assert wrong.status_code == 401 and "suspended" not in wrong.text
