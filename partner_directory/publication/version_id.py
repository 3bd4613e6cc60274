"""A published version's identity: the hash of its bytes.

The store names versions by it and refuses a publish whose base is stale;
the members' pages key their caches by it. It lives here, below both, so the
store never has to import the published list (and through it geocoding).
"""

from __future__ import annotations

import hashlib


def content_version(data: bytes) -> str:
    """A short stable id of a file's content: the first 16 hex digits of its SHA-256.

    >>> content_version(b"partner_name,country\\n")
    '8db7ed4250832ed2'
    """
    return hashlib.sha256(data).hexdigest()[:16]
