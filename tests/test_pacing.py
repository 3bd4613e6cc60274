"""The pacing of runs (``partner_directory.access.pacing``): budgets per session and per client, on a given clock."""

from __future__ import annotations

import threading

import pytest

from partner_directory.access.pacing import CLIENT_BUDGET, SESSION_BUDGET, Budget, Pacer

SMALL = Pacer(session=Budget(burst=3, rate=1.0), client=Budget(burst=5, rate=2.0))
CLIENT = "ip:203.0.113.9"
OTHER = "ip:198.51.100.4"


def waits(pacer: Pacer, runs: list[tuple[float, str, str | None]]) -> list[float]:
    """What :meth:`Pacer.admit` answers for each ``(time, session, client)`` in turn, rounded to a millisecond."""
    return [round(pacer.admit(session=session, client=client, now=now), 3) for now, session, client in runs]


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        # A burst within the session's budget runs at once; the next waits for the refill (1 a second).
        ([(0, "a", CLIENT)] * 4, [0, 0, 0, 1.0]),
        # Half a second later half a run is back: half a second more to wait; a second later, it runs.
        ([(0, "a", CLIENT)] * 3 + [(0.5, "a", CLIENT), (1.0, "a", CLIENT)], [0, 0, 0, 0.5, 0]),
        # A refused run counts nothing: asking again and again does not push the wait further.
        ([(0, "a", CLIENT)] * 3 + [(0.2, "a", CLIENT)] * 3, [0, 0, 0, 0.8, 0.8, 0.8]),
        # Two sessions of one client share its budget (5 at once, then 2 a second): four tabs are one client.
        (
            [(0, "a", CLIENT)] * 3 + [(0, "b", CLIENT)] * 3 + [(0.5, "c", CLIENT)],
            [0, 0, 0, 0, 0, 0.5, 0],
        ),
        # Another client is not slowed by the first one's flood.
        ([(0, "a", CLIENT)] * 3 + [(0, "b", CLIENT)] * 3 + [(0, "z", OTHER)], [0, 0, 0, 0, 0, 0.5, 0]),
        # The machine itself (no address: a local browser, the tests) is never paced.
        ([(0, "a", None)] * 20, [0] * 20),
        # A budget refills up to its burst, never beyond: a long pause does not bank more than a burst.
        (
            [(0, "a", CLIENT), (100, "a", CLIENT), (100, "a", CLIENT), (100, "a", CLIENT), (100, "a", CLIENT)],
            [0, 0, 0, 0, 1.0],
        ),
    ],
)
def test_budgets_per_session_and_per_client(runs, expected):
    pacer = Pacer(session=SMALL.session, client=SMALL.client)
    assert waits(pacer, runs) == expected


def test_a_fast_member_is_never_made_to_wait():
    """Ten quick clicks, then a run every half second for a minute: within a session's budget."""
    pacer = Pacer()
    quick = [(0.1 * n, "member", CLIENT) for n in range(10)]
    steady = [(1.0 + 0.5 * n, "member", CLIENT) for n in range(120)]
    assert set(waits(pacer, quick + steady)) == {0}


def test_an_office_of_members_behind_one_address_is_not_made_to_wait():
    """Eight members behind one address, each running the page every three seconds for a minute."""
    pacer = Pacer()
    runs = sorted((3.0 * n + 0.37 * member, f"member-{member}", CLIENT) for n in range(20) for member in range(8))
    assert set(waits(pacer, runs)) == {0}


def test_a_flood_gets_the_budgets_rate_and_no_more():
    """Four sessions of one client asking every 5 ms for 20 s: the client's burst, then its rate."""
    pacer = Pacer()
    admitted = 0
    for tick in range(4000):
        now = tick * 0.005
        for session in ("s1", "s2", "s3", "s4"):
            if pacer.admit(session=session, client=CLIENT, now=now) == 0:
                admitted += 1
    assert admitted <= CLIENT_BUDGET.burst + CLIENT_BUDGET.rate * 20 + 1
    assert admitted >= CLIENT_BUDGET.rate * 20  # coalesced, not starved: the flood is still served at the rate


def test_the_budgets_leave_room_for_a_person():
    assert SESSION_BUDGET.burst >= 10 and SESSION_BUDGET.rate >= 1
    assert CLIENT_BUDGET.burst >= 2 * SESSION_BUDGET.burst and CLIENT_BUDGET.rate >= 2 * SESSION_BUDGET.rate


def test_memory_is_bounded_and_forgets_full_buckets_first():
    pacer = Pacer(session=Budget(burst=2, rate=1.0), client=Budget(burst=2, rate=1.0), max_tracked=100)
    pacer.admit(session="busy", client="ip:busy", now=999.0)
    pacer.admit(session="busy", client="ip:busy", now=999.0)
    for n in range(1000):
        pacer.admit(session=f"s{n}", client=f"ip:{n}", now=float(n))
    sessions, clients = pacer.tracked()
    assert sessions <= 100 and clients <= 100
    # Forgetting never gives a session that spent its budget a fresh one.
    assert pacer.admit(session="busy", client="ip:busy", now=999.0) > 0


def test_parallel_runs_of_one_session_get_exactly_its_burst():
    pacer = Pacer(session=Budget(burst=5, rate=0.001), client=Budget(burst=100, rate=1.0))
    barrier = threading.Barrier(20)
    outcomes: list[float] = []

    def run() -> None:
        barrier.wait()
        outcomes.append(pacer.admit(session="a", client=CLIENT, now=0.0))

    threads = [threading.Thread(target=run) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(0.0) == 5
