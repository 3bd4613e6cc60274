"""The office's database migrations: each step creates exactly what that version of the database had.

A step that has shipped is never edited; a change to the tables is a new step at
the end. :mod:`~partner_directory.visits.register` keeps the tables as the latest
step leaves them, for reading and writing; :func:`~partner_directory.storage.database.migrate`
runs the steps a database has not had yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from partner_directory.storage.database import Migration


def _create_visits(connection: Connection) -> None:
    version_1 = sa.MetaData()
    table = sa.Table(
        "visits",
        version_1,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("member_company", sa.String(300), nullable=False),
        sa.Column("member_name", sa.String(200), nullable=False),
        sa.Column("member_email", sa.String(320), nullable=False),
        sa.Column("partner_id", sa.String(200), nullable=False),
        sa.Column("partner_name", sa.String(300), nullable=False),
        sa.Column("office_name", sa.String(300), nullable=False),
        sa.Column("city", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("people", sa.Integer, nullable=False),
        sa.Column("services", sa.String(200), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("planned_days", sa.Integer, nullable=False),
        sa.Column("actual_days", sa.Integer, nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    table.create(connection)
    for column in ("start_date", "partner_name", "member_company", "status"):
        sa.Index(f"visits_{column}", table.c[column]).create(connection)


def _add_events_and_erasure(connection: Connection) -> None:
    timestamp = sa.DateTime(timezone=True).compile(dialect=connection.dialect)
    connection.execute(sa.text(f"ALTER TABLE visits ADD COLUMN erased_at {timestamp}"))
    version_2 = sa.MetaData()
    sa.Table("visits", version_2, sa.Column("id", sa.Integer, primary_key=True))
    events = sa.Table(
        "visit_events",
        version_2,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("old_value", sa.String(200), nullable=False),
        sa.Column("new_value", sa.String(200), nullable=False),
    )
    events.create(connection)
    sa.Index("visit_events_visit", events.c.visit_id).create(connection)


def _add_sign_in_throttle(connection: Connection) -> None:
    # The throttle of sign-ins (partner_directory.access.throttle) keeps its state here, where every process sees it.
    version_3 = sa.MetaData()
    table = sa.Table(
        "sign_in_throttle",
        version_3,
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_allowed", sa.Float, nullable=False),
        sa.Column("busy_until", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
    )
    table.create(connection)
    sa.Index("sign_in_throttle_last_seen", table.c.last_seen).create(connection)


def _add_mail_outbox(connection: Connection) -> None:
    # Every message the app sends waits here until a server accepted it (partner_directory.mail.outbox).
    version_4 = sa.MetaData()
    timestamp = sa.DateTime(timezone=True)
    table = sa.Table(
        "mail_outbox",
        version_4,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("record", sa.String(250), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", timestamp, nullable=False),
        sa.Column("lease_until", timestamp, nullable=True),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("sent_at", timestamp, nullable=True),
    )
    table.create(connection)
    sa.Index("mail_outbox_due", table.c.status, table.c.next_attempt_at).create(connection)
    sa.Index("mail_outbox_record", table.c.record).create(connection)


def _add_access_tokens(connection: Connection) -> None:
    # Links that act without an account, stored hashed (partner_directory.access.tokens).
    version_5 = sa.MetaData()
    timestamp = sa.DateTime(timezone=True)
    table = sa.Table(
        "access_tokens",
        version_5,
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("record", sa.String(250), nullable=False),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("expires_at", timestamp, nullable=False),
        sa.Column("opened_at", timestamp, nullable=True),
        sa.Column("used_at", timestamp, nullable=True),
        sa.Column("revoked_at", timestamp, nullable=True),
    )
    table.create(connection)
    sa.Index("access_tokens_record", table.c.record).create(connection)


def _add_data_checks(connection: Connection) -> None:
    # Partners confirm or correct their own offices once a year (partner_directory.publication.datacheck).
    version_6 = sa.MetaData()
    timestamp = sa.DateTime(timezone=True)
    checks = sa.Table(
        "data_checks",
        version_6,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", timestamp, nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("expires_at", timestamp, nullable=False),
    )
    partners = sa.Table(
        "data_check_partners",
        version_6,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("check_id", sa.Integer, sa.ForeignKey("data_checks.id"), nullable=False),
        sa.Column("partner_key", sa.String(300), nullable=False),
        sa.Column("partner_name", sa.String(300), nullable=False),
        sa.Column("office_ids", sa.Text, nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("copy_to", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("mailed_at", timestamp, nullable=False),
        sa.Column("opened_at", timestamp, nullable=True),
        sa.Column("reminded_at", timestamp, nullable=True),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("answered_at", timestamp, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    fields = sa.Table(
        "data_check_fields",
        version_6,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("data_check_partners.id"), nullable=False),
        sa.Column("partner_id", sa.String(200), nullable=False),
        sa.Column("column_name", sa.String(40), nullable=False),
        sa.Column("published", sa.Text, nullable=False),
        sa.Column("proposed", sa.Text, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("decided_value", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", timestamp, nullable=True),
    )
    for table in (checks, partners, fields):
        table.create(connection)
    sa.Index("data_check_partners_check", partners.c.check_id).create(connection)
    sa.Index("data_check_fields_entry", fields.c.entry_id).create(connection)


def _add_host_answers(connection: Connection) -> None:
    # The visit request mailed to the host and the host's answer through a link (partner_directory.visits.mailing):
    # who set the status, the answer and its note, other days proposed, when it was mailed and reminded.
    timestamp = sa.DateTime(timezone=True).compile(dialect=connection.dialect)
    date = sa.Date().compile(dialect=connection.dialect)
    for column in (
        "status_by VARCHAR(10) DEFAULT '' NOT NULL",
        "host_answer VARCHAR(10) DEFAULT '' NOT NULL",
        "host_note TEXT DEFAULT '' NOT NULL",
        f"proposed_start {date}",
        f"proposed_end {date}",
        f"answered_at {timestamp}",
        "host_email VARCHAR(320) DEFAULT '' NOT NULL",
        "member_language VARCHAR(8) DEFAULT '' NOT NULL",
        f"mailed_at {timestamp}",
        f"host_reminded_at {timestamp}",
        f"office_reminded_at {timestamp}",
    ):
        connection.execute(sa.text(f"ALTER TABLE visits ADD COLUMN {column}"))
    connection.execute(sa.text("ALTER TABLE visit_events ADD COLUMN actor VARCHAR(10) DEFAULT '' NOT NULL"))


def _add_publication(connection: Connection) -> None:
    # The published list, its history, change log and the drafts: what a shared data folder held before,
    # so that app servers keep no state (partner_directory.publication.store, .drafts, .file_store).
    version_8 = sa.MetaData()
    sa.Table(
        "publication_contents",
        version_8,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    versions = sa.Table(
        "publication_versions",
        version_8,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), sa.ForeignKey("publication_contents.id"), nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("removed", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("file", sa.String(200), nullable=False, unique=True),
        sa.Column("previous", sa.String(64), nullable=False),
        sa.Column("restored_from", sa.Text, nullable=False),
    )
    sa.Table(
        "publication_log",
        version_8,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry", sa.Text, nullable=False),
    )
    sa.Table(
        "publication_current",
        version_8,
        sa.Column("key", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(64), sa.ForeignKey("publication_contents.id"), nullable=False),
        sa.Column("record", sa.Integer, sa.ForeignKey("publication_versions.seq"), nullable=True),
        sa.Column("counter", sa.Integer, nullable=False),
    )
    sa.Table(
        "drafts",
        version_8,
        sa.Column("author_key", sa.String(64), primary_key=True),
        sa.Column("saved_at", sa.Float, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "geocode_cache",
        version_8,
        sa.Column("query", sa.String(1000), primary_key=True),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("precision", sa.String(40), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    version_8.create_all(connection)
    sa.Index("publication_versions_id", versions.c.id).create(connection)


def _add_placed_versions(connection: Connection) -> None:
    # A published version as members see it, checked and placed once for every server and start
    # (partner_directory.publication.placed); keyed by the version and the code that placed it.
    version_9 = sa.MetaData()
    sa.Table(
        "placed_versions",
        version_9,
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("table_data", sa.LargeBinary, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("used", sa.Float, nullable=False),
    )
    version_9.create_all(connection)


def _add_placed_derived(connection: Connection) -> None:
    # What every server derives from a placed version before its first page (the map's files), made once.
    version_10 = sa.MetaData()
    sa.Table(
        "placed_derived",
        version_10,
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    version_10.create_all(connection)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the visits register", _create_visits),
    Migration(2, "a change history per visit; erasure of a member's personal data", _add_events_and_erasure),
    Migration(3, "the sign-in throttle's state, shared by every process", _add_sign_in_throttle),
    Migration(4, "the mail outbox", _add_mail_outbox),
    Migration(5, "links that act without an account (tokens, stored hashed)", _add_access_tokens),
    Migration(
        6, "partners confirm their own offices: data checks, their partners and corrected fields", _add_data_checks
    ),
    Migration(
        7, "the visit request mailed to the host, the host's answer, reminders, who set each status", _add_host_answers
    ),
    Migration(8, "the published list, its history and change log, the drafts, the geocoding cache", _add_publication),
    Migration(9, "each published version as members see it, checked and placed once", _add_placed_versions),
    Migration(10, "what servers derive from a placed version (the map's files), made once", _add_placed_derived),
)
