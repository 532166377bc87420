import os
from datetime import timedelta

from nomask_app.config import get_settings
from nomask_app.integrations import mailer
from nomask_app.models.common import utcnow
from nomask_app.services.operations import delivery, emails
from nomask_app.services.operations.delivery import send_after_commit
from tests.mail import outbox


def _message(to="a@example.com"):
    return emails.verify_email(to=to, name="A", token="t", finishes_sign_up=True)


def test_mail_leaves_only_when_the_transaction_commits(session):
    send_after_commit(session, _message("kept@example.com"), account_id="a1")
    assert outbox() == []
    session.commit()
    assert [m["To"] for m in outbox()] == ["kept@example.com"]


def test_rollback_drops_queued_mail(session):
    send_after_commit(session, _message("dropped@example.com"), account_id="a1")
    session.rollback()
    session.commit()
    assert outbox() == []


def test_a_savepoint_commit_does_not_send_early(session):
    send_after_commit(session, _message(), account_id="a1")
    with session.begin_nested():
        pass
    assert outbox() == []
    session.rollback()
    session.commit()
    assert outbox() == []


def test_closing_without_commit_drops_queued_mail(engine):
    from sqlmodel import Session

    session = Session(engine)
    send_after_commit(session, _message("closed@example.com"), account_id="a1")
    session.close()
    session.commit()  # the same session object, reused
    assert outbox() == []


def _age(path, delta: timedelta) -> None:
    moment = (utcnow() - delta).timestamp()
    os.utime(path, (moment, moment))


def _outbox_files():
    mailer.wait_idle()
    return sorted(get_settings().outbox_dir.glob("*.eml"))


def test_outbox_files_name_their_account_and_kind_and_the_header_stays_home(session):
    send_after_commit(session, _message("named@example.com"), account_id="acc1")
    session.commit()
    [path] = _outbox_files()
    assert "-acc1-verify-email-" in path.name
    [message] = outbox()
    assert message[mailer.ACCOUNT_HEADER] == "acc1"


def test_a_deleted_accounts_mail_goes_except_the_notice_which_goes_after_its_hold(session):
    send_after_commit(session, _message("leaving@example.com"), account_id="leaving")
    send_after_commit(session, _message("staying@example.com"), account_id="staying")
    send_after_commit(
        session,
        emails.account_deleted(to="leaving@example.com", name="L", when=utcnow()),
        account_id="leaving",
    )
    session.commit()
    mailer.wait_idle()
    assert delivery.forget_account("leaving") == 1
    kinds = sorted((m[mailer.KIND_HEADER], m["To"]) for m in outbox())
    assert kinds == [
        (emails.ACCOUNT_DELETED, "leaving@example.com"),
        (emails.VERIFY_EMAIL, "staying@example.com"),
    ]
    # Readable for a while, as sent mail would be; then the sweep removes it.
    assert delivery.purge_outbox(now=utcnow()) == 0
    later = utcnow() + delivery.DELETION_NOTICE_HOLD + timedelta(seconds=1)
    assert delivery.purge_outbox(now=later) == 1
    assert [m["To"] for m in outbox()] == ["staying@example.com"]


def test_the_outbox_keeps_mail_for_the_configured_days_only(session, monkeypatch):
    monkeypatch.setenv("NOMASK_OUTBOX_RETENTION_DAYS", "3")
    get_settings.cache_clear()
    for to in ("old@example.com", "recent@example.com", "system@example.com"):
        send_after_commit(session, _message(to), account_id="someone")
    session.commit()
    old, recent, system = _outbox_files()
    _age(old, timedelta(days=3, minutes=1))
    _age(recent, timedelta(days=2, hours=23))
    # A message written before names carried the account still ages out.
    legacy = system.with_name("20250101T000000000000-0a1b2c3d.eml")
    system.rename(legacy)
    _age(legacy, timedelta(days=4))
    # A deleted account's mail goes at any age (the shared ledger names it).
    assert delivery.purge_outbox(now=utcnow(), forgotten={"nobody"}) == 2
    assert [m["To"] for m in outbox()] == ["recent@example.com"]
    assert delivery.purge_outbox(now=utcnow(), forgotten={"someone"}) == 1
    assert outbox() == []
