from urllib.parse import urlsplit

from sqlmodel import select

from nomask_app.models import ConsentRecord, SecurityEvent, User, UserSession
from nomask_app.services.accounts import profile
from nomask_app.services.accounts.sessions import create_session
from nomask_app.services.operations import emails, notifications
from tests.factories import PASSWORD, make_user
from tests.mail import sent


def _subscribed_user(session, email="news@example.com"):
    user = make_user(session, email=email)
    profile.set_product_updates(session=session, user_id=user.id, enabled=True)
    session.commit()
    return user


def _path(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_unsubscribe_link_asks_and_its_button_unsubscribes_without_signing_in(client, session):
    user = _subscribed_user(session)
    link = _path(notifications.unsubscribe_url(user.id))
    # Opening the link (as a mail scanner does) only asks.
    for _ in range(2):
        asked = client.get(link)
        assert asked.status_code == 200
        assert asked.headers["content-type"].startswith("text/html")
        assert asked.headers["cache-control"] == "no-store"
        assert "Unsubscribe from product updates?" in asked.text
        assert '<form method="post">' in asked.text
        assert '<button type="submit">Unsubscribe</button>' in asked.text
    session.expire_all()
    assert session.get(User, user.id).product_updates is True
    assert (
        session.exec(select(ConsentRecord).where(ConsentRecord.choice == "unsubscribed")).all()
        == []
    )
    # The button posts the form to the same link.
    response = client.post(link, data={"source": "page"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "You are unsubscribed" in response.text
    assert "Security alerts" in response.text
    session.expire_all()
    assert session.get(User, user.id).product_updates is False
    assert session.exec(select(ConsentRecord).where(ConsentRecord.choice == "unsubscribed")).one()
    # A second click is fine and changes nothing more.
    assert client.post(link, data={"source": "page"}).status_code == 200


def test_one_click_post_from_a_mail_program(client, session):
    user = _subscribed_user(session)
    response = client.post(
        _path(notifications.unsubscribe_url(user.id)),
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json() == {"status": "unsubscribed"}
    session.expire_all()
    assert session.get(User, user.id).product_updates is False


def test_forged_unsubscribe_links_change_nothing(client, session):
    user = _subscribed_user(session)
    for query in (
        f"user={user.id}&sig=forged",
        f"user={user.id}",
        "sig=x",
        "",
        f"user={user.id}&sig=" + "A" * 500,
    ):
        response = client.get(f"{notifications.UNSUBSCRIBE_PATH}?{query}")
        assert response.status_code == 400
        assert "not valid" in response.text
        assert user.id not in response.text
        assert client.post(f"{notifications.UNSUBSCRIBE_PATH}?{query}").status_code == 400
        from_page = client.post(
            f"{notifications.UNSUBSCRIBE_PATH}?{query}", data={"source": "page"}
        )
        assert from_page.status_code == 400 and "not valid" in from_page.text
    session.expire_all()
    assert session.get(User, user.id).product_updates is True


def test_sign_in_from_a_new_device_sends_one_security_alert(client, session):
    make_user(session, email="device@example.com")
    creds = {"email": "device@example.com", "password": PASSWORD}
    assert client.post("/api/auth/login", json=creds).status_code == 200
    [alert] = sent(emails.NEW_SIGN_IN, to="device@example.com")
    assert alert["Subject"] == "New sign-in to your NoMask AI account"
    # The same browser and address again: known now.
    assert client.post("/api/auth/login", json=creds).status_code == 200
    assert len(sent(emails.NEW_SIGN_IN)) == 1
    other_browser = {"user-agent": "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Firefox/128.0"}
    assert client.post("/api/auth/login", json=creds, headers=other_browser).status_code == 200
    assert len(sent(emails.NEW_SIGN_IN)) == 2


def test_failed_sign_in_sends_no_alert(client, session):
    make_user(session, email="nobody-alert@example.com")
    client.post(
        "/api/auth/login", json={"email": "nobody-alert@example.com", "password": "wrong-one"}
    )
    assert sent(emails.NEW_SIGN_IN) == []


def test_sign_out_everywhere_ends_every_session_of_the_account(client, session):
    user = make_user(session, email="everywhere@example.com")
    other = make_user(session)
    creds = {"email": "everywhere@example.com", "password": PASSWORD}
    client.post("/api/auth/login", json=creds)
    client.post("/api/auth/login", json=creds)  # the client now holds the newest cookie
    create_session(session=session, user_id=other.id)
    session.commit()
    response = client.post("/api/auth/logout", data={"everywhere": "1"}, follow_redirects=False)
    assert response.status_code == 303
    assert 'nomask_session=""' in response.headers["set-cookie"]
    session.expire_all()
    remaining = session.exec(select(UserSession)).all()
    assert [row.user_id for row in remaining] == [other.id]
    kinds = [
        e.kind for e in session.exec(select(SecurityEvent).where(SecurityEvent.user_id == user.id))
    ]
    assert "signout.everywhere" in kinds


def test_sign_out_everywhere_from_a_foreign_origin_is_refused(client, session):
    make_user(session, email="csrf@example.com")
    client.post("/api/auth/login", json={"email": "csrf@example.com", "password": PASSWORD})
    response = client.post(
        "/api/auth/logout", data={"everywhere": "1"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    session.expire_all()
    assert len(session.exec(select(UserSession)).all()) == 1
