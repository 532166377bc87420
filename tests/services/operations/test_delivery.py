from nomask_app.services.operations import emails
from nomask_app.services.operations.delivery import send_after_commit
from tests.mail import outbox


def _message(to="a@example.com"):
    return emails.verify_email(to=to, name="A", token="t", finishes_sign_up=True)


def test_mail_leaves_only_when_the_transaction_commits(session):
    send_after_commit(session, _message("kept@example.com"))
    assert outbox() == []
    session.commit()
    assert [m["To"] for m in outbox()] == ["kept@example.com"]


def test_rollback_drops_queued_mail(session):
    send_after_commit(session, _message("dropped@example.com"))
    session.rollback()
    session.commit()
    assert outbox() == []


def test_a_savepoint_commit_does_not_send_early(session):
    send_after_commit(session, _message())
    with session.begin_nested():
        pass
    assert outbox() == []
    session.rollback()
    session.commit()
    assert outbox() == []


def test_closing_without_commit_drops_queued_mail(engine):
    from sqlmodel import Session

    session = Session(engine)
    send_after_commit(session, _message("closed@example.com"))
    session.close()
    session.commit()  # the same session object, reused
    assert outbox() == []
