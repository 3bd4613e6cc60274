"""Staff sign-in without an identity provider: a salted password hash, checked in constant time.

The hash is ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``, made with
``python -m partner_directory hash-password`` and stored in
``.streamlit/secrets.toml`` (``[staff] password_hash = "…"``) or in the
environment variable ``PARTNER_DIRECTORY_STAFF_PASSWORD_HASH``. Failed
attempts are slowed down by :class:`partner_directory.access.throttle.Throttle`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
PREFIX = "scrypt"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return the salted scrypt hash of ``password`` in the stored format."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{PREFIX}${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Return whether ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        prefix, n, r, p, salt_hex, digest_hex = stored.strip().split("$")
        if prefix != PREFIX:
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=2**26
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)
