"""A real SMTP server (aiosmtpd) on a free local port that records what it receives."""

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.mail import parse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpRecorder:
    """The handler: keeps every message; `gate` can hold deliveries back."""

    received: list[Received] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self):
        self.gate.set()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 30)
        with self.arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parse(envelope.content))
            )
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)


class SmtpServer:
    """aiosmtpd in a background thread, optionally requiring a login."""

    def __init__(self, *, username: str = "", password: str = ""):
        self.recorder = SmtpRecorder()
        self.username, self.password = username, password
        self.logins: list[str] = []
        kwargs = {}
        if username:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                # Loopback only, in a test: the client would use STARTTLS in production.
                "auth_require_tls": False,
            }
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self.username, self.password)
        if ok:
            self.logins.append(self.username)
        return AuthResult(success=ok)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
