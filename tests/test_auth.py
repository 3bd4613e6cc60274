from __future__ import annotations

import pytest

from partner_directory.access.passwords import hash_password, verify_password
from partner_directory.access.throttle import Throttle


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


def _parallel(count: int, attempt) -> list[str]:
    """Run ``attempt()`` in ``count`` threads released at the same instant; return the outcomes."""
    import threading

    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        barrier.wait()
        outcome = attempt()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_parallel_guesses_from_one_client_get_one_password_check_per_window():
    import threading
    import time

    throttle = Throttle(base_delay=5.0, max_delay=30.0)
    checks = []
    lock = threading.Lock()

    def slow_wrong_check():
        with lock:
            checks.append(1)
        time.sleep(0.3)  # scrypt takes a while: the other guesses arrive meanwhile
        return False

    # The throttle's clock stands still (now=0): every guess falls in one window however slow the machine
    # is, so the bound is a fixed count of password checks, not a number of seconds.
    outcomes = _parallel(12, lambda: throttle.attempt("203.0.113.7", slow_wrong_check, now=0.0))
    assert len(checks) == 1  # 12 of 12 were checked when the wait came before the password
    assert sorted(outcomes) == ["wait"] * 11 + ["wrong"]
    # The back-off window that follows admits no check either, however many arrive.
    outcomes = _parallel(12, lambda: throttle.attempt("203.0.113.7", slow_wrong_check, now=4.9))
    assert len(checks) == 1 and outcomes == ["wait"] * 12
    # Once it is over, exactly one more check.
    outcomes = _parallel(12, lambda: throttle.attempt("203.0.113.7", slow_wrong_check, now=5.0))
    assert len(checks) == 2 and sorted(outcomes) == ["wait"] * 11 + ["wrong"]


def test_the_right_password_among_parallel_guesses_is_checked_at_most_once_per_window():
    throttle = Throttle(base_delay=5.0)
    guesses = iter(["guess"] * 11 + ["right"])
    import threading

    lock = threading.Lock()

    def attempt():
        with lock:
            guess = next(guesses)
        return throttle.attempt("198.51.100.1", lambda: guess == "right")

    outcomes = _parallel(12, attempt)
    assert outcomes.count("ok") + outcomes.count("wrong") == 1


def test_a_flood_from_one_client_does_not_lock_out_another():
    throttle = Throttle(base_delay=1.0, max_delay=30.0)
    for _ in range(50):
        throttle.attempt("203.0.113.7", lambda: False)
    assert throttle.attempt("203.0.113.7", lambda: True) == "wait"
    assert throttle.attempt("192.0.2.10", lambda: True) == "ok"  # staff signing in from the office


def test_a_flood_from_many_addresses_keeps_memory_bounded_and_locks_out_no_one():
    throttle = Throttle(base_delay=1.0, max_clients=1_000)
    for i in range(20_000):
        throttle.attempt(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", lambda: False)
    assert throttle.tracked_clients() <= 1_000
    assert throttle.attempt("192.0.2.10", lambda: True) == "ok"


def test_a_client_waits_its_window_then_gets_one_more_check():
    throttle = Throttle(base_delay=1.0, max_delay=4.0)
    assert throttle.attempt("a", lambda: False, now=0) == "wrong"
    assert throttle.attempt("a", lambda: True, now=0.5) == "wait"
    assert throttle.attempt("a", lambda: False, now=1.1) == "wrong"
    assert throttle.attempt("a", lambda: True, now=2.5) == "wait"  # the second window is 2 s
    assert throttle.attempt("a", lambda: True, now=3.2) == "ok"
    assert throttle.attempt("a", lambda: False, now=3.2) == "wrong"  # a success starts afresh
