"""Delivering email: SMTP through aiosmtplib when configured, else a local outbox.

This is the only module that talks SMTP. Without ``NOMASK_SMTP_HOST`` every
message is written to ``<data dir>/outbox/`` as one ``.eml`` file, so a fresh
machine works and a developer can read exactly what would have been sent.
The outbox is a stand-in for sent mail, not an archive: its files name the
account and the kind of each message, so that `remove_from_outbox` can drop
an account's mail with the account and old mail after a while
(services/operations/delivery.py decides which).

Delivery never runs on the caller's thread or event loop: `send` hands the
message to one background thread with its own asyncio loop and returns at
once. Nothing here logs an address or a message body.
"""

import asyncio
import atexit
import concurrent.futures
import copy
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from nomask_app.config import Settings, get_settings
from nomask_app.models.common import utcnow

logger = logging.getLogger(__name__)

KIND_HEADER = "X-NoMask-Kind"
# The account a message concerns: in the outbox file's name, never sent over SMTP.
ACCOUNT_HEADER = "X-NoMask-Account"
SMTP_ATTEMPTS = 3
# Connection trouble is worth another try; a refused message is not.
_TRANSIENT = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    ConnectionError,
    TimeoutError,
)
_RETRY_DELAY_SECONDS = 2.0

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_pending: set[concurrent.futures.Future] = set()


def send(message: EmailMessage) -> concurrent.futures.Future:
    """Queue one message for delivery and return at once.

    Returns:
        A future that resolves when the message was handed to the SMTP server
        (or written to the outbox); it never raises, failures are logged.
    """
    future = asyncio.run_coroutine_threadsafe(_deliver(message, get_settings()), _worker_loop())
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def wait_idle(timeout: float = 10.0) -> None:
    """Block until every queued message is delivered (tests, shutdown)."""
    with _lock:
        pending = list(_pending)
    concurrent.futures.wait(pending, timeout=timeout)


def write_to_outbox(message: EmailMessage, folder: Path) -> Path:
    """Write one message as an .eml file; readers never see a half-written file.

    The name is ``<time>-<account id>-<kind>-<random>.eml``: sorted by time,
    and found by account without opening any file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    account = _name_part(message.get(ACCOUNT_HEADER, "")) or "none"
    kind = _name_part(message.get(KIND_HEADER, "")) or "email"
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{account}-{kind}-{secrets.token_hex(4)}.eml"
    partial = folder / f".{name}.part"
    partial.write_bytes(bytes(message))
    os.replace(partial, folder / name)
    return folder / name


@dataclass(frozen=True)
class OutboxEntry:
    """One message in the outbox, as its file name describes it."""

    path: Path
    account: str  # "" when the message concerns no account
    kind: str
    written_at: datetime


def remove_from_outbox(should_remove: Callable[[OutboxEntry], bool]) -> int:
    """Delete the outbox messages `should_remove` picks; how many went."""
    folder = get_settings().outbox_dir
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.eml"):
        try:
            entry = _entry(path)
            if should_remove(entry):
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed


def _entry(path: Path) -> OutboxEntry:
    written_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    parts = path.stem.split("-", 2)
    if len(parts) < 3:  # written before names carried the account
        return OutboxEntry(path, "", "", written_at)
    account, kind = parts[1], parts[2].rpartition("-")[0]
    return OutboxEntry(path, "" if account == "none" else account, kind, written_at)


def _name_part(value: str) -> str:
    # Header values the app sets itself (an id, a kind); anything else is dropped.
    return "".join(c for c in str(value) if c.isascii() and (c.isalnum() or c == "-"))[:64]


async def _deliver(message: EmailMessage, settings: Settings) -> None:
    kind = message.get(KIND_HEADER, "email")
    try:
        if settings.smtp_host:
            await _send_smtp(message, settings)
        else:
            write_to_outbox(message, settings.outbox_dir)
    except Exception as error:  # a lost email must never take the worker down
        logger.error("email not delivered (kind=%s): %s", kind, type(error).__name__)
        return
    logger.info("email delivered (kind=%s)", kind)


async def _send_smtp(message: EmailMessage, settings: Settings) -> None:
    message = copy.copy(message)
    del message[ACCOUNT_HEADER]  # ours alone: the recipient has no use for it
    for attempt in range(1, SMTP_ATTEMPTS + 1):
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.get_secret_value() or None,
                use_tls=settings.smtp_security == "tls",
                start_tls=settings.smtp_security == "starttls",
                timeout=settings.smtp_timeout_seconds,
            )
            return
        except _TRANSIENT as error:
            if attempt == SMTP_ATTEMPTS:
                raise
            logger.warning("SMTP attempt %d failed (%s); retrying", attempt, type(error).__name__)
            await asyncio.sleep(_RETRY_DELAY_SECONDS * attempt)


def _worker_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="nomask-mailer", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def _forget(future: concurrent.futures.Future) -> None:
    with _lock:
        _pending.discard(future)


# Give queued messages a moment to leave when the process stops.
atexit.register(wait_idle, 5.0)
