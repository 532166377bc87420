"""Auto-delete: conversations untouched for the chosen time go, with their files."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from nomask_app.models import Conversation, SecurityEvent, StoredFile, User
from nomask_app.models.common import utcnow
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.images import files
from nomask_app.services.operations import audit
from nomask_app.services.privacy import privacy_sweep, retention
from nomask_app.states.privacy.retention import describe
from tests.factories import make_user, post_message, store_text_file


def _age(session, conversation_id: str, days: float) -> None:
    session.exec(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(updated_at=utcnow() - timedelta(days=days))
    )
    session.commit()


def _chat(session, user, title: str, days_old: float, attach: bool = False):
    turn = post_message(session, user, title)
    if attach:
        stored = store_text_file(session, user, f"notes of {title}".encode())
        stored.conversation_id = turn.conversation.id
        session.add(stored)
        session.commit()
    _age(session, turn.conversation.id, days_old)
    return turn.conversation.id


def _choose(session, user, days: int, made_days_ago: float = 2) -> None:
    retention.set_auto_delete(session=session, user_id=user.id, days=days)
    session.exec(
        update(User)
        .where(User.id == user.id)
        .values(auto_delete_since=utcnow() - timedelta(days=made_days_ago))
    )
    session.commit()


@pytest.mark.parametrize("bad", [45, -1, 1, "30", "", None, True, 30.0])
def test_values_outside_the_offered_ones_are_refused(session, bad):
    user = make_user(session)
    with pytest.raises(FieldErrors) as refused:
        retention.set_auto_delete(session=session, user_id=user.id, days=bad)
    assert refused.value.errors == {"auto_delete": "Choose Never, or after 30, 90 or 365 days."}
    session.rollback()
    assert session.get(User, user.id).auto_delete_days == 0


def test_the_database_refuses_other_values_too(session):
    user = make_user(session)
    with pytest.raises(IntegrityError):
        session.exec(update(User).where(User.id == user.id).values(auto_delete_days=45))
        session.commit()
    session.rollback()


def test_each_offered_value_is_saved_with_a_security_event(session):
    user = make_user(session)
    assert session.get(User, user.id).auto_delete_days == 0  # Never by default
    for days in (30, 90, 365, 0, 0):
        retention.set_auto_delete(session=session, user_id=user.id, days=days, ip_address="1.2.3.4")
        session.commit()
        assert session.get(User, user.id).auto_delete_days == days
    events = session.exec(
        select(SecurityEvent).where(
            SecurityEvent.user_id == user.id, SecurityEvent.kind == audit.AUTO_DELETE_CHANGED
        )
    ).all()
    assert sorted(json.loads(e.detail)["days"] for e in events) == [0, 30, 90, 365]  # once each


def test_the_sweep_deletes_what_is_due_with_files_and_keeps_the_rest(session):
    alice = make_user(session, name="Alice Tidy")
    bob = make_user(session, name="Bob Keeps")
    old = _chat(session, alice, "Trip planning secrets", 31, attach=True)
    fresh = _chat(session, alice, "Still talking", 29)
    bobs = _chat(session, bob, "Bob's old chat", 400)  # Bob chose nothing: kept for ever
    old_file = session.exec(select(StoredFile).where(StoredFile.conversation_id == old)).one()
    path = files.path_for(old_file.storage_key)
    assert path.exists()
    _choose(session, alice, 30)

    result = privacy_sweep.sweep()
    assert result.auto_deleted == 1
    session.expire_all()
    assert session.get(Conversation, old) is None and not path.exists()
    assert session.get(Conversation, fresh) is not None
    assert session.get(Conversation, bobs) is not None
    [event] = session.exec(
        select(SecurityEvent).where(SecurityEvent.kind == audit.CONVERSATION_AUTO_DELETED)
    ).all()
    assert event.user_id == alice.id
    assert json.loads(event.detail) == {"conversation_id": old, "days": 30}  # ids, no title
    assert privacy_sweep.sweep().auto_deleted == 0


def test_a_new_choice_waits_a_day_before_deleting_anything(session):
    alice = make_user(session)
    old = _chat(session, alice, "An old chat", 100)
    _choose(session, alice, 90, made_days_ago=0.5)
    assert privacy_sweep.sweep().auto_deleted == 0
    session.expire_all()
    assert session.get(Conversation, old) is not None
    view = retention.preview(session=session, user_id=alice.id)
    assert view.next_title == "An old chat"
    since = session.get(User, alice.id).auto_delete_since
    assert view.next_at == since + retention.GRACE
    _choose(session, alice, 90, made_days_ago=1.01)
    assert privacy_sweep.sweep().auto_deleted == 1


def test_the_sweep_works_in_batches(session):
    alice = make_user(session)
    for number in range(5):
        _chat(session, alice, f"old {number}", 40)
    _choose(session, alice, 30)
    assert privacy_sweep.auto_delete(now=utcnow(), batch=2) == 5
    assert session.exec(select(Conversation)).all() == []


def test_the_preview_says_what_goes_next(session):
    alice = make_user(session)
    assert describe(retention.preview(session=session, user_id=alice.id)) == (
        "Off: your conversations are kept until you delete them."
    )
    _choose(session, alice, 90, made_days_ago=30)
    text = describe(retention.preview(session=session, user_id=alice.id))
    assert text == (
        "Conversations untouched for 90 days are deleted with their files. "
        "You have no conversations yet."
    )
    _chat(session, alice, "Trip planning", 80)
    _chat(session, alice, "Recipes", 79.5)
    _chat(session, alice, "Today's chat", 0)
    view = retention.preview(session=session, user_id=alice.id)
    assert (view.next_title, view.more_then) == ("Trip planning", 0)
    expected = session.exec(
        select(Conversation.updated_at).where(Conversation.title == "Trip planning")
    ).one() + timedelta(days=90)
    assert view.next_at == expected
    assert describe(view) == (
        "Conversations untouched for 90 days are deleted with their files. "
        f"Next: “Trip planning”, on {expected:%d %B %Y, %H:%M} UTC."
    )
    # Once the choice becomes shorter, both old ones are due as soon as the day passes.
    _choose(session, alice, 30, made_days_ago=0)
    view = retention.preview(session=session, user_id=alice.id)
    assert (view.next_title, view.more_then) == ("Trip planning", 1)
    assert "“Trip planning” and 1 more, on" in describe(view)
