"""The privacy policy: its published versions and the current one (policy §9)."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parents[2] / "content" / "policy"


@dataclass(frozen=True)
class PolicyVersion:
    """One published version of the privacy policy.

    Attributes:
        version: Identifier recorded with every acceptance (e.g. ``2026-03-14``).
        effective: The "last updated" date shown to people.
        markdown: The policy text.
    """

    version: str
    effective: date
    markdown: str


def _parse(path: Path) -> PolicyVersion:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
    return PolicyVersion(
        version=meta["version"],
        effective=date.fromisoformat(meta["date"]),
        markdown=body.strip() + "\n",
    )


@lru_cache
def current_policy() -> PolicyVersion:
    """Return the newest policy in `content/policy/` (files are named by date)."""
    newest = max(POLICY_DIR.glob("*.md"))
    return _parse(newest)
