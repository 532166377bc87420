"""The audit trail is append-only; admins see data only as recorded, content only with a reason."""

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from nomask_app import cli
from nomask_app.models import SecurityEvent, User
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import admin, audit
from tests.factories import make_user


def _kinds(session, user_id):
    events, _ = audit.events_for_user(session=session, user_id=user_id)
    return [e.kind for e in events]


def test_events_cannot_be_changed_or_deleted(session):
    user = make_user(session)
    event = session.exec(select(SecurityEvent).where(SecurityEvent.user_id == user.id)).first()
    event.kind = "nothing.happened"
    with pytest.raises(audit.AppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.get(SecurityEvent, event.id))
    with pytest.raises(audit.AppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(audit.AppendOnly):
        session.exec(update(SecurityEvent).values(kind="x"))
    with pytest.raises(audit.AppendOnly):
        session.exec(delete(SecurityEvent))
    session.rollback()
    assert _kinds(session, user.id) == [audit.ACCOUNT_CREATED]


def test_deleting_the_account_deletes_its_events(session):
    user = make_user(session)
    session.delete(session.get(User, user.id))
    session.commit()
    assert session.exec(select(SecurityEvent).where(SecurityEvent.user_id == user.id)).all() == []


def test_people_see_only_their_own_events_with_labels(session):
    alice, bob = make_user(session), make_user(session)
    audit.record_event(session=session, kind=audit.PASSWORD_CHANGED, user_id=alice.id)
    session.commit()
    mine, total = audit.events_for_user(session=session, user_id=alice.id)
    assert [e.kind for e in mine] == [audit.PASSWORD_CHANGED, audit.ACCOUNT_CREATED]
    assert mine[0].label == "Password changed" and total == 2
    assert _kinds(session, bob.id) == [audit.ACCOUNT_CREATED]


def test_create_admin_command_gives_the_role_and_records_it(session, capsys):
    user = make_user(session, email="first.admin@example.com")
    assert cli.main(["create-admin", "First.Admin@example.com"]) == 0
    assert "is now an admin" in capsys.readouterr().out
    session.expire_all()
    assert session.get(User, user.id).role == "admin"
    assert audit.ROLE_CHANGED in _kinds(session, user.id)
    assert cli.main(["create-admin", "nobody@example.com"]) == 1
    assert "No account has the address" in capsys.readouterr().err


@pytest.fixture
def people(session):
    boss = make_user(session, email="boss@example.com")
    admin.set_role(session=session, email=boss.email, role="admin")
    person = make_user(session, email="person@example.com")
    turn = conversations.post_user_message(
        session=session,
        user_id=person.id,
        conversation_id=None,
        text="my diary",
        model_id="offline-demo",
        max_chars=1000,
    )
    session.commit()
    return boss, person, turn


def test_only_admins_reach_the_console_data(session, people):
    _, person, _ = people
    other = make_user(session)
    for call in (
        lambda: admin.list_accounts(session=session, admin_id=other.id),
        lambda: admin.account_detail(session=session, admin_id=other.id, user_id=person.id),
        lambda: admin.read_conversations(
            session=session, admin_id=other.id, user_id=person.id, reason="just curious, really"
        ),
        lambda: admin.daily_series(session=session, admin_id=other.id),
        lambda: admin.recent_errors(session=session, admin_id=other.id),
    ):
        with pytest.raises(NotFound):
            call()


def test_opening_an_account_is_recorded_on_it_and_shows_no_content(session, people):
    boss, person, _ = people
    rows, more = admin.list_accounts(session=session, admin_id=boss.id)
    assert {row.email for row in rows} >= {"boss@example.com", "person@example.com"}
    assert more is False
    detail = admin.account_detail(session=session, admin_id=boss.id, user_id=person.id)
    session.commit()
    assert detail.conversations == 1
    assert "my diary" not in repr(detail) and "my diary" not in repr(rows)
    assert audit.ADMIN_VIEWED_ACCOUNT in _kinds(session, person.id)


def test_content_needs_a_reason_which_the_person_can_read(session, people):
    boss, person, _ = people
    with pytest.raises(FieldErrors) as missing:
        admin.read_conversations(session=session, admin_id=boss.id, user_id=person.id, reason="x")
    assert "at least 10 characters" in missing.value.errors["reason"]
    session.rollback()
    assert audit.ADMIN_VIEWED_CONVERSATIONS not in _kinds(session, person.id)
    excerpts = admin.read_conversations(
        session=session,
        admin_id=boss.id,
        user_id=person.id,
        reason="Abuse report #42 about this account",
    )
    session.commit()
    assert excerpts[0].messages[0] == ("user", "my diary")
    seen = audit.events_for_user(session=session, user_id=person.id)[0][0]
    assert seen.kind == audit.ADMIN_VIEWED_CONVERSATIONS
    assert seen.detail["reason"] == "Abuse report #42 about this account"
    assert seen.label == "An administrator read your conversations"


def test_the_console_series_cover_thirty_days(session, people):
    boss, _, _ = people
    days = admin.daily_series(session=session, admin_id=boss.id)
    assert len(days) == 30 and days[-1].signups == 2
    assert admin.recent_errors(session=session, admin_id=boss.id) == []
