"""The Content-Security-Policy, with the hashes of the pages' inline scripts.

Reflex prerenders every page to static HTML that carries a few inline
scripts (hydration data, the colour-mode script, the storage guard). Instead
of allowing every inline script ('unsafe-inline'), the policy lists the
SHA-256 of each one found in the build, so an injected script never runs.
Nonces are not possible: the pages are static files, identical for everyone.

Styles keep 'unsafe-inline': Radix and Emotion set inline styles at run
time. Styles cannot run script, and nothing can be fetched from another
origin (img-src, font-src, connect-src), which limits CSS-based leaks.
"""

import base64
import hashlib
import re
import threading
from pathlib import Path

from nomask_app.config import Settings

_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[str, ...]]] = {}


def script_hashes(html: str) -> set[str]:
    """CSP source expressions (``'sha256-...'``) for the inline scripts of one page."""
    hashes = set()
    for match in _INLINE_SCRIPT.finditer(html):
        digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
        hashes.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return hashes


def build_dir() -> Path | None:
    """Where the production build's HTML lives, if Reflex has built it."""
    from reflex.utils.prerequisites import get_web_dir
    from reflex_base import constants
    from reflex_base.config import get_config

    path = get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
    return path if path.is_dir() else None


def build_hashes(directory: Path | None) -> tuple[str, ...]:
    """The inline-script hashes of every page in `directory`, rescanned when it changes."""
    if directory is None:
        return ()
    pages = sorted(directory.rglob("*.html"))
    stamp = max((page.stat().st_mtime for page in pages), default=0.0) + len(pages)
    key = str(directory)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    found: set[str] = set()
    for page in pages:
        found |= script_hashes(page.read_text(encoding="utf-8", errors="replace"))
    result = tuple(sorted(found))
    with _lock:
        _cache[key] = (stamp, result)
    return result


def content_security_policy(settings: Settings, hashes: tuple[str, ...] = ()) -> str:
    """The CSP: nothing from any other origin, no framing, no plugins, no inline script."""
    sockets = " ".join(
        origin.replace("https://", "wss://").replace("http://", "ws://")
        for origin in settings.allowed_origins
    )
    connect = " ".join(["'self'", *settings.allowed_origins, sockets])
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self'", *hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src {connect}",
        "worker-src 'self' blob:",
        "frame-src 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action 'self' {settings.backend_url}",
        "frame-ancestors 'none'",
    ]
    if settings.secure_cookies:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)
