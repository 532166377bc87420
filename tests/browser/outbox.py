"""Reading the browser-test app's email outbox and adjusting its database."""

import time
from email.message import EmailMessage

from sqlalchemy import create_engine, text

from tests.mail import parse

WAIT_SECONDS = 15


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


def expire_links(app_server, email: str) -> None:
    """Make every emailed link of this account expired (as if an hour passed)."""
    engine = create_engine(app_server.env["NOMASK_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE account_tokens SET expires_at = created_at "
                "WHERE user_id IN (SELECT id FROM users WHERE email = :email)"
            ),
            {"email": email},
        )
    engine.dispose()
