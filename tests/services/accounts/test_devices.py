from datetime import timedelta

import pytest
from sqlmodel import select

from nomask_app.models import UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import devices
from nomask_app.services.accounts.accounts import sign_up
from nomask_app.services.accounts.sessions import create_session
from nomask_app.services.common.errors import NotFound
from nomask_app.services.operations import emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy.policy import current_policy
from tests.factories import make_user
from tests.mail import body, sent

CHROME_120 = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"  # noqa: E501
CHROME_121 = CHROME_120.replace("120.0.0.0", "121.0.0.0")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_list_marks_the_current_session_first_and_skips_ended_ones(session):
    user = make_user(session)
    old, _ = create_session(session=session, user_id=user.id, ip_address="10.0.0.1")
    current, _ = create_session(
        session=session, user_id=user.id, ip_address="10.0.0.2", user_agent=FIREFOX
    )
    stale, _ = create_session(session=session, user_id=user.id)
    stale.last_seen_at = utcnow() - timedelta(days=30)
    create_session(session=session, user_id=make_user(session).id)
    session.commit()

    listed = devices.list_sessions(session=session, user_id=user.id, current_session_id=current.id)
    assert [item.id for item in listed] == [current.id, old.id]
    assert [item.current for item in listed] == [True, False]
    assert listed[0].device == "Firefox 128.0 on Windows"
    assert listed[0].ip_address == "10.0.0.2"


def test_revoking_someone_elses_session_is_not_found(session):
    owner, intruder = make_user(session), make_user(session)
    row, _ = create_session(session=session, user_id=owner.id)
    session.commit()
    with pytest.raises(NotFound):
        devices.revoke_session(session=session, user_id=intruder.id, session_id=row.id)
    with pytest.raises(NotFound):
        devices.revoke_session(session=session, user_id=owner.id, session_id="missing")
    devices.revoke_session(session=session, user_id=owner.id, session_id=row.id)
    session.commit()
    assert session.exec(select(UserSession)).all() == []


def test_revoke_all_can_keep_one(session):
    user = make_user(session)
    keep, _ = create_session(session=session, user_id=user.id)
    create_session(session=session, user_id=user.id)
    session.commit()
    assert (
        devices.revoke_all_sessions(session=session, user_id=user.id, except_session_id=keep.id)
        == 1
    )
    assert devices.revoke_all_sessions(session=session, user_id=user.id) == 1
    session.commit()
    assert session.exec(select(UserSession)).all() == []


def test_new_device_means_a_new_browser_or_address_not_a_new_version(session):
    user = make_user(session)
    record_event(
        session=session,
        kind="signin.succeeded",
        user_id=user.id,
        ip_address="203.0.113.1",
        user_agent=CHROME_120,
    )
    session.commit()

    def new(ip, agent):
        return devices.is_new_device(
            session=session, user_id=user.id, ip_address=ip, user_agent=agent
        )

    assert not new("203.0.113.1", CHROME_120)
    assert not new("203.0.113.1", CHROME_121)
    assert new("203.0.113.1", FIREFOX)
    assert new("198.51.100.1", CHROME_120)
    # Failed sign-ins prove nothing.
    record_event(
        session=session,
        kind="signin.failed",
        user_id=user.id,
        ip_address="192.0.2.1",
        user_agent=FIREFOX,
    )
    assert new("192.0.2.1", FIREFOX)


def test_alert_for_a_new_device_names_it_and_its_address(session):
    user = make_user(session, email="alert@example.com")
    assert devices.alert_if_new_device(
        session=session, user_id=user.id, ip_address="198.51.100.77", user_agent=FIREFOX
    )
    session.commit()
    [alert] = sent(emails.NEW_SIGN_IN, to="alert@example.com")
    assert "Firefox 128.0 on Windows" in body(alert)
    assert "198.51.100.77" in body(alert)


def test_the_sign_up_device_is_known(session):
    user = sign_up(
        session=session,
        name="Known",
        email="known@example.com",
        password="violet-harbor-lantern-42",
        is_adult=True,
        accepts_policy=True,
        policy_version=current_policy(session=session).version,
        ip_address="203.0.113.5",
        user_agent=CHROME_120,
    )
    session.commit()
    assert not devices.alert_if_new_device(
        session=session, user_id=user.id, ip_address="203.0.113.5", user_agent=CHROME_120
    )
