"""The app's engine runs real transactions on SQLite too (savepoints included)."""

from sqlmodel import Session, select

from nomask_app.models import ConsentRecord


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
