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
from nomask_app.services.privacy.policy import current_policy
from tests.factories import make_user
from tests.mail import sent

NEW_POLICY = replace(current_policy(), version="2099-01-01", effective=date(2099, 1, 1))


@pytest.fixture
def new_policy(monkeypatch):
    monkeypatch.setattr(cli, "current_policy", lambda: NEW_POLICY)
    return NEW_POLICY


def test_publishing_records_the_version_emails_everyone_and_asks_for_acknowledgement(
    session, new_policy, capsys
):
    early = make_user(session, email="early@example.com")
    make_user(session, email="second@example.com")
    assert policy_releases.unacknowledged(session=session, user_id=early.id) is None

    assert cli.main(["publish-policy"]) == 0
    assert "version 2099-01-01" in capsys.readouterr().out
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
    policy_releases.acknowledge(session=session, user_id=early.id)
    session.commit()
    assert policy_releases.unacknowledged(session=session, user_id=early.id) is None
    assert policy_releases.acknowledge(session=session, user_id=early.id) is None
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
    for name in ("publish-policy", "privacy-sweep", "backup", "restore", "compact"):
        assert name in result.stdout
