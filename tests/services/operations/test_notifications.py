import json
from urllib.parse import parse_qs, urlsplit

from sqlmodel import select

from nomask_app.models import AccountDeletion, ConsentRecord, SecurityEvent, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import devices, profile
from nomask_app.services.operations import audit, emails, notifications
from nomask_app.services.privacy.policy import current_policy
from tests.factories import make_user
from tests.mail import body, sent


def _query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_policy_updates_reach_every_account(session):
    make_user(session, email="one@example.com")
    make_user(session, email="two@example.com")
    policy = current_policy(session=session)
    assert notifications.announce_policy_update(session=session, policy=policy) == 2
    session.commit()
    messages = sent(emails.POLICY_UPDATED)
    assert sorted(m["To"] for m in messages) == ["one@example.com", "two@example.com"]
    assert policy.version in body(messages[0])
    assert "/policy" in body(messages[0])


def _confirmed(session, user):
    user.email_verified_at = utcnow()
    session.add(user)
    session.commit()
    return user


def test_product_updates_go_only_to_confirmed_subscribers_with_one_click_unsubscribe(session):
    subscriber = _confirmed(session, make_user(session, email="yes@example.com"))
    _confirmed(session, make_user(session, email="no@example.com"))
    unconfirmed = make_user(session, email="unconfirmed@example.com")
    leaving = _confirmed(session, make_user(session, email="leaving@example.com"))
    for user in (subscriber, unconfirmed, leaving):
        profile.set_product_updates(session=session, user_id=user.id, enabled=True)
    session.add(AccountDeletion(user_id=leaving.id))  # its deletion has started
    session.commit()
    assert notifications.product_update_audience_size(session=session) == 1
    assert (
        notifications.send_product_update(
            session=session, subject="New", text="Hello", sent_by="test"
        )
        == 1
    )
    session.commit()
    [record] = session.exec(
        select(SecurityEvent).where(SecurityEvent.kind == audit.PRODUCT_UPDATE_SENT)
    ).all()
    assert (record.user_id, json.loads(record.detail)) == (
        None,
        {"by": "test", "recipients": 1, "subject": "New"},
    )
    [message] = sent(emails.PRODUCT_UPDATE)
    assert message["To"] == "yes@example.com"
    url = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in body(message)
    assert urlsplit(url).path == notifications.UNSUBSCRIBE_PATH
    params = _query(url)
    assert params["user"] == subscriber.id

    assert notifications.unsubscribe(
        session=session, user_id=params["user"], signature=params["sig"]
    )
    session.commit()
    assert session.get(User, subscriber.id).product_updates is False
    record = session.exec(select(ConsentRecord).where(ConsentRecord.choice == "unsubscribed")).one()
    assert record.user_id == subscriber.id


def test_forged_or_borrowed_signatures_do_nothing(session):
    victim = make_user(session)
    other = make_user(session)
    for user in (victim, other):
        profile.set_product_updates(session=session, user_id=user.id, enabled=True)
    session.commit()
    others_sig = _query(notifications.unsubscribe_url(other.id))["sig"]
    for signature in ("", "forged", others_sig, others_sig + "x"):
        assert not notifications.unsubscribe(
            session=session, user_id=victim.id, signature=signature
        )
    session.commit()
    assert session.get(User, victim.id).product_updates is True


def test_security_alerts_ignore_the_product_updates_switch(session):
    user = make_user(session, email="alerts@example.com")
    assert user.product_updates is False
    devices.alert_if_new_device(session=session, user_id=user.id, ip_address="192.0.2.50")
    session.commit()
    assert sent(emails.NEW_SIGN_IN, to="alerts@example.com")
