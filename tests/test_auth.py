from __future__ import annotations

import pytest

from partner_directory.auth import Throttle, hash_password, verify_password


def test_hash_and_verify():
    stored = hash_password("Zażółć-gęślą-jaźń")
    assert stored.startswith("scrypt$")
    assert verify_password("Zażółć-gęślą-jaźń", stored)
    assert not verify_password("zazolc-gesla-jazn", stored)
    assert hash_password("x") != hash_password("x")  # salted


@pytest.mark.parametrize("stored", ["", "plain-text", "scrypt$1$2", "md5$a$b$c$d$e", "scrypt$16384$8$1$zz$zz"])
def test_malformed_hashes_never_match(stored):
    assert not verify_password("anything", stored)


def test_throttle_grows_and_resets():
    throttle = Throttle(base_delay=1.0, max_delay=4.0)
    assert throttle.wait_seconds("staff", now=0) == 0
    throttle.failed("staff", now=0)
    assert throttle.wait_seconds("staff", now=0.5) == pytest.approx(0.5)
    throttle.failed("staff", now=1)
    throttle.failed("staff", now=1)
    assert throttle.wait_seconds("staff", now=1) == pytest.approx(4.0)
    throttle.failed("staff", now=1)
    assert throttle.wait_seconds("staff", now=1) == pytest.approx(4.0)  # capped
    throttle.succeeded("staff")
    assert throttle.wait_seconds("staff", now=1) == 0
