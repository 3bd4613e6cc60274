from __future__ import annotations

import pytest

from partner_directory.access.passwords import hash_password, verify_password


def test_hash_and_verify():
    stored = hash_password("Zażółć-gęślą-jaźń")
    assert stored.startswith("scrypt$")
    assert verify_password("Zażółć-gęślą-jaźń", stored)
    assert not verify_password("zazolc-gesla-jazn", stored)
    assert hash_password("x") != hash_password("x")  # salted


@pytest.mark.parametrize("stored", ["", "plain-text", "scrypt$1$2", "md5$a$b$c$d$e", "scrypt$16384$8$1$zz$zz"])
def test_malformed_hashes_never_match(stored):
    assert not verify_password("anything", stored)


# The throttle's tests, on SQLite and PostgreSQL, are in tests/test_throttle.py.
