"""The mailer against a real SMTP server (aiosmtpd), and its dev outbox."""

import logging

import pytest

from nomask_app.config import get_settings
from nomask_app.integrations import mailer
from nomask_app.services.operations import emails
from tests.fakes.smtp import free_port
from tests.mail import body, outbox


def _message(to="reader@example.com"):
    return emails.password_reset(to=to, name="Reader", token="tok123")


def test_smtp_delivery_carries_the_message_unchanged(smtp_server):
    mailer.send(_message()).result(timeout=15)
    [received] = smtp_server.recorder.wait_for(1)
    assert received.recipients == ["reader@example.com"]
    assert received.sender == "no-reply@nomask.ai"
    assert received.message["Subject"] == "Reset your NoMask AI password"
    assert received.message[mailer.KIND_HEADER] == emails.PASSWORD_RESET
    assert "/reset-password?token=tok123" in body(received.message)
    assert outbox(get_settings().outbox_dir) == []  # SMTP replaces the outbox


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_is_used_when_configured(smtp_server_with_login):
    mailer.send(_message()).result(timeout=15)
    assert len(smtp_server_with_login.recorder.wait_for(1)) == 1
    assert smtp_server_with_login.logins == ["nomask"]


def test_send_returns_before_the_server_has_the_message(smtp_server):
    # The server holds every delivery until the gate opens: `send` must not wait.
    smtp_server.recorder.gate.clear()
    future = mailer.send(_message())
    assert not future.done()
    assert smtp_server.recorder.received == []
    smtp_server.recorder.gate.set()
    future.result(timeout=15)
    assert len(smtp_server.recorder.wait_for(1)) == 1


def test_an_unreachable_server_is_retried_then_logged_without_the_address(monkeypatch, caplog):
    monkeypatch.setenv("NOMASK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NOMASK_SMTP_PORT", str(free_port()))  # nobody listens there
    monkeypatch.setenv("NOMASK_SMTP_SECURITY", "none")
    monkeypatch.setattr(mailer, "_RETRY_DELAY_SECONDS", 0)
    get_settings.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=mailer.__name__):
            future = mailer.send(_message("secret-person@example.com"))
            assert future.result(timeout=30) is None  # failures never raise into callers
    finally:
        get_settings.cache_clear()
    text = caplog.text
    assert text.count("SMTP attempt") == mailer.SMTP_ATTEMPTS - 1
    assert "email not delivered (kind=password-reset)" in text
    assert "secret-person" not in text


def test_without_smtp_each_message_is_one_readable_eml_file(tmp_path, monkeypatch):
    monkeypatch.setenv("NOMASK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        mailer.send(_message("one@example.com"))
        mailer.send(_message("two@example.com"))
        mailer.wait_idle()
        files = sorted((tmp_path / "outbox").glob("*.eml"))
        assert len(files) == 2
        assert not list((tmp_path / "outbox").glob(".*.part"))
        assert {m["To"] for m in outbox(tmp_path / "outbox")} == {
            "one@example.com",
            "two@example.com",
        }
        assert b"Subject: Reset your NoMask AI password" in files[0].read_bytes()
    finally:
        get_settings.cache_clear()


def test_the_account_header_stays_home_over_smtp(smtp_server):
    message = _message()
    message[mailer.ACCOUNT_HEADER] = "account-id"
    mailer.send(message).result(timeout=15)
    [received] = smtp_server.recorder.wait_for(1)
    assert received.message[mailer.ACCOUNT_HEADER] is None
    assert message[mailer.ACCOUNT_HEADER] == "account-id"  # the caller's copy is untouched


def test_smtp_needs_no_outbox_directory(smtp_server, tmp_path, monkeypatch):
    # A host whose data directory cannot even be created (a file is in the way).
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("NOMASK_DATA_DIR", str(blocker / "data"))
    get_settings.cache_clear()
    mailer.send(_message()).result(timeout=15)
    assert len(smtp_server.recorder.wait_for(1)) == 1
    assert mailer.remove_from_outbox(lambda _entry: True) == 0  # the sweep's outbox step
    assert not get_settings().outbox_dir.exists()
