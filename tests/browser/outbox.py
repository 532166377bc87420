"""Reading the browser-test app's email outbox and adjusting its database."""

import time
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import AccountToken, User
from nomask_app.services.operations import notifications
from tests.mail import parse

WAIT_SECONDS = 15
_app_server = None


def serving(app_server) -> None:
    """Remember the session's app (conftest), for steps that take only a page."""
    global _app_server
    _app_server = app_server


def app_server_of_session():
    """The app the browser tests run against."""
    assert _app_server is not None, "the app_server fixture has not started"
    return _app_server


def wait_for_email(app_server, kind: str, to: str) -> EmailMessage:
    """The newest message of `kind` to `to`, waiting for the app's mailer thread."""
    folder = app_server.workdir / "data" / "outbox"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        for path in sorted(folder.glob("*.eml"), reverse=True):
            message = parse(path.read_bytes())
            if message["X-NoMask-Kind"] == kind and message["To"] == to:
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"no {kind} email to {to} in {folder}")
        time.sleep(0.1)  # the app writes the file on its own thread


def emails_to(app_server, to: str) -> list[str]:
    """The kinds of every message sent to `to` so far."""
    folder = app_server.workdir / "data" / "outbox"
    kinds = []
    for path in sorted(folder.glob("*.eml")):
        message = parse(path.read_bytes())
        if message["To"] == to:
            kinds.append(message["X-NoMask-Kind"])
    return kinds


def _shift_links(app_server, email: str, **changes: timedelta) -> None:
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        for row in session.exec(select(AccountToken).where(AccountToken.user_id == user.id)):
            for column, delta in changes.items():
                setattr(row, column, getattr(row, column) - delta)
            session.add(row)
        session.commit()
    engine.dispose()


def unconfirm_address(app_server, email: str) -> None:
    """Make an account's address unconfirmed, as accounts made before sign-up links were."""
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.email_verified_at = None
        session.add(user)
        session.commit()
    engine.dispose()


def expire_links(app_server, email: str) -> None:
    """Make every emailed link of this account expired (as if the time passed)."""
    _shift_links(app_server, email, expires_at=timedelta(days=7))


def age_links(app_server, email: str) -> None:
    """Make every emailed link of this account two minutes older (past the resend limit)."""
    _shift_links(app_server, email, created_at=timedelta(minutes=2))


def unsubscribe_path(app_server, email: str) -> str:
    """The path and query of the account's one-click unsubscribe link."""
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
    engine.dispose()
    parts = urlsplit(notifications.unsubscribe_url(user.id))
    return f"{parts.path}?{parts.query}"
