"""The privacy policy in force and its text (policy §9).

One source of truth, read at request time: the newest release recorded by
``python -m nomask_app.cli publish-policy``, which stores the text it
published. Every process (the app's workers, the CLI) reads it from the
database, so a release takes effect everywhere at once, without a restart or
a rebuild. Until a policy is first published, the newest bundled file in
`content/policy/` is in force.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from nomask_app.models import PolicyRelease

POLICY_DIR = Path(__file__).resolve().parents[2] / "content" / "policy"


@dataclass(frozen=True)
class PolicyVersion:
    """One version of the privacy policy.

    Attributes:
        version: Identifier recorded with every acceptance (e.g. ``2026-03-14``).
        effective: The "last updated" date shown to people.
        markdown: The policy text.
    """

    version: str
    effective: date
    markdown: str


@lru_cache(maxsize=8)
def _parse(path: Path, _modified: float) -> PolicyVersion:
    """A policy file: front matter (``version:``, ``date:``) between "---" lines, then text.

    Cached by modification time: an edited file is read again.
    """
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
    return PolicyVersion(
        version=meta["version"],
        effective=date.fromisoformat(meta["date"]),
        markdown=body.strip() + "\n",
    )


def newest_bundled() -> PolicyVersion:
    """The newest policy file in `content/policy/` (files are named by date)."""
    newest = max(POLICY_DIR.glob("*.md"))
    return _parse(newest, newest.stat().st_mtime)


def latest_release(*, session: Session) -> PolicyRelease | None:
    """The most recently published policy version, if any was ever published."""
    return session.exec(
        select(PolicyRelease).order_by(col(PolicyRelease.published_at).desc())
    ).first()


def current_policy(*, session: Session) -> PolicyVersion:
    """The policy in force now: the newest release, else the newest bundled file."""
    release = latest_release(session=session)
    if release is not None and release.markdown:
        return PolicyVersion(release.version, release.effective, release.markdown)
    return newest_bundled()


def policy_section(policy: PolicyVersion, number: str) -> str:
    """The body of one numbered section of a policy (e.g. "4."), "" if it has none."""
    lines = policy.markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"## {number} ")), None)
    if start is None:
        return ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1 : end]).strip() + "\n"
