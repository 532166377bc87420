"""Reading what the app sent: the dev outbox (one .eml per message) and links in it."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from nomask_app.config import get_settings
from nomask_app.integrations import mailer

KIND = mailer.KIND_HEADER


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def outbox(folder: Path | None = None) -> list[EmailMessage]:
    """Every message in the outbox, oldest first, once queued deliveries finished."""
    mailer.wait_idle()
    folder = folder or get_settings().outbox_dir
    if not folder.exists():
        return []
    return [parse(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def sent(kind: str, to: str | None = None, folder: Path | None = None) -> list[EmailMessage]:
    """Messages of one kind (X-NoMask-Kind), optionally to one address."""
    return [
        message
        for message in outbox(folder)
        if message[KIND] == kind and (to is None or message["To"].addresses[0].addr_spec == to)
    ]


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message: EmailMessage, path: str) -> str:
    """The absolute link to `path` in a message's text."""
    match = re.search(rf"https?://\S+{re.escape(path)}\S*", body(message))
    assert match, f"no link to {path} in:\n{body(message)}"
    return match.group(0)


def token_in(message: EmailMessage, path: str) -> str:
    return link(message, path).split("token=", 1)[1]
