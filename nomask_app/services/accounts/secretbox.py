"""Encrypting small secrets at rest (two-factor secrets) with a key derived from the app's.

AES-256-GCM with a fresh random nonce per value; the key is derived with HKDF
from ``NOMASK_SECRET_KEY`` and a purpose, and the row's owner id is bound in
as associated data, so a value copied onto another row does not decrypt.
A database dump alone therefore reveals no secret.
"""

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from nomask_app.config import get_settings

_VERSION = "v1"
_NONCE_BYTES = 12


class Undecryptable(ValueError):
    """The value was tampered with, belongs elsewhere, or the secret key changed."""


@lru_cache(maxsize=8)
def _key(secret_key: str, purpose: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"nomask-secretbox",
        info=f"nomask:{purpose}:{_VERSION}".encode(),
    )
    return hkdf.derive(secret_key.encode())


def _aead(purpose: str) -> AESGCM:
    return AESGCM(_key(get_settings().secret_key.get_secret_value(), purpose))


def encrypt(plaintext: str, *, purpose: str, bound_to: str) -> str:
    """Encrypt `plaintext` for `purpose`, tied to `bound_to` (e.g. the owner's id)."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(purpose).encrypt(nonce, plaintext.encode(), bound_to.encode())
    return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str, *, purpose: str, bound_to: str) -> str:
    """Reverse `encrypt`.

    Raises:
        Undecryptable: the value does not open with this key, purpose and owner.
    """
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise Undecryptable("unknown format")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        plain = _aead(purpose).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], bound_to.encode())
    except (InvalidTag, ValueError) as problem:
        raise Undecryptable("cannot decrypt") from problem
    return plain.decode()
