from datetime import timedelta

from sqlmodel import select

from nomask_app.models import LoginTicket, UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.sessions import (
    LAST_SEEN_RESOLUTION,
    create_session,
    describe_device,
    hash_token,
    issue_login_ticket,
    redeem_login_ticket,
    resolve_session,
    revoke_session,
    safe_next_path,
)
from tests.factories import make_user

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def test_only_the_token_hash_is_stored(session):
    user = make_user(session)
    _row, token = create_session(
        session=session, user_id=user.id, ip_address="198.51.100.4", user_agent=CHROME
    )
    session.commit()
    assert len(token) >= 43  # 256 bits, url-safe base64
    stored = session.exec(select(UserSession)).one()
    assert stored.token_hash == hash_token(token) != token
    assert token not in stored.model_dump_json()
    assert stored.ip_address == "198.51.100.4"
    assert stored.device == "Chrome 120.0.0 on Linux"
    assert resolve_session(session=session, token=token)[0].id == user.id


def test_every_session_gets_a_new_token(session):
    user = make_user(session)
    tokens = {create_session(session=session, user_id=user.id)[1] for _ in range(5)}
    assert len(tokens) == 5


def test_unknown_tampered_and_oversized_tokens_resolve_to_nobody(session):
    user = make_user(session)
    _, token = create_session(session=session, user_id=user.id)
    session.commit()
    for bad in (None, "", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 5000, "é✓"):
        assert resolve_session(session=session, token=bad) is None


def test_idle_sessions_expire_and_are_deleted(session):
    user = make_user(session)
    row, token = create_session(session=session, user_id=user.id)
    row.last_seen_at = utcnow() - timedelta(days=8)
    session.commit()
    assert resolve_session(session=session, token=token) is None
    session.commit()
    assert session.exec(select(UserSession)).first() is None


def test_sessions_have_an_absolute_lifetime(session):
    user = make_user(session)
    row, token = create_session(session=session, user_id=user.id)
    assert row.expires_at - row.created_at == timedelta(days=30)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert resolve_session(session=session, token=token) is None


def test_last_seen_is_refreshed_at_most_once_a_minute(session):
    user = make_user(session)
    row, token = create_session(session=session, user_id=user.id)
    earlier = utcnow() - LAST_SEEN_RESOLUTION - timedelta(seconds=5)
    row.last_seen_at = earlier
    session.commit()
    resolve_session(session=session, token=token)
    session.commit()
    refreshed = session.get(UserSession, row.id).last_seen_at
    assert refreshed > earlier
    resolve_session(session=session, token=token)
    assert session.get(UserSession, row.id).last_seen_at == refreshed


def test_sign_out_deletes_the_session(session):
    user = make_user(session)
    _, token = create_session(session=session, user_id=user.id)
    _, other = create_session(session=session, user_id=user.id)
    session.commit()
    assert revoke_session(session=session, token=token) == user.id
    session.commit()
    assert resolve_session(session=session, token=token) is None
    assert resolve_session(session=session, token=other) is not None
    assert revoke_session(session=session, token=token) is None


def test_login_tickets_are_single_use_and_short_lived(session):
    user = make_user(session)
    ticket = issue_login_ticket(session=session, user_id=user.id, next_path="/settings")
    session.commit()
    assert session.exec(select(LoginTicket)).one().ticket_hash == hash_token(ticket)
    redeemed = redeem_login_ticket(session=session, ticket=ticket)
    assert (redeemed.user_id, redeemed.next_path) == (user.id, "/settings")
    session.commit()
    assert redeem_login_ticket(session=session, ticket=ticket) is None

    stale = issue_login_ticket(session=session, user_id=user.id)
    session.exec(select(LoginTicket)).one().expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert redeem_login_ticket(session=session, ticket=stale) is None
    assert redeem_login_ticket(session=session, ticket="forged") is None


def test_next_path_stays_on_this_site():
    assert safe_next_path("/chat/abc?x=1") == "/chat/abc?x=1"
    for bad in (
        None,
        "",
        "https://evil.example",
        "//evil.example",
        "/\\evil",
        "javascript:x",
        "/api/auth/logout",
        "/a\r\nSet-Cookie: x",
    ):
        assert safe_next_path(bad) == "/"


def test_device_description_handles_missing_agent():
    assert describe_device("") == "Unknown device"
