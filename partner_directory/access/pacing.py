"""How often one session, and one client, may run the page: a flood of reruns waits its turn, one run at a time.

A browser asks for a run when a member presses Enter, picks a filter, releases
a slider or clicks the map: a fast member makes a few runs in a second, then
reads. A client can also ask for hundreds a second over several websockets,
and each run that starts costs the process the page's work; four such
connections stalled a process for everyone else on it (issue 19).

So every run first asks :meth:`Pacer.admit` whether its session *and* its
client (the network address, shared by all of that client's connections) have
a run left in their budgets (a token bucket: ``burst`` runs at once, refilled
at ``rate`` runs a second). If not, the run waits -- without doing any work --
until one is left; a newer request of the same session ends the wait and takes
its place, so a flood is coalesced into the latest request, run at the budget's
pace. Nothing a member asked for is ever refused: it is run, at worst a little
later, and with the page's latest state.

The numbers leave a real member far inside the budget (ten runs at once, then
two a second for a session; a client -- an office behind one address -- twice
that), while a flood of one client costs the process a bounded share.
The machine itself (no address: a local browser, the tests) is not paced.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Budget:
    """``burst`` runs at once, then ``rate`` runs a second."""

    burst: float
    rate: float


#: One browser tab: a burst of clicks, then two runs a second for as long as it likes.
SESSION_BUDGET = Budget(burst=10, rate=2.0)
#: One network address, all of its tabs and connections together (an office may share one).
CLIENT_BUDGET = Budget(burst=20, rate=4.0)
#: How many sessions and clients are remembered; a full bucket is forgotten first (it equals a new one).
MAX_TRACKED = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class _Buckets:
    budget: Budget
    max_tracked: int
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def level(self, key: str, now: float) -> float:
        """Runs left for ``key`` at ``now`` (refilled since its last run)."""
        bucket = self.buckets.get(key)
        if bucket is None:
            return self.budget.burst
        elapsed = max(0.0, now - bucket.updated)
        return min(self.budget.burst, bucket.tokens + elapsed * self.budget.rate)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` has a whole run left (0 when it has one now)."""
        missing = 1.0 - self.level(key, now)
        return 0.0 if missing <= 0 else missing / self.budget.rate

    def take(self, key: str, now: float) -> None:
        tokens = self.level(key, now) - 1.0
        self.buckets.pop(key, None)
        self.buckets[key] = _Bucket(tokens, now)  # to the end: the table stays in order of last run
        if len(self.buckets) > self.max_tracked:
            self._forget(now)

    def _forget(self, now: float) -> None:
        full = [key for key in self.buckets if self.level(key, now) >= self.budget.burst]
        for key in full:
            del self.buckets[key]
        # Still too many: the ones that ran longest ago (they are at the start of the table).
        for key in list(self.buckets)[: max(0, len(self.buckets) - self.max_tracked)]:
            del self.buckets[key]


@dataclass
class Pacer:
    """The budgets of every session and client of one process.

    >>> pacer = Pacer(session=Budget(burst=2, rate=1.0), client=Budget(burst=3, rate=1.0))
    >>> [pacer.admit(session="a", client="ip:203.0.113.9", now=0.0) for _ in range(3)]
    [0.0, 0.0, 1.0]
    """

    session: Budget = SESSION_BUDGET
    client: Budget = CLIENT_BUDGET
    max_tracked: int = MAX_TRACKED
    _sessions: _Buckets = field(init=False)
    _clients: _Buckets = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._sessions = _Buckets(self.session, self.max_tracked)
        self._clients = _Buckets(self.client, self.max_tracked)

    def admit(self, *, session: str, client: str | None, now: float) -> float:
        """Whether a run of ``session`` from ``client`` may start at ``now`` (seconds, any monotonic clock).

        Returns ``0.0`` when it may (and counts the run against both budgets), else how many seconds
        to wait before asking again (nothing is counted). ``client`` is ``None`` for the machine itself,
        which is not paced.
        """
        if client is None:
            return 0.0
        with self._lock:
            wait = max(self._sessions.wait(session, now), self._clients.wait(client, now))
            if wait > 0:
                return wait
            self._sessions.take(session, now)
            self._clients.take(client, now)
            return 0.0

    def tracked(self) -> tuple[int, int]:
        """How many sessions and clients are remembered (each at most ``max_tracked``)."""
        with self._lock:
            return len(self._sessions.buckets), len(self._clients.buckets)
