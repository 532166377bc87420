"""The app's engine runs real transactions on SQLite too (savepoints included)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from nomask_app.db import session_scope
from nomask_app.models import ConsentRecord, Message
from nomask_app.services.chat import replies
from tests.factories import make_user


def test_a_rolled_back_transaction_undoes_its_savepoints_too(engine):
    with Session(engine) as session:
        with session.begin_nested():
            session.add(ConsentRecord(subject="cookies", choice="all", policy_version="v"))
        session.rollback()
        assert session.exec(select(ConsentRecord)).all() == []


def test_a_failed_savepoint_keeps_the_outer_transaction(engine):
    with Session(engine) as session:
        session.add(ConsentRecord(subject="outer", choice="x", policy_version="v"))
        try:
            with session.begin_nested():
                session.add(ConsentRecord(subject="inner", choice="x", policy_version="v"))
                raise RuntimeError("inner failure")
        except RuntimeError:
            pass
        session.commit()
        assert [r.subject for r in session.exec(select(ConsentRecord))] == ["outer"]


def test_people_writing_at_the_same_moment_all_get_their_message_stored(session):
    # Each turn reads (user, plan, quota) and then writes: on SQLite a deferred
    # transaction would fail with "database is locked" while another writes.
    users = [make_user(session) for _ in range(8)]
    session.commit()
    start = threading.Barrier(len(users))

    def first_message(user_id: str) -> str:
        start.wait()
        with session_scope() as scope:
            prepared = replies.start_turn(
                session=scope,
                user_id=user_id,
                conversation_id=None,
                text="hello at the same moment",
                model_id="offline-demo",
            )
            return prepared.turn.conversation.id

    with ThreadPoolExecutor(len(users)) as pool:
        conversations = list(pool.map(first_message, [u.id for u in users]))
    assert len(set(conversations)) == len(users)
    stored = session.exec(select(Message).where(Message.role == "user")).all()
    assert len(stored) == len(users)
