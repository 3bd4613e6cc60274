"""The published partner list, its versions and its change log — in the office's database, losing nothing.

Everything durable is in the office's database (:mod:`partner_directory.storage`:
SQLite by default, PostgreSQL for several machines), so an app server keeps
no state of its own: any process reads what any other published at its next
query. A publish is one write transaction — the content, the history record,
the change-log entry and the pointer to the current version commit together or
not at all — so a process killed half-way leaves the database as it was.

A publish based on a version that someone else has replaced in the meantime
is refused; publishes are serialised by the write transaction (SQLite's
``BEGIN IMMEDIATE``, a transaction-level advisory lock on PostgreSQL). Nothing
is ever deleted: restoring an old version publishes it again as a new version.
Each content is kept once (``publication_contents``, keyed by its id), however
often it is restored.

A list that was published before the directory kept history (the demo data, a
file copied in by hand, a file store carried over without history) is
current without a history record; the first publish after it records it as
``initial``, as the file store did.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from partner_directory.errors import DatabaseError, PublishConflictError, StoreLockedError, UnreadableFileError
from partner_directory.publication.version_id import content_version
from partner_directory.storage.database import Database, migrate, transaction_lock
from partner_directory.storage.migrations import MIGRATIONS

#: The advisory lock that serialises publishes on PostgreSQL ("BRP" in ASCII).
PUBLISH_LOCK = 0x425250
#: The name a published list has when it is read or downloaded (its format is told by this name).
PUBLISHED_NAME = "partners.csv"

_metadata = sa.MetaData()
contents = sa.Table(
    "publication_contents",
    _metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
versions_table = sa.Table(
    "publication_versions",
    _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("created", sa.String(40), nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("removed", sa.Integer, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("file", sa.String(200), nullable=False),
    sa.Column("previous", sa.String(64), nullable=False),
    sa.Column("restored_from", sa.Text, nullable=False),
)
change_log = sa.Table(
    "publication_log",
    _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry", sa.Text, nullable=False),
)
current_table = sa.Table(
    "publication_current",
    _metadata,
    sa.Column("key", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("record", sa.Integer, nullable=True),
    sa.Column("counter", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class Version:
    """One published version: id (content hash), when, who, what changed, and its name in the history.

    ``added``, ``changed`` and ``removed`` count offices against ``previous``,
    the version it replaced; ``rows`` is its number of offices;
    ``restored_from`` names the history file a restore brought back; ``file``
    is the version's name in the history (unique, also in downloads and the
    history page's widget keys).
    """

    id: str
    created: str
    author: str
    summary: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    rows: int = 0
    file: str = ""
    previous: str = ""
    restored_from: str = ""

    @property
    def created_at(self) -> dt.datetime:
        """When it was published, as an aware UTC datetime."""
        created = dt.datetime.fromisoformat(self.created)
        return created if created.tzinfo else created.replace(tzinfo=dt.UTC)


_FIELDS = [field.name for field in fields(Version)]


@dataclass(frozen=True)
class PublishedState:
    """What is published, in one cheap read: ``counter`` grows at every publish; ``version`` is ``None`` before any."""

    counter: int
    version: str | None


class Store:
    """The published list in ``database``, with its history and change log.

    Typical use: remember ``base = store.current_version()`` when a staff
    member starts working, then ``store.publish(data, author=…, base_version=base, summary=…)``.
    """

    def __init__(self, database: Database, *, lock_timeout: float = 10.0) -> None:
        self.database = database
        self.lock_timeout = lock_timeout
        self.name = PUBLISHED_NAME

    @classmethod
    def open(cls, url: str = "", *, lock_timeout: float = 10.0, **options: Any) -> Store:
        """Open the database at ``url`` (empty: the default SQLite file) and bring its schema up to date."""
        database = Database(url, **options)
        migrate(database, MIGRATIONS)
        return cls(database, lock_timeout=lock_timeout)

    # -- reading ---------------------------------------------------------------------------------

    def state(self) -> PublishedState:
        """The publish counter and the current version's id: one small query, for a check at every rerun."""
        with self.database.read() as connection:
            row = connection.execute(
                sa.select(current_table.c.counter, current_table.c.id).where(current_table.c.key == 1)
            ).first()
        return PublishedState(0, None) if row is None else PublishedState(int(row.counter), str(row.id))

    def read_published(self) -> bytes | None:
        """The published list's bytes, or ``None`` when nothing is published yet."""
        with self.database.read() as connection:
            return connection.execute(
                sa.select(contents.c.content)
                .select_from(current_table.join(contents, contents.c.id == current_table.c.id))
                .where(current_table.c.key == 1)
            ).scalar()

    def read_content(self, version_id: str) -> bytes | None:
        """The bytes of any content the store holds by its id (the current one too), or ``None``."""
        with self.database.read() as connection:
            return connection.execute(sa.select(contents.c.content).where(contents.c.id == version_id)).scalar()

    def current_version(self) -> str | None:
        """The id of the published version (``None`` when nothing is published)."""
        return self.state().version

    def current_record(self) -> Version | None:
        """The history entry of the published list (``None`` when it has none: published before the history).

        Exactly one entry is current even when a restore published the same content again.
        """
        with self.database.read() as connection:
            row = connection.execute(
                sa.select(*_version_columns())
                .select_from(current_table.join(versions_table, versions_table.c.seq == current_table.c.record))
                .where(current_table.c.key == 1)
            ).first()
        return None if row is None else Version(**row._asdict())

    def published_at(self) -> dt.datetime | None:
        """When the published list was published (from the history), or ``None``."""
        record = self.current_record()
        return None if record is None else record.created_at

    def versions(self) -> list[Version]:
        """Every recorded version, newest first."""
        with self.database.read() as connection:
            rows = connection.execute(
                sa.select(*_version_columns()).order_by(versions_table.c.created.desc(), versions_table.c.file.desc())
            ).all()
        return [Version(**row._asdict()) for row in rows]

    def read_version(self, version_id: str) -> bytes:
        """The bytes of a recorded version; raises ``UnreadableFileError`` for an unknown id."""
        with self.database.read() as connection:
            recorded = connection.execute(
                sa.select(versions_table.c.seq).where(versions_table.c.id == version_id).limit(1)
            ).first()
            data = connection.execute(sa.select(contents.c.content).where(contents.c.id == version_id)).scalar()
        if recorded is None or data is None:
            raise UnreadableFileError("no_version", version=version_id)
        return bytes(data)

    def change_log(self) -> list[dict[str, Any]]:
        """Every change-log entry, oldest first (one per version that went live, as it was written)."""
        with self.database.read() as connection:
            lines = connection.execute(sa.select(change_log.c.entry).order_by(change_log.c.seq)).scalars().all()
        return [json.loads(line) for line in lines]

    def export_files(self) -> dict[str, bytes]:
        """The store as the files a backup holds: ``partners.csv``, ``history/<file>.csv|.json``, ``history/changes.log``."""
        files: dict[str, bytes] = {}
        published = self.read_published()
        if published is not None:
            files[PUBLISHED_NAME] = bytes(published)
        for version in reversed(self.versions()):
            stem = version.file.removesuffix(".csv")
            files[f"history/{stem}.csv"] = self.read_version(version.id)
            files[f"history/{stem}.json"] = json.dumps(asdict(version), ensure_ascii=False).encode("utf-8")
        with self.database.read() as connection:
            lines = connection.execute(sa.select(change_log.c.entry).order_by(change_log.c.seq)).scalars().all()
        if lines:
            files["history/changes.log"] = "".join(line + "\n" for line in lines).encode("utf-8")
        return files

    # -- writing ---------------------------------------------------------------------------------

    def publish(
        self,
        data: bytes,
        *,
        author: str,
        base_version: str | None,
        summary: str,
        counts: tuple[int, int, int] = (0, 0, 0),
        rows: int = 0,
        base_rows: int = 0,
        restored_from: str = "",
    ) -> Version:
        """Publish ``data`` (the CSV bytes) as the new version, in one transaction.

        ``counts`` are ``(added, changed, removed)`` against the published
        version, ``rows`` the new version's offices, ``base_rows`` the
        published version's offices (recorded when that version enters the
        history for the first time).

        ``base_version`` is the version the author started from; if the
        published list is no longer that version, :class:`PublishConflictError`
        is raised and nothing changes. Raises :class:`StoreLockedError` when
        another publish holds the lock longer than the timeout, and
        ``DatabaseError`` when the database cannot be written; in both cases
        nothing changes.
        """
        try:
            with self.database.write() as connection:
                transaction_lock(connection, PUBLISH_LOCK, timeout=self.lock_timeout)
                return self.publish_in(
                    connection,
                    data,
                    author=author,
                    base_version=base_version,
                    summary=summary,
                    counts=counts,
                    rows=rows,
                    base_rows=base_rows,
                    restored_from=restored_from,
                )
        except DatabaseError as error:
            if _lock_timed_out(error):
                raise StoreLockedError("locked", seconds=f"{self.lock_timeout:g}") from error
            raise

    def repair(self) -> list[str]:
        """Nothing to repair: a publish is one transaction, so a crash leaves no half of it. Kept for callers."""
        return []

    def restore(
        self,
        version_id: str,
        *,
        author: str,
        base_version: str | None,
        counts: tuple[int, int, int] = (0, 0, 0),
        rows: int = 0,
        base_rows: int = 0,
        restored_from: str = "",
    ) -> Version:
        """Publish an old version again as a new version; every version stays in the history.

        The caller gives the true ``counts`` against the published version and
        ``rows`` (see :func:`partner_directory.publication.publishing.restore`).
        """
        data = self.read_version(version_id)
        return self.publish(
            data,
            author=author,
            base_version=base_version,
            summary=f"restore:{version_id}",
            counts=counts,
            rows=rows,
            base_rows=base_rows,
            restored_from=restored_from,
        )

    def publish_in(
        self,
        connection: Connection,
        data: bytes,
        *,
        author: str,
        base_version: str | None,
        summary: str,
        counts: tuple[int, int, int] = (0, 0, 0),
        rows: int = 0,
        base_rows: int = 0,
        restored_from: str = "",
        created: str = "",
    ) -> Version:
        """The publish's statements inside the caller's write transaction (which holds the publish lock)."""
        current = connection.execute(
            sa.select(current_table.c.id, current_table.c.record, current_table.c.counter).where(
                current_table.c.key == 1
            )
        ).first()
        current_id = None if current is None else str(current.id)
        if current_id != base_version:
            raise PublishConflictError("stale_publish")
        if current is not None and current.record is None:
            # Published before the directory kept history (demo data, a copy by hand). Against nothing,
            # each of its offices was added.
            initial = Version(
                id=current_id or "", created=_now(), author="—", summary="initial", added=base_rows, rows=base_rows
            )
            record_version(connection, initial)
        added, changed, removed = counts
        version = Version(
            id=content_version(data),
            created=created or _now(),
            author=author,
            summary=summary,
            added=added,
            changed=changed,
            removed=removed,
            rows=rows,
            previous=current_id or "",
            restored_from=restored_from,
        )
        keep_content(connection, version.id, data)
        version, seq = record_version(connection, version)
        set_current(connection, version.id, record=seq)
        return version


def keep_content(connection: Connection, version_id: str, data: bytes) -> None:
    """Keep ``data`` under its id, once."""
    found = connection.execute(sa.select(contents.c.id).where(contents.c.id == version_id)).first()
    if found is None:
        connection.execute(contents.insert().values(id=version_id, content=data))


def record_version(connection: Connection, version: Version, *, log: bool = True) -> tuple[Version, int]:
    """Add ``version`` to the history (named by its time and id) and, unless told not to, to the change log."""
    if not version.file:
        stem = f"{version.created.replace(':', '').replace('-', '')}-{version.id}"
        version = Version(**{**asdict(version), "file": f"{stem}.csv"})
    inserted = connection.execute(versions_table.insert().values(**asdict(version))).inserted_primary_key
    assert inserted is not None  # an insert into a table with an integer key always names the row
    seq = inserted[0]
    if log:
        append_log(connection, _log_entry(version))
    return version, int(seq)


def append_log(connection: Connection, entry: dict[str, Any]) -> None:
    """One change-log entry, as the file store wrote its line."""
    connection.execute(change_log.insert().values(entry=json.dumps(entry, ensure_ascii=False)))


def set_current(connection: Connection, version_id: str, *, record: int | None) -> None:
    """Make ``version_id`` (with its history record, or none) the published list, and count the change."""
    counter = connection.execute(sa.select(current_table.c.counter).where(current_table.c.key == 1)).scalar()
    if counter is None:
        connection.execute(current_table.insert().values(key=1, id=version_id, record=record, counter=1))
    else:
        connection.execute(
            current_table.update()
            .where(current_table.c.key == 1)
            .values(id=version_id, record=record, counter=int(counter) + 1)
        )


def _version_columns() -> list[sa.Column[Any]]:
    return [versions_table.c[name] for name in _FIELDS]


def _log_entry(version: Version) -> dict[str, Any]:
    return {k: v for k, v in asdict(version).items() if k != "file"}


def _lock_timed_out(error: DatabaseError) -> bool:
    cause = error.__cause__
    original = getattr(cause, "orig", cause)
    return getattr(original, "sqlstate", "") == "55P03" or "database is locked" in str(original)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
