"""Staff sign-in without an identity provider: a salted password hash, checked in constant time.

The hash is ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``, made with
``python -m partner_directory hash-password`` and stored in
``.streamlit/secrets.toml`` (``[staff] password_hash = "…"``) or in the
environment variable ``PARTNER_DIRECTORY_STAFF_PASSWORD_HASH``. Failed
attempts are slowed down, more with every failure.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

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


@dataclass
class Throttle:
    """Slows down failed sign-ins: after each failure the next attempt waits longer (capped).

    Shared by all sessions of a process, keyed by what the caller chooses
    (e.g. the user name), so opening a new browser tab does not reset it.
    """

    base_delay: float = 1.0
    max_delay: float = 30.0
    _failures: dict[str, int] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_seconds(self, key: str, *, now: float | None = None) -> float:
        """How long ``key`` must still wait before the next attempt."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.get(key, 0)
            if not failures:
                return 0.0
            delay = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
            return max(0.0, self._last[key] + delay - now)

    def failed(self, key: str, *, now: float | None = None) -> None:
        with self._lock:
            self._failures[key] = self._failures.get(key, 0) + 1
            self._last[key] = time.monotonic() if now is None else now

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._last.pop(key, None)
