"""The members' sign-in cookie's token (issue 18): which tokens are a sign-in, as a table."""

from __future__ import annotations

import pytest

from partner_directory.access.member_session import (
    MAX_TOKEN,
    SESSION,
    SESSION_SECONDS,
    TICKET,
    TICKET_SECONDS,
    issue,
    signing_key,
    valid,
)

KEY = signing_key(code_hash="scrypt$16384$8$1$salt$hash")
NOW = 2_000_000_000


def _tampered(token: str) -> str:
    payload, signature = token.split(".")
    return f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"


SESSION_TOKEN = issue(KEY, purpose=SESSION, now=NOW, lifetime=SESSION_SECONDS)
TICKET_TOKEN = issue(KEY, purpose=TICKET, now=NOW, lifetime=TICKET_SECONDS)


@pytest.mark.parametrize(
    ("token", "key", "purpose", "now", "expected"),
    [
        (SESSION_TOKEN, KEY, SESSION, NOW, True),
        (SESSION_TOKEN, KEY, SESSION, NOW + SESSION_SECONDS - 1, True),
        (SESSION_TOKEN, KEY, SESSION, NOW + SESSION_SECONDS, False),  # ended
        (SESSION_TOKEN, KEY, TICKET, NOW, False),  # a session is not a ticket
        (TICKET_TOKEN, KEY, SESSION, NOW, False),  # nor a ticket a session
        (TICKET_TOKEN, KEY, TICKET, NOW + TICKET_SECONDS - 1, True),
        (TICKET_TOKEN, KEY, TICKET, NOW + TICKET_SECONDS, False),
        (SESSION_TOKEN, signing_key(code_hash="another code's hash"), SESSION, NOW, False),  # the code changed
        (SESSION_TOKEN, signing_key(code_hash="x", configured="a configured secret"), SESSION, NOW, False),
        (SESSION_TOKEN, b"", SESSION, NOW, False),  # no key: nothing is a sign-in
        (_tampered(SESSION_TOKEN), KEY, SESSION, NOW, False),
        (SESSION_TOKEN.split(".")[0] + ".", KEY, SESSION, NOW, False),
        ("", KEY, SESSION, NOW, False),
        ("a.b.c", KEY, SESSION, NOW, False),
        ("ä.ö", KEY, SESSION, NOW, False),
        ("x" * (MAX_TOKEN + 1), KEY, SESSION, NOW, False),
        (None, KEY, SESSION, NOW, False),
        (12, KEY, SESSION, NOW, False),
    ],
)
def test_which_tokens_are_a_sign_in(token, key, purpose, now, expected):
    assert valid(token, key, purpose=purpose, now=now) is expected


def test_the_configured_secret_wins_and_no_secret_issues_nothing():
    assert signing_key(code_hash="h", configured="s") == signing_key(code_hash="other", configured="s")
    assert signing_key(code_hash="h") != signing_key(code_hash="h", configured="s")
    assert signing_key(code_hash="  ") == b""
    with pytest.raises(ValueError):
        issue(b"", purpose=SESSION, now=NOW, lifetime=1)


def test_two_tokens_issued_at_once_differ():
    assert issue(KEY, purpose=SESSION, now=NOW, lifetime=1) != issue(KEY, purpose=SESSION, now=NOW, lifetime=1)
