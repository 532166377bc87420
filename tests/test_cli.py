"""`python -m nomask_app.cli`: publishing a policy version, running the privacy sweep."""

import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import select

from nomask_app import cli
from nomask_app.config import PROJECT_ROOT
from nomask_app.models import ConsentRecord, PolicyRelease
from nomask_app.services.operations import emails
from nomask_app.services.privacy import policy_releases
from nomask_app.services.privacy.policy import current_policy, newest_bundled
from tests.factories import make_user
from tests.mail import sent

NEW_POLICY = replace(
    newest_bundled(),
    version="2099-01-01",
    effective=date(2099, 1, 1),
    markdown="# Privacy Policy\n\n## 4. Data Retention\n\nNew retention rules.\n",
)


@pytest.fixture
def new_policy(monkeypatch):
    """A newer policy file, as if an operator had added it."""
    monkeypatch.setattr(cli, "newest_bundled", lambda: NEW_POLICY)
    return NEW_POLICY


def test_publishing_records_the_version_emails_everyone_and_asks_for_acknowledgement(
    session, new_policy, capsys
):
    early = make_user(session, email="early@example.com")
    make_user(session, email="second@example.com")
    assert policy_releases.unacknowledged(session=session, user_id=early.id) is None

    assert current_policy(session=session).version != "2099-01-01"
    assert cli.main(["publish-policy"]) == 0
    assert "version 2099-01-01" in capsys.readouterr().out
    # The running app serves the new text from its next request: no restart.
    session.expire_all()
    assert current_policy(session=session) == NEW_POLICY
    [release] = session.exec(select(PolicyRelease)).all()
    assert (release.version, release.effective, release.emails_sent) == (
        "2099-01-01",
        date(2099, 1, 1),
        2,
    )
    assert {m["To"] for m in sent(emails.POLICY_UPDATED)} == {
        "early@example.com",
        "second@example.com",
    }
    # Signed-in people see the banner until they acknowledge it, once.
    assert policy_releases.unacknowledged(session=session, user_id=early.id).version == (
        "2099-01-01"
    )
    policy_releases.acknowledge(session=session, user_id=early.id, version="2099-01-01")
    session.commit()
    assert policy_releases.unacknowledged(session=session, user_id=early.id) is None
    assert (
        policy_releases.acknowledge(session=session, user_id=early.id, version="2099-01-01") is None
    )
    records = session.exec(
        select(ConsentRecord).where(
            ConsentRecord.user_id == early.id, ConsentRecord.policy_version == "2099-01-01"
        )
    ).all()
    assert [(r.subject, r.choice) for r in records] == [("privacy_policy", "acknowledged")]


def test_publishing_the_same_version_twice_emails_nobody_again(session, new_policy, capsys):
    make_user(session)
    assert cli.main(["publish-policy"]) == 0
    assert cli.main(["publish-policy"]) == 1
    assert "already published" in capsys.readouterr().err
    assert len(sent(emails.POLICY_UPDATED)) == 1


def test_an_older_policy_file_cannot_replace_a_newer_release(
    session, new_policy, capsys, monkeypatch
):
    make_user(session)
    assert cli.main(["publish-policy"]) == 0
    older = replace(NEW_POLICY, version="2098-06-01", effective=date(2098, 6, 1))
    monkeypatch.setattr(cli, "newest_bundled", lambda: older)
    assert cli.main(["publish-policy"]) == 1
    assert "not newer than the published version 2099-01-01" in capsys.readouterr().err
    session.expire_all()
    assert current_policy(session=session).version == "2099-01-01"


def test_the_privacy_sweep_command_reports_what_it_did(session, capsys):
    assert cli.main(["privacy-sweep"]) == 0
    assert "account deletions finished: 0" in capsys.readouterr().out


def test_compact_rewrites_the_database_files(session, capsys):
    assert cli.main(["compact"]) == 0
    assert "freed space holds nothing deleted" in capsys.readouterr().out


def test_the_module_runs_and_lists_its_commands():
    result = subprocess.run(
        [sys.executable, "-m", "nomask_app.cli", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in ("publish-policy", "send-update", "privacy-sweep", "backup", "restore", "compact"):
        assert name in result.stdout


def _opted_in(session, email, *, confirmed=True):
    from nomask_app.models.common import utcnow
    from nomask_app.services.accounts import profile

    user = make_user(session, email=email)
    profile.set_product_updates(session=session, user_id=user.id, enabled=True)
    if confirmed:
        user.email_verified_at = utcnow()
        session.add(user)
    session.commit()
    return user


def test_send_update_reaches_confirmed_opted_in_accounts_and_is_audited(session, tmp_path, capsys):
    from nomask_app.models import SecurityEvent
    from nomask_app.services.operations import audit
    from tests.mail import body

    _opted_in(session, "news@example.com")
    _opted_in(session, "unconfirmed@example.com", confirmed=False)
    make_user(session, email="not-opted-in@example.com")
    update = tmp_path / "update.md"
    update.write_text("# Faster replies\n\nReplies now start **twice** as fast.\n")

    assert cli.main(["send-update", str(update), "--dry-run"]) == 0
    assert "“Faster replies” would go to 1 account. Nothing was sent." in capsys.readouterr().out
    assert sent(emails.PRODUCT_UPDATE) == []
    sending = select(SecurityEvent).where(SecurityEvent.kind == audit.PRODUCT_UPDATE_SENT)
    assert session.exec(sending).all() == []

    assert cli.main(["send-update", str(update)]) == 0
    assert "Sent “Faster replies” to 1 account" in capsys.readouterr().out
    [message] = sent(emails.PRODUCT_UPDATE)
    assert (message["To"], message["Subject"]) == ("news@example.com", "Faster replies")
    assert "twice" in body(message)
    assert message["List-Unsubscribe"].strip("<>") in body(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [event] = session.exec(sending).all()
    assert '"recipients": 1' in event.detail and '"by": "command line"' in event.detail


@pytest.mark.parametrize(
    "content, problem",
    [
        ("Faster replies\n\ntext", "must start with a '# Subject' line"),
        ("# \n\ntext", "must start with a '# Subject' line"),
        ("# Subject only\n", "has a subject but no text"),
        (b"\xff\xfe# bad bytes", "cannot read"),
    ],
)
def test_send_update_refuses_a_file_without_subject_or_text(
    session, tmp_path, capsys, content, problem
):
    _opted_in(session, "news@example.com")
    update = tmp_path / "update.md"
    if isinstance(content, bytes):
        update.write_bytes(content)
    else:
        update.write_text(content)
    assert cli.main(["send-update", str(update)]) == 2
    assert problem in capsys.readouterr().err
    assert sent(emails.PRODUCT_UPDATE) == []
    assert cli.main(["send-update", str(tmp_path / "missing.md")]) == 2
