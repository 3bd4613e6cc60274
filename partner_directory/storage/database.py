"""The office's database: one SQLAlchemy engine for SQLite or PostgreSQL, and versioned migrations.

The default is one SQLite file, ``data/visits.sqlite``, in WAL mode with a
busy timeout, so several Streamlit processes on one machine read while one
writes and a writer waits for another instead of failing. Every write
transaction starts with ``BEGIN IMMEDIATE`` on SQLite: it takes the write lock
at once, so two writers queue on the busy timeout rather than deadlock when a
read turns into a write. ``PARTNER_DIRECTORY_DATABASE_URL`` may point at
PostgreSQL (``postgresql://user:password@host/name``, driven by psycopg 3) for
deployments on several machines; the schema is the same SQLAlchemy Core
tables on both.

Schema changes are numbered :class:`Migration` steps recorded in the
``schema_version`` table; :func:`migrate` applies the missing ones in one
transaction under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so processes starting together migrate once, and a database
written by an earlier version opens and is brought up to date.

Erased personal data must not outlive its erasure in the files
(:meth:`Database.scrub`): SQLite runs with ``secure_delete`` (overwritten and
deleted content is zeroed, not left in free space) and its write-ahead log is
checkpointed and truncated after an erasure; PostgreSQL rewrites the table
(``VACUUM FULL``) and checkpoints. Statement parameters never reach a log or an
error message (``hide_parameters``), since they hold what members typed.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from partner_directory.config import PROJECT_ROOT, Settings
from partner_directory.errors import ConfigurationError, DatabaseError, PartnerDirectoryError

log = logging.getLogger(__name__)

#: Where the database lives when ``PARTNER_DIRECTORY_DATABASE_URL`` is not set.
DEFAULT_SQLITE_FILE = PROJECT_ROOT / "data" / "visits.sqlite"
#: Seconds a writer waits for another writer (SQLite's busy timeout, PostgreSQL's lock timeout).
BUSY_TIMEOUT = 30.0
#: The advisory lock key that serialises migrations on PostgreSQL ("BRA" in ASCII).
_MIGRATION_LOCK = 0x425241

schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def database_url(raw: str = "") -> URL:
    """The SQLAlchemy URL for a ``PARTNER_DIRECTORY_DATABASE_URL`` value (empty: the default SQLite file).

    (``Settings`` fills an empty value with the SQLite file beside the data file.)

    A relative SQLite path is taken from the project folder, like the other
    paths in the settings; ``postgresql://`` and ``postgres://`` use psycopg 3.
    Raises ``ConfigurationError`` for anything else.

    >>> database_url("postgresql://bra@db.example.org/bra").drivername
    'postgresql+psycopg'
    >>> database_url("sqlite:///data/test.sqlite").database.endswith("data/test.sqlite")
    True
    """
    raw = raw.strip()
    if not raw:
        return URL.create("sqlite", database=str(DEFAULT_SQLITE_FILE))
    try:
        url = make_url(raw)
    except (sa.exc.ArgumentError, ValueError):
        raise ConfigurationError("config_database_url", value=_hide_password(raw)) from None
    backend = url.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.drivername in {"sqlite", "sqlite+pysqlite"}:
        if not url.database or url.database == ":memory:":
            raise ConfigurationError("config_database_url", value=raw)  # each connection would see its own database
        path = Path(url.database).expanduser()
        return url.set(database=str(path if path.is_absolute() else PROJECT_ROOT / path))
    raise ConfigurationError("config_database_url", value=_hide_password(raw))


def office_database_url(settings: Settings) -> str:
    """The office's database for these settings (``Settings`` fills an empty URL: SQLite beside the data file)."""
    return database_url(settings.database_url).render_as_string(hide_password=False)


def _hide_password(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: it holds no password we could find either
        return raw.split("@")[-1]


@dataclass(frozen=True)
class Migration:
    """One numbered schema change; ``apply`` runs inside the migration's transaction."""

    version: int
    description: str
    apply: Callable[[Connection], None]


class Database:
    """An engine with two kinds of transaction: :meth:`write` and :meth:`read`.

    Every database failure (unreachable server, a lock held past the timeout,
    a full disk) is raised as ``DatabaseError`` with a sentence for people; the
    details go to the log.
    """

    def __init__(self, url: URL | str, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.url = url if isinstance(url, URL) else database_url(url)
        self.busy_timeout = busy_timeout
        self.engine = _engine(self.url, busy_timeout=busy_timeout)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self._errors(), self.engine.execution_options(bra_write=True).begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read-only transaction: a consistent snapshot for the block."""
        with self._errors(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except PartnerDirectoryError:
            raise
        except (sa.exc.DBAPIError, sa.exc.OperationalError, OSError) as error:
            log.error("database %s failed: %s", self.describe(), error)
            raise DatabaseError("database_unavailable") from error

    def describe(self) -> str:
        """The URL without its password, for logs and the staff page."""
        return self.url.render_as_string(hide_password=True)

    def scrub(self, tables: Sequence[str]) -> bool:
        """Remove what was overwritten or deleted in ``tables`` from the database's files; return whether it all went.

        Called after an erasure has been committed. On SQLite, ``secure_delete``
        has already zeroed the old content in the pages, and the old pages still
        in the write-ahead log go with ``wal_checkpoint(TRUNCATE)``. On
        PostgreSQL an ``UPDATE`` leaves the old row in the table file until it
        is rewritten, so ``VACUUM FULL`` rewrites ``tables`` and ``CHECKPOINT``
        flushes them; the server's own write-ahead log (``pg_wal``) keeps the old
        rows until its segments are reused (see the README's section on erasure).

        Returns ``False``, and logs why (never what), when a reader kept the log
        from being emptied or the database user may not vacuum or checkpoint;
        the erasure itself stands. Raises ``DatabaseError`` when the database
        cannot be reached.
        """
        with self._errors():
            if self.url.get_backend_name() == "sqlite":
                return self._scrub_sqlite()
            return self._scrub_postgresql(tables)

    def _scrub_sqlite(self) -> bool:
        raw = self.engine.raw_connection()
        try:
            # On the driver's own connection: SQLAlchemy would open a transaction, inside which no checkpoint runs.
            driver = raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            busy, _frames, _copied = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        if busy:
            log.warning("database %s: a reader kept the write-ahead log from being emptied", self.describe())
        return not busy

    def _scrub_postgresql(self, tables: Sequence[str]) -> bool:
        done = True
        owned = sa.text("SELECT pg_has_role(relowner, 'MEMBER') FROM pg_class WHERE oid = to_regclass(:table)")
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            statements = []
            for table in tables:
                # VACUUM skips a table it may not vacuum with a mere notice; say so instead of counting it done.
                if not connection.execute(owned, {"table": table}).scalar():
                    log.warning("database %s: the table %s is not ours to rewrite", self.describe(), table)
                    done = False
                    continue
                statements.append(f"VACUUM FULL {connection.dialect.identifier_preparer.quote(table)}")
            for statement in [*statements, "CHECKPOINT"]:
                try:
                    connection.exec_driver_sql(statement)
                except sa.exc.ProgrammingError as error:  # no right to checkpoint (pg_checkpoint, PostgreSQL 15)
                    log.warning("database %s: %s refused: %s", self.describe(), statement, error.orig)
                    done = False
        return done

    def dispose(self) -> None:
        """Close every pooled connection (a restart, or the end of a test)."""
        self.engine.dispose()


def _engine(url: URL, *, busy_timeout: float) -> Engine:
    if url.get_backend_name() == "sqlite":
        assert url.database is not None  # database_url refuses an SQLite URL without a file
        try:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.error("database folder for %s cannot be made: %s", url.database, error)
            raise DatabaseError("database_unavailable") from error
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout}, hide_parameters=True)
        _sqlite_pragmas(engine, busy_timeout=busy_timeout)
        return engine
    milliseconds = int(busy_timeout * 1000)
    return sa.create_engine(
        url,
        pool_pre_ping=True,  # a restarted server: reconnect instead of failing the next click
        hide_parameters=True,  # parameters hold what members typed: never in a log or an error
        connect_args={"connect_timeout": max(1, int(busy_timeout)), "options": f"-c lock_timeout={milliseconds}"},
    )


def _sqlite_pragmas(engine: Engine, *, busy_timeout: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: object, _record: object) -> None:
        # pysqlite's own transaction handling starts transactions late and never IMMEDIATE; take it over.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        _write_ahead_log(cursor, busy_timeout=busy_timeout)
        cursor.execute("PRAGMA synchronous = FULL")  # a committed visit survives a power cut too
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA secure_delete = ON")  # erased data is zeroed in the file, not left in free space
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("bra_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _write_ahead_log(cursor: sqlite3.Cursor, *, busy_timeout: float) -> None:
    """Switch the file to write-ahead logging (readers never block the writer, nor it them).

    The mode is kept in the file, so only the first connection ever changes it.
    That change needs the file to itself, and SQLite answers "database is
    locked" at once, without its busy handler, while another process is doing
    the same on a new file; so it is tried again until ``busy_timeout``.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.01
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def current_version(database: Database) -> int:
    """The schema version the database is at (0 when it is new)."""
    with database.read() as connection:
        if not sa.inspect(connection).has_table(schema_version.name):
            return 0
        return int(connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(database: Database, migrations: Sequence[Migration], *, target: int | None = None) -> int:
    """Apply the migrations the database lacks, up to ``target`` (default: all); return the version reached.

    Runs in one write transaction under a lock, so concurrent starts migrate
    once. Each step is applied when its number is not yet recorded, in order,
    so numbers may leave gaps that a later program fills (steps written on
    parallel branches). Raises ``DatabaseError`` when the database is newer
    than this program (it was opened by a later version; refusing is safer
    than guessing).
    """
    ordered = sorted(migrations, key=lambda m: m.version)
    numbers = [m.version for m in ordered]
    if len(set(numbers)) != len(numbers) or any(number < 1 for number in numbers):
        raise ValueError("migrations must have distinct numbers from 1 up")
    latest = ordered[-1].version if ordered else 0
    target = latest if target is None else target
    with database.write() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        schema_version.create(connection, checkfirst=True)
        applied = {int(number) for number in connection.execute(sa.select(schema_version.c.version)).scalars()}
        if applied and max(applied) > latest:
            raise DatabaseError("database_newer", found=max(applied), known=latest)
        for migration in ordered:
            if migration.version not in applied and migration.version <= target:
                log.info("database: migration %d, %s", migration.version, migration.description)
                migration.apply(connection)
                connection.execute(
                    schema_version.insert().values(
                        version=migration.version, description=migration.description, applied_at=utc_now()
                    )
                )
                applied.add(migration.version)
    return max((number for number in applied if number <= target), default=0)


def transaction_lock(connection: Connection, key: int, *, timeout: float | None = None) -> None:
    """Take the lock ``key`` until ``connection``'s write transaction ends; wait at most ``timeout`` seconds.

    On SQLite the write transaction (``BEGIN IMMEDIATE``) already excludes every
    other writer, so there is nothing more to take. On PostgreSQL it is a
    transaction-level advisory lock; a wait past ``timeout`` fails the
    statement (SQLSTATE 55P03, raised as ``DatabaseError``).
    """
    if connection.dialect.name != "postgresql":
        return
    if timeout is not None:
        connection.execute(sa.text(f"SET LOCAL lock_timeout = {max(1, int(timeout * 1000))}"))
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def utc_now() -> dt.datetime:
    """The current time in UTC, as every timestamp in the database is stored."""
    return dt.datetime.now(dt.UTC)
