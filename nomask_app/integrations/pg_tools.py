"""PostgreSQL's own client programs, ``pg_dump`` and ``pg_restore``: the only module that runs them.

Backups of a PostgreSQL database are made with ``pg_dump --format=custom``
(consistent: one snapshot) and restored with ``pg_restore``. The password
never appears on a command line (where ``ps`` would show it): it goes to
the programs in ``PGPASSWORD``.
"""

import os
import re
import shutil

# Fixed programs, run with argument lists and no shell.
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy.engine import make_url


class ToolFailed(RuntimeError):
    """A PostgreSQL program is missing or failed; the message says which and why."""


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolFailed(f"{name} is not installed (Debian/Ubuntu: apt install postgresql-client)")
    return found


def _connection(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    libpq = parsed.set(drivername="postgresql", password=None)
    return libpq.render_as_string(hide_password=False), env


def major_version(program: str) -> int:
    """The major version of a client program (``pg_dump --version``)."""
    output = _run([_program(program), "--version"], os.environ.copy())
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if not match:
        raise ToolFailed(f"cannot tell the version of {program}: {output.strip()}")
    return int(match.group(1))


def dump(url: str, target: Path) -> None:
    """Write a consistent custom-format dump of the database at `url` to `target`."""
    libpq, env = _connection(url)
    _run(
        [
            _program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            "--dbname",
            libpq,
        ],
        env,
    )


def restore(url: str, source: Path) -> None:
    """Load a custom-format dump into the (empty) database at `url`; stop at the first error."""
    libpq, env = _connection(url)
    _run(
        [
            _program("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            libpq,
            str(source),
        ],
        env,
    )


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        name = Path(command[0]).name
        raise ToolFailed(f"{name} failed: {result.stderr.strip()[-500:]}")
    return result.stdout
