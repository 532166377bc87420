import pytest

from nomask_app.config import get_settings
from nomask_app.integrations import mailer
from tests.fakes.smtp import SmtpServer

SMTP_USER, SMTP_PASSWORD = "nomask", "smtp-secret-for-tests"


def _use(monkeypatch, server: SmtpServer, **extra: str) -> None:
    monkeypatch.setenv("NOMASK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NOMASK_SMTP_PORT", str(server.port))
    # The aiosmtpd server speaks plain SMTP on loopback.
    monkeypatch.setenv("NOMASK_SMTP_SECURITY", "none")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server the app is configured to use (no login)."""
    server = SmtpServer().start()
    _use(monkeypatch, server)
    yield server
    mailer.wait_idle()
    server.stop()
    get_settings.cache_clear()


@pytest.fixture
def smtp_server_with_login(monkeypatch):
    """A real SMTP server that requires the configured login."""
    server = SmtpServer(username=SMTP_USER, password=SMTP_PASSWORD).start()
    _use(
        monkeypatch,
        server,
        NOMASK_SMTP_USERNAME=SMTP_USER,
        NOMASK_SMTP_PASSWORD=SMTP_PASSWORD,
    )
    yield server
    mailer.wait_idle()
    server.stop()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def s3_server():
    """One local S3-compatible server for the session."""
    from tests.fakes.s3_server import S3Server

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_store(monkeypatch, engine, s3_server):
    """The app's file store switched to the S3 server, under a prefix of this test's own.

    Yields the prefix, so a test can list exactly its objects.
    """
    import secrets

    from nomask_app.integrations.object_store import object_store

    prefix = f"t{secrets.token_hex(6)}/"
    for name, value in s3_server.env(prefix).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    object_store.cache_clear()
    yield prefix
    get_settings.cache_clear()
    object_store.cache_clear()
