"""Run the real production build (`reflex run --env prod`) for browser tests."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from nomask_app.config import PROJECT_ROOT
from tests.support import PROVIDER_KEYS

VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 600  # a cold npm install plus the production build


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """The app in production mode on a free port, with its own database and files.

    With `public_url` (a load balancer in front of several instances) the
    app is built for that address and listens on its own port behind it;
    `url` is always this instance's own address.
    """

    def __init__(
        self,
        workdir: Path,
        database_url: str,
        extra_env: dict[str, str] | None = None,
        web_dir: str = ".web-test",
        public_url: str | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        behind = {"REFLEX_FRONTEND_PORT": str(self.port), "REFLEX_BACKEND_PORT": str(self.port)}
        self.workdir = workdir
        self.log_path = workdir / "server.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS},
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "NOMASK_ENV": "test",
            "NOMASK_APP_URL": public_url or self.url,
            "NOMASK_DATABASE_URL": database_url,
            "NOMASK_DATA_DIR": str(workdir / "data"),
            "NOMASK_BCRYPT_ROUNDS": "4",
            # A separate build folder, so tests never disturb a running `make run`.
            "REFLEX_WEB_WORKDIR": str(PROJECT_ROOT / web_dir),
            "REFLEX_STATES_WORKDIR": str(workdir / "states"),
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            **(behind if public_url else {}),
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "AppServer":
        subprocess.run(
            [str(VENV_BIN / "alembic"), "upgrade", "head"],
            cwd=PROJECT_ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--loglevel", "info"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=5) as response:
                    if json.load(response).get("models") == "ready":
                        return self
            except (OSError, ValueError):
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"app did not start in {START_TIMEOUT}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 60, *, requests: bool = True) -> str:
        """The last `lines` of the app's output; without `requests`, no access-log lines."""
        if not self.log_path.exists():
            return ""
        kept = self.log_path.read_text(errors="replace").splitlines()
        if not requests:
            kept = [line for line in kept if '"nomask_app.access"' not in line]
        return "\n".join(kept[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
