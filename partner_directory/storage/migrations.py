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


def _add_publication(connection: Connection) -> None:
    # The published list, its history, change log and the drafts: what a shared data folder held before,
    # so that app servers keep no state (partner_directory.publication.store, .drafts, .file_store).
    version_7 = sa.MetaData()
    sa.Table(
        "publication_contents",
        version_7,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    versions = sa.Table(
        "publication_versions",
        version_7,
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
        version_7,
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry", sa.Text, nullable=False),
    )
    sa.Table(
        "publication_current",
        version_7,
        sa.Column("key", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(64), sa.ForeignKey("publication_contents.id"), nullable=False),
        sa.Column("record", sa.Integer, sa.ForeignKey("publication_versions.seq"), nullable=True),
        sa.Column("counter", sa.Integer, nullable=False),
    )
    sa.Table(
        "drafts",
        version_7,
        sa.Column("author_key", sa.String(64), primary_key=True),
        sa.Column("saved_at", sa.Float, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "geocode_cache",
        version_7,
        sa.Column("query", sa.String(1000), primary_key=True),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("precision", sa.String(40), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    version_7.create_all(connection)
    sa.Index("publication_versions_id", versions.c.id).create(connection)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the visits register", _create_visits),
    Migration(2, "a change history per visit; erasure of a member's personal data", _add_events_and_erasure),
    Migration(3, "the sign-in throttle's state, shared by every process", _add_sign_in_throttle),
    Migration(7, "the published list, its history and change log, the drafts, the geocoding cache", _add_publication),
)
