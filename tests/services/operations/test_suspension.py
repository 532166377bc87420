"""Admins page through accounts, and suspend or unsuspend one with a reason its owner reads."""

import pytest
from sqlmodel import select

from nomask_app.models import User, UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import sessions, signin
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import admin, audit, emails, suspension
from tests.factories import PASSWORD, make_user
from tests.mail import body, sent

REASON = "Spam reports from three people this week"


@pytest.fixture
def boss(session):
    boss = make_user(session, email="boss@example.com")
    admin.set_role(session=session, email=boss.email, role="admin")
    session.commit()
    return boss


def test_accounts_come_a_page_at_a_time(session, boss, monkeypatch):
    monkeypatch.setattr(admin, "USERS_PAGE", 3)
    for number in range(6):
        make_user(session, email=f"p{number}@example.com")
    first, more = admin.list_accounts(session=session, admin_id=boss.id)
    second, more_after = admin.list_accounts(session=session, admin_id=boss.id, page=1)
    third, last = admin.list_accounts(session=session, admin_id=boss.id, page=2)
    assert (len(first), more, len(second), more_after, len(third), last) == (
        3,
        True,
        3,
        True,
        1,
        False,
    )
    seen = [row.email for row in (*first, *second, *third)]
    assert len(set(seen)) == 7  # every account once, the admin included
    filtered, _ = admin.list_accounts(session=session, admin_id=boss.id, query="P5@", page=0)
    assert [row.email for row in filtered] == ["p5@example.com"]


def test_a_suspended_account_is_signed_out_refused_and_told_why(session, boss):
    person = make_user(session, email="person@example.com")
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()

    suspension.suspend(session=session, admin_id=boss.id, user_id=person.id, reason=REASON)
    session.commit()
    assert session.exec(select(UserSession).where(UserSession.user_id == person.id)).all() == []
    assert sessions.resolve_session(session=session, token=token) is None
    [message] = sent(emails.ACCOUNT_SUSPENDED)
    assert message["To"] == "person@example.com" and REASON in body(message)
    # The right password is refused with the reason; a wrong one says nothing more.
    with pytest.raises(suspension.AccountSuspended) as refused:
        signin.check_password(session=session, email=person.email, password=PASSWORD)
    assert "suspended" in refused.value.message
    assert signin.check_password(session=session, email=person.email, password="wrong") is None
    # The owner reads the reason on their own trail.
    events, _ = audit.events_for_user(session=session, user_id=person.id)
    [suspended] = [e for e in events if e.kind == audit.ACCOUNT_SUSPENDED]
    assert suspended.detail["reason"] == REASON
    assert suspended.note == f"Reason given: “{REASON}”"  # shown in the privacy center
    listed, _ = admin.list_accounts(session=session, admin_id=boss.id, query="person@")
    assert listed[0].suspended is True

    suspension.unsuspend(
        session=session, admin_id=boss.id, user_id=person.id, reason="Reports were mistaken"
    )
    session.commit()
    assert signin.check_password(session=session, email=person.email, password=PASSWORD)
    [lifted] = sent(emails.ACCOUNT_UNSUSPENDED)
    assert "Reports were mistaken" in body(lifted)
    assert session.get(User, person.id).suspension_reason == ""


def test_a_session_of_a_suspended_account_does_not_resolve(session):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    person.suspended_at = utcnow()  # e.g. set by hand in the database
    session.add(person)
    session.commit()
    assert sessions.resolve_session(session=session, token=token) is None


@pytest.mark.parametrize(
    ("reason", "problem"),
    [("", "at least 10"), ("too short", "at least 10"), ("x" * 501, "at most 500")],
)
def test_a_suspension_needs_a_reason(session, boss, reason, problem):
    person = make_user(session)
    with pytest.raises(FieldErrors) as caught:
        suspension.suspend(session=session, admin_id=boss.id, user_id=person.id, reason=reason)
    assert problem in caught.value.errors["reason"]
    session.rollback()
    assert session.get(User, person.id).suspended_at is None


def test_only_admins_suspend_and_never_themselves_or_another_admin(session, boss):
    person, other = make_user(session), make_user(session, email="second.admin@example.com")
    admin.set_role(session=session, email=other.email, role="admin")
    with pytest.raises(NotFound):
        suspension.suspend(session=session, admin_id=person.id, user_id=boss.id, reason=REASON)
    with pytest.raises(FieldErrors) as own:
        suspension.suspend(session=session, admin_id=boss.id, user_id=boss.id, reason=REASON)
    assert "your own account" in own.value.errors["reason"]
    with pytest.raises(FieldErrors) as other_admin:
        suspension.suspend(session=session, admin_id=boss.id, user_id=other.id, reason=REASON)
    assert "change their role first" in other_admin.value.errors["reason"]
    with pytest.raises(FieldErrors):  # not suspended: nothing to lift
        suspension.unsuspend(session=session, admin_id=boss.id, user_id=person.id, reason=REASON)
    with pytest.raises(NotFound):
        suspension.suspend(session=session, admin_id=boss.id, user_id="nobody", reason=REASON)
