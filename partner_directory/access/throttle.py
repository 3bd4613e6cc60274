"""The one throttle of failed sign-ins (staff password and members' access code): per client, one check per window.

Keyed by the client -- its network address, as ``dashboard.signin.client_key``
names it -- for every question: the attempt, and how long the client must
still wait, so the wait a sign-in states is the real wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Client:
    failures: int = 0
    next_allowed: float = 0.0
    busy: bool = False


@dataclass
class Throttle:
    """Slows down failed sign-ins per client: at most one password check per back-off window.

    Keyed by the client (its network address, see ``dashboard.signin.client_key``):
    after each failure that client's next check waits longer (``base_delay``,
    doubled each time, at most ``max_delay``), and while one of its checks is
    running every other attempt of that client is refused at once — the wait
    is decided *before* the password is checked, atomically, so guesses sent
    together are not all checked. A flood from one address never slows down
    anyone else; the table of clients is bounded (``max_clients``, the oldest
    expired entries go first), so a flood from many addresses costs bounded
    memory and still refuses no one who has not failed; at most
    ``concurrent_checks`` password checks run at once (they queue, never refuse),
    which bounds the CPU scrypt may take. A failed attempt also costs its client
    ``failure_pause`` seconds (holding no check slot) before its window starts.

    Shared by all sessions of a process, so opening a new browser tab does not reset it.
    ``clock`` is the time windows are measured in (seconds); a test may give its own,
    so that what it asserts does not depend on how fast the machine is.
    """

    base_delay: float = 1.0
    max_delay: float = 30.0
    max_clients: int = 10_000
    concurrent_checks: int = 2
    failure_pause: float = 0.0
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Client] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checks: threading.Semaphore | None = None

    def __post_init__(self) -> None:
        self._checks = threading.Semaphore(self.concurrent_checks)

    def attempt(self, key: str, check: Callable[[], bool], *, now: float | None = None) -> str:
        """Run ``check()`` (the password check) if ``key`` may try now.

        Returns ``"ok"`` (checked, right), ``"wrong"`` (checked, wrong; the
        back-off grows) or ``"wait"`` (not checked: in the back-off window, or
        another attempt of the same client is being checked right now).
        """
        clock = self.clock if now is None else (lambda: now)
        with self._lock:
            client = self._clients.get(key)
            if client is not None and (client.busy or clock() < client.next_allowed):
                return "wait"
            if client is None:
                self._make_room(clock())
                client = self._clients[key] = _Client()
            client.busy = True
        try:
            assert self._checks is not None
            with self._checks:
                right = check()
            if not right and self.failure_pause and now is None:
                # Every failure costs the guesser time, even the first: the client stays busy meanwhile
                # (its other attempts are refused), no check slot is held, and its window starts after.
                time.sleep(self.failure_pause)
        except BaseException:
            with self._lock:
                client.busy = False
            raise
        with self._lock:
            client.busy = False
            if right:
                self._clients.pop(key, None)
                return "ok"
            client.failures += 1
            client.next_allowed = clock() + min(self.max_delay, self.base_delay * 2 ** (client.failures - 1))
            self._clients.pop(key, None)
            self._clients[key] = client  # to the end: the table stays in order of last failure
        return "wrong"

    def _make_room(self, now: float) -> None:
        if len(self._clients) < self.max_clients:
            return
        # Forget clients whose window is over first (they may try again anyway), then the oldest idle ones.
        for key in [k for k, c in self._clients.items() if not c.busy and c.next_allowed <= now]:
            del self._clients[key]
        if len(self._clients) < self.max_clients:
            return
        # The table is in order of last failure (see attempt), so the first idle entries are the oldest.
        idle = (k for k, c in self._clients.items() if not c.busy)
        surplus = len(self._clients) - self.max_clients + max(1, self.max_clients // 10)  # room for a while
        for key in [k for _, k in zip(range(max(surplus, 0)), idle, strict=False)]:
            del self._clients[key]

    def tracked_clients(self) -> int:
        """How many clients are remembered (bounded by ``max_clients``)."""
        with self._lock:
            return len(self._clients)

    def wait_seconds(self, key: str, *, now: float | None = None) -> float:
        """How long ``key`` must still wait before its next check."""
        now = self.clock() if now is None else now
        with self._lock:
            client = self._clients.get(key)
            return 0.0 if client is None else max(0.0, client.next_allowed - now)

    def failed(self, key: str, *, now: float | None = None) -> None:
        """Count a failure of ``key`` that was checked elsewhere (e.g. an identity provider's refusal)."""
        now = self.clock() if now is None else now
        with self._lock:
            client = self._clients.setdefault(key, _Client())
            client.failures += 1
            client.next_allowed = now + min(self.max_delay, self.base_delay * 2 ** (client.failures - 1))

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._clients.pop(key, None)
