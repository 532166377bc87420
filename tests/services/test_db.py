from sqlmodel import select

from nomask_app.models import ConsentRecord


def test_a_rolled_back_transaction_undoes_its_savepoints_too(session):
    with session.begin_nested():
        session.add(ConsentRecord(subject="cookies", choice="all", policy_version="v"))
    session.rollback()
    assert session.exec(select(ConsentRecord)).all() == []


def test_a_failed_savepoint_keeps_the_outer_transaction(session):
    session.add(ConsentRecord(subject="outer", choice="x", policy_version="v"))
    try:
        with session.begin_nested():
            session.add(ConsentRecord(subject="inner", choice="x", policy_version="v"))
            raise RuntimeError("inner failure")
    except RuntimeError:
        pass
    session.commit()
    assert [r.subject for r in session.exec(select(ConsentRecord))] == ["outer"]
