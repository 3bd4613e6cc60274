"""The one throttle of failed sign-ins (staff password and members' access code), kept in the office's database.

Two limits, decided together in one transaction before a password is checked:

- **per client** (its network address, or one agent-API session, as
  ``dashboard.signin.client_key`` names it): one check at a time, and after
  each failure a window of ``base_delay`` seconds, doubled each time, at most
  ``max_delay``;
- **per account** (the staff password, the members' access code): on average
  one check every ``account_interval`` seconds, shared by every client,
  so many addresses cannot each get a free guess.

The state lives in the database (the visits register's: an SQLite file by
default, PostgreSQL when configured), so every process and every machine of a
deployment sees the same windows, and guesses sent in parallel to several
processes are counted once each. The wait a refusal states is the real wait.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

#: The throttle's table as the latest migration leaves it (``storage.migrations`` creates it, step 3).
#: One row per client (``client:…``) and per account (``account:…``); times are seconds of the throttle's clock.
metadata = sa.MetaData()
throttle_table = sa.Table(
    "sign_in_throttle",
    metadata,
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("next_allowed", sa.Float, nullable=False),  # a client: its window ends; an account: its next slot
    sa.Column("busy_until", sa.Float, nullable=False),  # a client's check is running until then (a lease)
    sa.Column("last_seen", sa.Float, nullable=False),
)

Outcome = str  # "ok", "wrong" or "wait"


class Transactions(Protocol):
    """Where the throttle keeps its state: ``partner_directory.storage.database.Database`` is one."""

    def write(self) -> AbstractContextManager[Connection]: ...

    def read(self) -> AbstractContextManager[Connection]: ...


@dataclass(frozen=True)
class _Row:
    failures: int
    next_allowed: float
    busy_until: float


_NEW = _Row(0, 0.0, 0.0)


def stored_key(kind: str, name: str) -> str:
    """The row's key for a client or an account; a long name is hashed, so any text fits the column.

    >>> stored_key("client", "ip:192.0.2.1")
    'client:ip:192.0.2.1'
    """
    if len(name) > 200:
        name = "sha256:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{name}"


def account_slack(failures: int, *, interval: float, burst: int) -> float:
    """How far ahead of now an account's next slot may be for a client with ``failures`` to be let through.

    Fewer failures, more slack: a client that has failed less than every other
    client checking is never held by the account limit (see :class:`Throttle`).

    >>> [account_slack(f, interval=2.0, burst=3) for f in range(5)]
    [6.0, 4.0, 2.0, 0.0, 0.0]
    """
    return interval * max(0, burst - failures)


def back_off(failures: int, *, base_delay: float, max_delay: float) -> float:
    """A client's window after its ``failures``-th failure in a row: ``base_delay`` doubled each time, capped.

    >>> [back_off(f, base_delay=1.0, max_delay=30.0) for f in (1, 2, 3, 5, 6, 40)]
    [1.0, 2.0, 4.0, 16.0, 30.0, 30.0]
    """
    return min(max_delay, base_delay * 2 ** min(max(failures - 1, 0), 64))


class Throttle:
    """Slows down failed sign-ins per client and per account, in state every process shares.

    ``attempt(client, check, account=…)`` decides *before* the password is
    checked, in one database transaction (``BEGIN IMMEDIATE`` on SQLite, row
    locks on PostgreSQL), whether this check may run now; so guesses sent
    together, to one process or to several, are not all checked.

    Per client: while one of its checks runs, every other attempt of that
    client is refused at once; after a failure it waits ``failure_pause``
    seconds (holding no check slot), then a window of ``base_delay``,
    2 × ``base_delay`` … at most ``max_delay`` seconds. A success forgets the
    client; so does ``forget_after`` seconds after its window ended (its row
    is deleted when the next new client comes). The table of
    clients is bounded (``max_clients``; clients whose window is over go first,
    then the longest idle), so a flood from many addresses costs bounded space.

    Per account: a check takes the account's next slot, ``account_interval``
    seconds after the previous one (a virtual schedule, GCRA). A client with
    ``f`` recent failures may take a slot that is at most
    ``account_interval × (account_burst − f)`` seconds ahead of now. Hence:

    - **the rate is bounded**: in any ``T`` seconds an account gets at most
      ``T / account_interval + account_burst + 1`` checks, whatever the number
      of clients, processes or machines;
    - **fewer failures go first**: a client with fewer than ``account_burst``
      recent failures is never held by the account limit because of clients
      that have failed more often than it has. An attacker whose addresses
      have each failed once cannot delay staff who have not failed; while the
      attacker still has fresh addresses (as fresh as the staff member's),
      the staff member waits at most ``account_interval`` per fresh address
      beyond the first ``account_burst + 1``;
    - clients that cost nothing to make anew (each agent-API session is one)
      form a ``group``, whose failures count for each of its members' place
      in the schedule: a new session per guess gains no priority;
    - nothing locks: every refusal states a wait, and that wait is real.

    At most ``concurrent_checks`` password checks run at once in one process
    (they queue, never refuse), which bounds the CPU scrypt may take.
    ``clock`` gives seconds shared by every process (the wall clock by
    default: machines sharing a PostgreSQL database keep their clocks
    synchronised; a skew of ``s`` seconds adds at most ``s / account_interval``
    checks to the bound above); a test may give its own, or ``now=``, so
    that what it asserts does not depend on how fast the machine is.
    """

    def __init__(
        self,
        store: Transactions,
        *,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        failure_pause: float = 0.0,
        account_interval: float = 2.0,
        account_burst: int = 10,
        forget_after: float = 900.0,
        max_clients: int = 10_000,
        concurrent_checks: int = 2,
        lease: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.failure_pause = failure_pause
        self.account_interval = account_interval
        self.account_burst = account_burst
        self.forget_after = forget_after
        self.max_clients = max_clients
        self.lease = lease  # a process that died during a check frees its client after this
        self.clock = clock
        self._checks = threading.Semaphore(concurrent_checks)

    # -- the decision -----------------------------------------------------------------------------------

    def attempt(
        self,
        client: str,
        check: Callable[[], bool],
        *,
        account: str = "sign-in",
        group: str | None = None,
        now: float | None = None,
    ) -> Outcome:
        """Run ``check()`` (the password check) if ``client`` may try ``account`` now.

        Returns ``"ok"`` (checked, right; the client is forgotten), ``"wrong"``
        (checked, wrong; its window grows) or ``"wait"`` (not checked: in the
        client's window, another attempt of the client is being checked, or the
        account's next slot is too far ahead for this client). Raises whatever
        the store raises (``DatabaseError``): no check without a decision.

        ``group`` names clients that cost nothing to make anew (agent-API
        sessions): each keeps its own window, but its place in the account's
        schedule counts the failures of its whole group, so a new session per
        guess never comes with the priority of a client that has not failed.
        """
        moment = self.clock() if now is None else now
        client_key, account_key = stored_key("client", client), stored_key("account", account)
        group_key = stored_key("group", group) if group else None
        if not self._claim(client_key, account_key, group_key, moment):
            return "wait"
        try:
            with self._checks:
                right = check()
            if not right and self.failure_pause and now is None:
                # Every failure costs the guesser time, even the first: the client stays busy meanwhile
                # (its other attempts are refused), no check slot is held, and its window starts after.
                time.sleep(self.failure_pause)
        except BaseException:
            with self.store.write() as connection:
                connection.execute(
                    throttle_table.update().where(throttle_table.c.key == client_key).values(busy_until=0.0)
                )
            raise
        moment = self.clock() if now is None else now
        with self.store.write() as connection:
            if right:
                connection.execute(throttle_table.delete().where(throttle_table.c.key == client_key))
                # A right password is no guess: its slot goes back to the account, so that an office whose
                # staff sign in together, or one person signing in again and again, is never held by the limit.
                connection.execute(
                    throttle_table.update()
                    .where(throttle_table.c.key == account_key)
                    .values(next_allowed=throttle_table.c.next_allowed - self.account_interval)
                )
                return "ok"
            if group_key is not None:
                self._ensure(connection, group_key, moment)
            rows = self._locked(connection, [client_key] if group_key is None else [client_key, group_key])
            failures = self._recent_failures(rows[client_key], moment) + 1
            next_allowed = moment + back_off(failures, base_delay=self.base_delay, max_delay=self.max_delay)
            connection.execute(
                throttle_table.update()
                .where(throttle_table.c.key == client_key)
                .values(failures=failures, next_allowed=next_allowed, busy_until=0.0, last_seen=moment)
            )
            if group_key is not None:  # a group's "window" is the moment of its last failure
                group_failures = self._recent_failures(rows[group_key], moment) + 1
                connection.execute(
                    throttle_table.update()
                    .where(throttle_table.c.key == group_key)
                    .values(failures=group_failures, next_allowed=moment, last_seen=moment)
                )
        return "wrong"

    def _claim(self, client_key: str, account_key: str, group_key: str | None, now: float) -> bool:
        """In one transaction: may the client check now? If so, mark it busy and take the account's slot.

        A refusal that a read already shows is made without the write lock, so a
        flood of refused guesses never queues the register's writers behind it.
        """
        keys = [client_key, account_key] if group_key is None else [client_key, account_key, group_key]
        with self.store.read() as connection:
            seen = self._rows(connection, keys)
        group = seen.get(group_key or "", _NEW)
        if self._refused(seen.get(client_key, _NEW), seen.get(account_key, _NEW), group, now):
            return False
        with self.store.write() as connection:
            created = self._ensure(connection, client_key, now)
            self._ensure(connection, account_key, now)
            rows = self._locked(connection, keys)
            client, account, group = rows[client_key], rows[account_key], rows.get(group_key or "", _NEW)
            if self._refused(client, account, group, now):
                return False
            failures = self._recent_failures(client, now)
            connection.execute(
                throttle_table.update()
                .where(throttle_table.c.key == account_key)
                .values(next_allowed=max(account.next_allowed, now) + self.account_interval, last_seen=now)
            )
            connection.execute(
                throttle_table.update()
                .where(throttle_table.c.key == client_key)
                .values(failures=failures, busy_until=now + self.lease, last_seen=now)
            )
            if created:
                self._make_room(connection, now, keep=client_key)
        return True

    def _refused(self, client: _Row, account: _Row, group: _Row, now: float) -> bool:
        """Whether a check now is refused: the client is busy or in its window, or the account's slot is too far."""
        if client.busy_until > now or now < client.next_allowed:
            return True
        return account.next_allowed > now + self._slack(client, group, now)

    def _slack(self, client: _Row, group: _Row, now: float) -> float:
        failures = max(self._recent_failures(client, now), self._recent_failures(group, now))
        return account_slack(failures, interval=self.account_interval, burst=self.account_burst)

    def _recent_failures(self, row: _Row, now: float) -> int:
        """The client's failures in a row, or 0 once ``forget_after`` seconds have passed since its window ended."""
        return row.failures if now < row.next_allowed + self.forget_after else 0

    # -- questions --------------------------------------------------------------------------------------

    def wait_seconds(
        self, client: str, *, account: str = "sign-in", group: str | None = None, now: float | None = None
    ) -> float:
        """How long ``client`` must still wait before its next check of ``account`` (0 when it may try now).

        The later of the client's own window and the account's next slot as far
        as this client's slack reaches: the wait a refusal states is the real one.
        """
        now = self.clock() if now is None else now
        client_key, account_key = stored_key("client", client), stored_key("account", account)
        group_key = stored_key("group", group) if group else ""
        with self.store.read() as connection:
            rows = self._rows(connection, [client_key, account_key, group_key])
        client_row, account_row = rows.get(client_key, _NEW), rows.get(account_key, _NEW)
        # A check of this client in flight (busy) is not counted: it ends within a second, and how long the
        # client then waits depends on its outcome; the page says "1 s" at least.
        own = max(0.0, client_row.next_allowed - now)
        shared = max(0.0, account_row.next_allowed - self._slack(client_row, rows.get(group_key, _NEW), now) - now)
        return max(own, shared)

    def tracked_clients(self) -> int:
        """How many clients are remembered (bounded by ``max_clients``)."""
        with self.store.read() as connection:
            count = connection.execute(
                sa.select(sa.func.count()).select_from(throttle_table).where(throttle_table.c.key.like("client:%"))
            ).scalar()
        return int(count or 0)

    # -- the table --------------------------------------------------------------------------------------

    @staticmethod
    def _ensure(connection: Connection, key: str, now: float) -> bool:
        """Insert the row for ``key`` unless it is there (also when another process inserts it at the same time)."""
        values = {"key": key, "failures": 0, "next_allowed": 0.0, "busy_until": 0.0, "last_seen": now}
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        return bool(connection.execute(insert(throttle_table).values(values).on_conflict_do_nothing()).rowcount)

    @staticmethod
    def _rows(connection: Connection, keys: list[str], *, lock: bool = False) -> dict[str, _Row]:
        query = (
            sa.select(
                throttle_table.c.key,
                throttle_table.c.failures,
                throttle_table.c.next_allowed,
                throttle_table.c.busy_until,
            )
            .where(throttle_table.c.key.in_(sorted(keys)))
            .order_by(throttle_table.c.key)  # the same order in every transaction: no deadlock between two
        )
        if lock:
            query = query.with_for_update()  # PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the file
        return {
            key: _Row(int(failures), float(next_allowed), float(busy_until))
            for key, failures, next_allowed, busy_until in connection.execute(query)
        }

    def _locked(self, connection: Connection, keys: list[str]) -> dict[str, _Row]:
        rows = self._rows(connection, keys, lock=True)
        return {key: rows.get(key, _NEW) for key in keys}

    def _make_room(self, connection: Connection, now: float, *, keep: str) -> None:
        """Forget clients that count as new anyway; keep at most ``max_clients``: windows over first, then the idlest.

        A client's address is personal data: it is kept no longer than it matters.
        """
        clients = throttle_table.c.key.like("client:%")
        stale = now - self.forget_after - self.max_delay  # since then its window has ended and been forgotten
        connection.execute(
            throttle_table.delete().where(
                clients, throttle_table.c.last_seen < stale, throttle_table.c.busy_until <= now
            )
        )
        counting = sa.select(sa.func.count()).select_from(throttle_table).where(clients)
        count = int(connection.execute(counting).scalar() or 0)
        if count <= self.max_clients:
            return
        idle = sa.and_(clients, throttle_table.c.key != keep, throttle_table.c.busy_until <= now)
        connection.execute(throttle_table.delete().where(idle, throttle_table.c.next_allowed <= now))
        count = int(connection.execute(counting).scalar() or 0)
        surplus = count - self.max_clients + max(1, self.max_clients // 10)  # room for a while
        if count <= self.max_clients or surplus <= 0:
            return
        oldest = sa.select(throttle_table.c.key).where(idle).order_by(throttle_table.c.last_seen).limit(surplus)
        connection.execute(throttle_table.delete().where(throttle_table.c.key.in_(oldest.scalar_subquery())))


def checks_bound(seconds: float, *, interval: float, burst: int) -> int:
    """The most checks one account can get in ``seconds``, however many clients and processes ask.

    >>> checks_bound(60, interval=2.0, burst=10)
    41
    """
    return math.floor(seconds / interval) + burst + 1
