"""A member's sign-in that outlives the browser tab: signed tokens for a cookie, and the one-use ticket that asks for it.

A member who signs in with the access code gets, in their browser, a cookie
holding a token that says "a member, until <time>", signed with HMAC-SHA256
under the server's key. The cookie is ``HttpOnly`` (no script on the page can
read it) and ``SameSite=Strict``; the token is never in the page's address. The
app reads it again on every new session (a reload, a shared link) and checks
its signature and its end; nothing about the member is kept on the server.

The cookie can only be set by an HTTP answer, not by the page's websocket: the
page hands the browser a *ticket* (the same kind of token, for one purpose and
one minute), which the browser posts to the app's own address; the answer
sets the cookie (see ``dashboard.member_cookie``).

The key is the configured ``[members] cookie_secret`` when there is one, else
derived from the access code's hash: changing the access code then ends every
member's cookie at once.

>>> key = signing_key(code_hash="scrypt$abc")
>>> token = issue(key, purpose=SESSION, now=1_000, lifetime=SESSION_SECONDS)
>>> valid(token, key, purpose=SESSION, now=1_000 + SESSION_SECONDS - 1)
True
>>> valid(token, key, purpose=SESSION, now=1_000 + SESSION_SECONDS)
False
>>> valid(token, key, purpose=TICKET, now=1_001)
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

#: The cookie's name, and how long a member stays signed in without signing in again.
COOKIE = "bra_member"
SESSION_SECONDS = 12 * 60 * 60
#: A ticket is posted by the page right after the sign-in: a minute is ample.
TICKET_SECONDS = 60
SESSION = "member-session"
TICKET = "member-ticket"
#: The longest token read: anything longer is not ours.
MAX_TOKEN = 512


def signing_key(*, code_hash: str, configured: str = "") -> bytes:
    """The key tokens are signed with: the configured secret, else one derived from the access code's hash.

    Empty when neither is set: then no token is issued or accepted.
    """
    if configured.strip():
        return hashlib.sha256(b"bra-member-cookie\0" + configured.strip().encode("utf-8")).digest()
    if code_hash.strip():
        return hashlib.sha256(b"bra-member-cookie-from-code\0" + code_hash.strip().encode("utf-8")).digest()
    return b""


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(key: bytes, *, purpose: str, now: float, lifetime: int) -> str:
    """A token for ``purpose`` that is valid for ``lifetime`` seconds from ``now``; raises ``ValueError`` without a key."""
    if not key:
        raise ValueError("no signing key")
    payload = _encode(
        json.dumps({"p": purpose, "exp": int(now) + lifetime, "n": secrets.token_urlsafe(8)}).encode("utf-8")
    )
    signature = _encode(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def valid(token: object, key: bytes, *, purpose: str, now: float) -> bool:
    """Whether ``token`` was signed with ``key`` for ``purpose`` and has not ended at ``now``.

    Anything else -- no key, not a string, too long, malformed, another
    purpose, a wrong signature, ended -- is ``False``, never an exception.
    """
    if not key or not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        return False
    payload, signature = token.split(".")
    expected = _encode(hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode("ascii")):
        return False
    try:
        fields = json.loads(_decode(payload))
        return bool(fields.get("p") == purpose and float(fields["exp"]) > now)
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
