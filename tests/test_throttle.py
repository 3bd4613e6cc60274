"""The sign-in throttle on real databases (an SQLite file, a PostgreSQL server): per client, per account, shared.

Its clock is the tests' own (``now=`` or a ``Clock``), so what they assert is a
count of password checks, never a number of seconds the machine happened to take.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from partner_directory.access.throttle import Throttle, account_slack, back_off, checks_bound, stored_key
from partner_directory.storage.database import Database, migrate
from partner_directory.storage.migrations import MIGRATIONS
from tests.conftest import ROOT


class Clock:
    """A clock that moves only when the test says."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate(database, MIGRATIONS)
    yield database
    database.dispose()


def parallel(count: int, attempt: Callable[[], str]) -> list[str]:
    """Run ``attempt()`` in ``count`` threads released at the same instant; return the outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        outcome = attempt()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


# -- the pure decisions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "window"), [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (1_000, 30.0)]
)
def test_the_back_off_doubles_up_to_its_cap(failures, window):
    assert back_off(failures, base_delay=1.0, max_delay=30.0) == window


@pytest.mark.parametrize(("failures", "slack"), [(0, 20.0), (1, 18.0), (9, 2.0), (10, 0.0), (50, 0.0)])
def test_fewer_failures_reach_further_ahead_in_the_accounts_schedule(failures, slack):
    assert account_slack(failures, interval=2.0, burst=10) == slack


@pytest.mark.parametrize(
    ("seconds", "interval", "burst", "bound"),
    [(60, 2.0, 10, 41), (0, 2.0, 10, 11), (59.9, 2.0, 0, 30), (10, 0.5, 2, 23)],
)
def test_the_accounts_bound_of_checks(seconds, interval, burst, bound):
    assert checks_bound(seconds, interval=interval, burst=burst) == bound


def test_any_name_fits_the_key_column():
    assert stored_key("client", "ip:203.0.113.7") == "client:ip:203.0.113.7"
    long = stored_key("client", "agent:" + "x" * 5_000)
    assert len(long) < 250 and long != stored_key("client", "agent:" + "x" * 4_999)


# -- per client ---------------------------------------------------------------------------------------------


def test_a_client_waits_its_window_then_gets_one_more_check(store):
    throttle = Throttle(store, base_delay=1.0, max_delay=4.0)
    assert throttle.attempt("a", lambda: False, now=0) == "wrong"
    assert throttle.wait_seconds("a", now=0.5) == pytest.approx(0.5)
    assert throttle.attempt("a", lambda: True, now=0.5) == "wait"
    assert throttle.attempt("a", lambda: False, now=1.1) == "wrong"
    assert throttle.attempt("a", lambda: True, now=2.5) == "wait"  # the second window is 2 s
    assert throttle.attempt("a", lambda: False, now=3.2) == "wrong"
    assert throttle.wait_seconds("a", now=3.2) == pytest.approx(4.0)
    assert throttle.attempt("a", lambda: False, now=7.2) == "wrong"
    assert throttle.wait_seconds("a", now=7.2) == pytest.approx(4.0)  # capped
    assert throttle.attempt("a", lambda: True, now=11.2) == "ok"
    assert throttle.wait_seconds("a", now=11.2) == 0
    assert throttle.attempt("a", lambda: False, now=11.2) == "wrong"  # a success starts afresh
    assert throttle.wait_seconds("a", now=11.2) == pytest.approx(1.0)


def test_a_client_is_forgotten_a_while_after_its_last_window(store):
    throttle = Throttle(store, base_delay=1.0, max_delay=30.0, forget_after=600)
    for moment in (0, 1, 3, 7, 15):
        assert throttle.attempt("a", lambda: False, now=moment) == "wrong"
    assert throttle.wait_seconds("a", now=15) == pytest.approx(16.0)
    # 600 s after its window ended it counts as new: a 1 s window again, not 30 s.
    assert throttle.attempt("a", lambda: False, now=15 + 16 + 600) == "wrong"
    assert throttle.wait_seconds("a", now=15 + 16 + 600) == pytest.approx(1.0)
    # And its address is not kept: once forgotten, the next new client's arrival deletes its row.
    assert throttle.tracked_clients() == 1
    assert throttle.attempt("b", lambda: True, now=10_000) == "ok"
    assert throttle.tracked_clients() == 0


def test_parallel_guesses_from_one_client_get_one_password_check_per_window(store):
    throttle = Throttle(store, base_delay=5.0, max_delay=30.0)
    checks = []
    lock = threading.Lock()

    def slow_wrong_check() -> bool:
        with lock:
            checks.append(1)
        time.sleep(0.3)  # scrypt takes a while: the other guesses arrive meanwhile
        return False

    # The throttle's clock stands still (now=0): every guess falls in one window however slow the machine
    # is, so the bound is a fixed count of password checks, not a number of seconds.
    outcomes = parallel(12, lambda: throttle.attempt("203.0.113.7", slow_wrong_check, now=0.0))
    assert len(checks) == 1  # 12 of 12 were checked when the wait came before the password
    assert sorted(outcomes) == ["wait"] * 11 + ["wrong"]
    # The back-off window that follows admits no check either, however many arrive.
    outcomes = parallel(12, lambda: throttle.attempt("203.0.113.7", slow_wrong_check, now=4.9))
    assert len(checks) == 1 and outcomes == ["wait"] * 12
    # Once it is over, exactly one more check.
    outcomes = parallel(12, lambda: throttle.attempt("203.0.113.7", slow_wrong_check, now=5.0))
    assert len(checks) == 2 and sorted(outcomes) == ["wait"] * 11 + ["wrong"]


def test_the_right_password_among_parallel_guesses_is_checked_at_most_once_per_window(store):
    throttle = Throttle(store, base_delay=5.0)
    guesses = iter(["guess"] * 11 + ["right"])
    lock = threading.Lock()

    def attempt() -> str:
        with lock:
            guess = next(guesses)
        return throttle.attempt("198.51.100.1", lambda: guess == "right", now=0.0)

    outcomes = parallel(12, attempt)
    assert outcomes.count("ok") + outcomes.count("wrong") == 1


def test_a_flood_from_one_client_does_not_lock_out_another(store):
    throttle = Throttle(store, base_delay=1.0, max_delay=30.0)
    for moment in range(50):
        throttle.attempt("203.0.113.7", lambda: False, now=moment)
    assert throttle.attempt("203.0.113.7", lambda: True, now=50) == "wait"
    assert throttle.attempt("192.0.2.10", lambda: True, now=50) == "ok"  # staff signing in from the office


def test_a_check_that_raises_frees_its_client(store):
    throttle = Throttle(store)

    def broken() -> bool:
        raise RuntimeError("the hash cannot be read")

    with pytest.raises(RuntimeError):
        throttle.attempt("a", broken, now=0)
    assert throttle.attempt("a", lambda: True, now=0) == "ok"


def test_a_process_that_died_during_a_check_frees_its_client_after_the_lease(store):
    throttle = Throttle(store, lease=60)
    with store.write() as connection:  # what a process killed between its claim and its result leaves
        connection.execute(
            sa.text("INSERT INTO sign_in_throttle VALUES (:key, 0, 0, 60, 0)"), {"key": stored_key("client", "a")}
        )
    assert throttle.attempt("a", lambda: True, now=59) == "wait"
    assert throttle.attempt("a", lambda: True, now=60) == "ok"


def test_a_flood_from_many_addresses_keeps_the_table_bounded_and_locks_out_no_one(store):
    throttle = Throttle(store, base_delay=1.0, max_clients=100, account_interval=0.01, account_burst=0)
    for i in range(600):
        throttle.attempt(f"10.0.{i // 256}.{i % 256}", lambda: False, now=i * 0.01)
        assert throttle.tracked_clients() <= 100 + 1
    assert throttle.attempt("192.0.2.10", lambda: True, now=6.0) == "ok"


# -- per account --------------------------------------------------------------------------------------------


def test_right_passwords_take_nothing_from_the_accounts_budget(store):
    """Twelve staff signing in at once (or one person again and again) are never held; guesses still are."""
    throttle = Throttle(store, account_interval=2.0, account_burst=3)
    assert [throttle.attempt("office", lambda: True, now=0) for _ in range(30)] == ["ok"] * 30
    assert [throttle.attempt(f"10.0.0.{i}", lambda: True, now=0) for i in range(30)] == ["ok"] * 30
    outcomes = [throttle.attempt(f"10.0.1.{i}", lambda: False, now=0) for i in range(6)]
    assert outcomes == ["wrong"] * 4 + ["wait"] * 2  # the budget of guesses is whole, and still bounded


def test_many_addresses_share_the_accounts_budget_and_the_refusal_states_the_real_wait(store):
    throttle = Throttle(store, account_interval=2.0, account_burst=3)
    outcomes = [throttle.attempt(f"10.0.0.{i}", lambda: False, now=0) for i in range(10)]
    assert outcomes == ["wrong"] * 4 + ["wait"] * 6  # was: every new address got its free guess
    wait = throttle.wait_seconds("10.0.0.9", now=0)
    assert wait == pytest.approx(2.0)
    assert throttle.attempt("10.0.0.9", lambda: False, now=wait - 0.01) == "wait"
    assert throttle.attempt("10.0.0.9", lambda: False, now=wait) == "wrong"
    # The accounts are apart: the members' code has its own budget.
    assert throttle.attempt("10.0.0.8", lambda: False, account="member-code", now=0) == "wrong"


def test_guesses_from_many_clients_in_parallel_are_counted_once_each(store):
    throttle = Throttle(store, account_interval=2.0, account_burst=3)
    checks = []
    lock = threading.Lock()

    def check() -> bool:
        with lock:
            checks.append(1)
        return False

    addresses = iter(f"198.51.100.{i}" for i in range(16))

    def attempt() -> str:
        with lock:
            address = next(addresses)
        return throttle.attempt(address, check, now=0.0)

    outcomes = parallel(16, attempt)
    assert len(checks) == 4 and outcomes.count("wrong") == 4 and outcomes.count("wait") == 12


def _simulate(
    throttle: Throttle,
    clock: Clock,
    *,
    attackers: int,
    staff_arrives: float,
    staff_failures: int = 0,
    until: float = 180.0,
) -> tuple[float | None, list[float]]:
    """Attackers guess from ``attackers`` addresses as soon as each may; staff signs in at ``staff_arrives``.

    Every client tries again exactly when the throttle said it may (the attackers first at
    equal times, the worst case for the staff member). Returns when the staff member got in
    (``None``: never) and the times of the attackers' password checks.
    """
    due = {f"203.0.113.{i}": 0.0 for i in range(attackers)}
    due["staff"] = staff_arrives
    staff_mistakes = staff_failures
    signed_in: float | None = None
    checks: list[float] = []
    while due:
        # attackers before staff at the same moment
        client = min(due, key=lambda c: (due[c], c == "staff"))
        clock.now = due[client]
        if clock.now > until:
            break
        if client == "staff":
            right = staff_mistakes == 0
            outcome = throttle.attempt("staff", lambda right=right: right)
            if outcome == "ok":
                signed_in = clock.now
                del due["staff"]
                continue
            if outcome == "wrong":
                staff_mistakes -= 1
        elif throttle.attempt(client, lambda: False) == "wrong":
            checks.append(clock.now)
        due[client] = clock.now + max(throttle.wait_seconds(client), 0.001)
    return signed_in, checks


def test_an_attacker_from_20_addresses_cannot_keep_staff_out(store):
    clock = Clock()
    throttle = Throttle(store, account_interval=2.0, account_burst=10, clock=clock)
    signed_in, checks = _simulate(throttle, clock, attackers=20, staff_arrives=60.0)
    # The attacker's addresses have all failed by now: the staff member, who has not, goes first.
    assert signed_in == pytest.approx(60.0, abs=0.01)
    # And the attacker's rate stays bounded in every minute, however many addresses it has.
    for start in checks:
        in_a_minute = [moment for moment in checks if start <= moment < start + 60]
        assert len(in_a_minute) <= checks_bound(60, interval=2.0, burst=10), start  # was 120+ with 20 addresses


def test_staff_arriving_with_a_fresh_attack_waits_at_most_one_slot_per_fresh_address(store):
    clock = Clock()
    throttle = Throttle(store, account_interval=2.0, account_burst=10, clock=clock)
    signed_in, _ = _simulate(throttle, clock, attackers=20, staff_arrives=0.5)
    assert signed_in is not None
    assert signed_in - 0.5 <= 2.0 * (20 - 10 - 1) + 2.0  # the docstring's promise: one interval per fresh address


def test_staff_who_mistyped_still_go_before_an_attacker_who_failed_more(store):
    clock = Clock()
    throttle = Throttle(store, account_interval=2.0, account_burst=10, clock=clock)
    signed_in, _ = _simulate(throttle, clock, attackers=20, staff_arrives=100.0, staff_failures=1)
    # One wrong password: its 1 s window, and at most the one slot its own first check took; never the
    # attackers' queue, though they keep the account's schedule full.
    assert signed_in is not None and signed_in - 100.0 <= 1.0 + 2.0 + 0.01


@pytest.mark.parametrize(("group", "staff_waits_at_most"), [("agent", 2.0), (None, None)])
def test_a_new_agent_session_per_guess_gains_no_priority_over_staff(store, group, staff_waits_at_most):
    """The attacker opens a new agent session for every guess, and asks the moment a slot opens, before staff."""
    clock = Clock()
    throttle = Throttle(store, account_interval=2.0, account_burst=10, clock=clock)
    sessions = iter(range(1_000_000))
    staff_in: float | None = None
    clock.now = 0.0
    while clock.now < 120.0 and staff_in is None:
        # the attacker: fresh sessions until one is refused by the account's schedule
        while throttle.attempt(f"agent:s_{next(sessions)}", lambda: False, group=group) == "wrong":
            pass
        if clock.now >= 30.0 and throttle.attempt("ip:192.0.2.10", lambda: True) == "ok":
            staff_in = clock.now
        clock.now += 0.25
    if staff_waits_at_most is None:  # without the group, every new session is as fresh as staff: never in
        assert staff_in is None
    else:
        assert staff_in is not None and staff_in - 30.0 <= staff_waits_at_most, staff_in


# -- several processes --------------------------------------------------------------------------------------

GUESSER = textwrap.dedent(
    """
    import json, sys, threading, time
    from pathlib import Path
    from partner_directory.access.throttle import Throttle
    from partner_directory.storage.database import Database

    url, go, mode, seconds = sys.argv[1], Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    throttle = Throttle(Database(url), base_delay=0.2, max_delay=0.2, account_interval=0.25, account_burst=2)
    checks, lock = [], threading.Lock()

    def check():
        with lock:
            checks.append(time.time())
        return False

    def guess(index):
        if mode == "one-client":  # one address, the clock standing still: one check in all
            throttle.attempt("203.0.113.7", check, now=0.0)
            return
        address, deadline = f"10.{sys.argv[5]}.0.{index}", float(go.read_text()) + seconds
        while time.time() < deadline:
            if throttle.attempt(address, check) == "wait":
                time.sleep(0.01)

    while not go.exists() or not go.read_text():
        time.sleep(0.01)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"checks": checks, "end": time.time()}))
    """
)


def _guessing_processes(database_url: str, tmp_path, mode: str, *, processes: int, seconds: float = 0.0) -> list:
    go = tmp_path / "go"
    running = [
        subprocess.Popen(
            [sys.executable, "-c", GUESSER, database_url, str(go), mode, str(seconds), str(n)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(processes)
    ]
    start = time.time()
    go.write_text(str(start))
    results = []
    for process in running:
        out, error = process.communicate(timeout=240)
        assert process.returncode == 0, error.decode()
        results.append(json.loads(out))
    return [start, results]


def test_parallel_guesses_from_one_client_in_two_processes_get_one_check(store, database_url, tmp_path):
    _, results = _guessing_processes(database_url, tmp_path, "one-client", processes=2)
    assert sum(len(r["checks"]) for r in results) == 1  # was 2: each process kept its own windows


def test_the_checks_of_an_account_do_not_grow_with_the_number_of_processes(store, database_url, tmp_path):
    start, results = _guessing_processes(database_url, tmp_path, "many-clients", processes=3, seconds=4.0)
    checks = sorted(moment for result in results for moment in result["checks"])
    end = max(result["end"] for result in results)
    bound = checks_bound(end - start, interval=0.25, burst=2)
    # Each process alone would reach nearly the bound: three with their own state would check ~3 × as often.
    assert len(checks) <= bound, (len(checks), bound)
    assert len(checks) >= bound // 3, (len(checks), bound)  # the guessers did press on


def test_a_database_of_version_2_gains_the_throttles_table(database_url):
    database = Database(database_url)
    assert migrate(database, MIGRATIONS, target=2) == 2
    assert migrate(database, MIGRATIONS) == MIGRATIONS[-1].version
    throttle = Throttle(database)
    assert throttle.attempt("a", lambda: False, now=0) == "wrong"
    assert throttle.tracked_clients() == 1
    database.dispose()


def test_a_refused_guess_does_not_wait_for_the_registers_writers(store, database_url):
    throttle = Throttle(Database(database_url, busy_timeout=20), base_delay=30.0)
    assert throttle.attempt("203.0.113.7", lambda: False, now=0) == "wrong"
    with store.write() as connection:  # a visit being written, holding the write lock (SQLite) or a row (PostgreSQL)
        connection.execute(sa.text("UPDATE sign_in_throttle SET last_seen = 1"))
        started = time.monotonic()
        outcomes = [throttle.attempt("203.0.113.7", lambda: False, now=1 + n) for n in range(20)]
        took = time.monotonic() - started
    assert outcomes == ["wait"] * 20
    assert took < 10, took  # was: each guess queued for the write lock, 20 × 20 s
    throttle.store.dispose()
