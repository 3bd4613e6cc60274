"""The outbox: every message the app sends waits here, in the office's database, until a server accepted it.

A page only :func:`enqueue`\\ s (one quick insert), so sending never blocks a
page. A sender (any process) takes due messages with :func:`claim` — a lease,
so two processes never send one message together — and reports each with
:func:`mark_sent` or :func:`mark_failed`. A temporary failure is retried after
:func:`retry_delay`; a permanent one (the server refused the recipients, or
the attempts are spent) stays ``failed`` with the server's reason. What a page
shows is :func:`entries` for one record: queued, sent, or failed with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from partner_directory.mail.message import Mail, message_id, rendered
from partner_directory.storage.database import Database
from partner_directory.text import email_key

#: Where a message stands. ``queued`` also covers a message waiting for its next try after a temporary failure
#: (its ``last_error`` says why); ``failed`` is final.
STATUSES: tuple[str, ...] = ("queued", "sent", "failed")

#: A message is tried at most this many times (about a day and a half with :func:`retry_delay`).
MAX_ATTEMPTS = 12
#: How long a claimed message is held by one sender before another may take it (a sender that died mid-send).
LEASE = dt.timedelta(minutes=2)

metadata = sa.MetaData()
#: The outbox as ``storage.migrations`` step 4 leaves it.
outbox_table = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(250), nullable=False),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("record", sa.String(250), nullable=False),
    sa.Column("recipients", sa.Text, nullable=False),  # JSON list: the envelope
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
)


@dataclass(frozen=True)
class OutboxEntry:
    """One message in the outbox, as a page shows it."""

    id: int
    message_id: str
    purpose: str
    record: str
    recipients: tuple[str, ...]
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime


@dataclass(frozen=True)
class Claimed:
    """A message a sender holds: its envelope and bytes."""

    id: int
    recipients: tuple[str, ...]
    raw: bytes
    attempts: int


def retry_delay(attempts: int) -> dt.timedelta:
    """How long after its ``attempts``-th failed try a message is tried again: 1 minute doubled, at most 4 hours.

    >>> [int(retry_delay(n).total_seconds() // 60) for n in (1, 2, 3, 6, 9, 12)]
    [1, 2, 4, 32, 240, 240]
    """
    return min(dt.timedelta(hours=4), dt.timedelta(minutes=1) * 2 ** max(0, min(attempts - 1, 20)))


def enqueue(database: Database, mail: Mail, *, sender: str, sender_name: str = "", now: dt.datetime) -> OutboxEntry:
    """Put ``mail`` in the outbox as ``queued``, due at once; rendered now with a new ``Message-ID``."""
    msgid = message_id(sender.partition("@")[2])
    raw = rendered(mail, sender=sender, sender_name=sender_name, msgid=msgid)
    values = {
        "message_id": msgid,
        "purpose": mail.purpose,
        "record": mail.record,
        "recipients": json.dumps(list(mail.recipients)),
        "subject": mail.subject[:500],
        "raw": raw,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "last_error": "",
        "created_at": now,
        "sent_at": None,
    }
    with database.write() as connection:
        inserted = connection.execute(outbox_table.insert().values(**values)).inserted_primary_key
        new_id = inserted[0] if inserted else 0
    return _entry({**values, "id": new_id})


def claim(database: Database, *, now: dt.datetime, limit: int = 20) -> list[Claimed]:
    """Take up to ``limit`` due messages for sending, each leased for :data:`LEASE` so no other sender takes it."""
    table = outbox_table
    due = (
        sa.select(table.c.id, table.c.recipients, table.c.raw, table.c.attempts)
        .where(table.c.status == "queued", table.c.next_attempt_at <= now)
        .where(sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now))
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    with database.write() as connection:
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = connection.execute(due).all()
        if rows:
            connection.execute(
                table.update().where(table.c.id.in_([row.id for row in rows])).values(lease_until=now + LEASE)
            )
    return [Claimed(row.id, tuple(json.loads(row.recipients)), row.raw, row.attempts) for row in rows]


def mark_sent(database: Database, entry_id: int, *, now: dt.datetime) -> None:
    """The server accepted the message."""
    table = outbox_table
    with database.write() as connection:
        connection.execute(
            table.update()
            .where(table.c.id == entry_id)
            .values(status="sent", sent_at=now, lease_until=None, last_error="", attempts=table.c.attempts + 1)
        )


def mark_failed(database: Database, entry_id: int, reason: str, *, now: dt.datetime, permanent: bool = False) -> str:
    """A try failed with the server's ``reason``; returns the new status (``queued`` again, or ``failed``)."""
    table = outbox_table
    with database.write() as connection:
        attempts = connection.execute(sa.select(table.c.attempts).where(table.c.id == entry_id)).scalar_one() + 1
        status = "failed" if permanent or attempts >= MAX_ATTEMPTS else "queued"
        connection.execute(
            table.update()
            .where(table.c.id == entry_id)
            .values(
                status=status,
                attempts=attempts,
                last_error=reason[:2000],
                lease_until=None,
                next_attempt_at=now + retry_delay(attempts),
            )
        )
    return status


def retry_now(database: Database, entry_id: int, *, now: dt.datetime) -> None:
    """Staff asked to try a message again at once (a ``failed`` one too)."""
    table = outbox_table
    with database.write() as connection:
        connection.execute(
            table.update()
            .where(table.c.id == entry_id, table.c.status != "sent")
            .values(status="queued", next_attempt_at=now, lease_until=None)
        )


def entries(
    database: Database, *, record: str | None = None, purposes: Sequence[str] = (), limit: int = 200
) -> list[OutboxEntry]:
    """The newest messages first; only those about ``record`` and of ``purposes`` when given."""
    table = outbox_table
    query = sa.select(*(column for column in table.c if column.name != "raw")).order_by(table.c.id.desc()).limit(limit)
    if record is not None:
        query = query.where(table.c.record == record)
    if purposes:
        query = query.where(table.c.purpose.in_(list(purposes)))
    with database.read() as connection:
        return [_entry(row._mapping) for row in connection.execute(query)]


def erase(connection: sa.Connection, *, records: Sequence[str] = (), address_key: str = "") -> int:
    """Delete, in the caller's transaction, every message about ``records`` or sent to an address whose
    :func:`~partner_directory.text.email_key` is ``address_key``: a member's erasure leaves no copy of them here,
    and a message not yet sent is not sent. Returns how many were deleted.
    """
    table = outbox_table
    doomed: set[int] = set()
    if records:
        doomed |= {row.id for row in connection.execute(sa.select(table.c.id).where(table.c.record.in_(list(records))))}
    if address_key:
        for row in connection.execute(sa.select(table.c.id, table.c.recipients)):
            if any(email_key(address) == address_key for address in json.loads(row.recipients)):
                doomed.add(row.id)
    if doomed:
        connection.execute(table.delete().where(table.c.id.in_(sorted(doomed))))
    return len(doomed)


def message_bytes(database: Database, entry_id: int) -> bytes:
    """The message exactly as it is sent."""
    with database.read() as connection:
        return connection.execute(sa.select(outbox_table.c.raw).where(outbox_table.c.id == entry_id)).scalar_one()


def _entry(row: object) -> OutboxEntry:
    values = dict(row)  # type: ignore[call-overload]
    return OutboxEntry(
        id=values["id"],
        message_id=values["message_id"],
        purpose=values["purpose"],
        record=values["record"],
        recipients=tuple(json.loads(values["recipients"])),
        subject=values["subject"],
        status=values["status"],
        attempts=values["attempts"],
        last_error=values["last_error"],
        created_at=_aware(values["created_at"]),
        sent_at=_aware(values["sent_at"]) if values["sent_at"] else None,
        next_attempt_at=_aware(values["next_attempt_at"]),
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
