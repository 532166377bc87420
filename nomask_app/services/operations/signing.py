"""Signatures for values in links that must work without signing in (unsubscribe).

HMAC-SHA256 keyed with the app's secret key, with the purpose mixed in so a
signature made for one kind of link never validates another.
"""

import base64
import hashlib
import hmac

from nomask_app.config import get_settings


def sign(purpose: str, value: str) -> str:
    """Return a URL-safe signature of `value` for `purpose`."""
    key = get_settings().secret_key.get_secret_value().encode()
    digest = hmac.new(key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(purpose: str, value: str, signature: str) -> bool:
    """Check a signature in constant time."""
    if not signature or len(signature) > 64:
        return False
    return hmac.compare_digest(sign(purpose, value), signature)
