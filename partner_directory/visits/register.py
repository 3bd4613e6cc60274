"""The BRA visits register: every visit request, its status, the days used, in the office's database.

A visit is *outgoing* (a member of our cluster visits a partner's office; the
visit form records it when the member sends the request) or *incoming* (a
partner's member visits us; the office adds it by hand). In both, ``partner_*``
names the other cluster: the host of an outgoing visit, the visitor's home
cluster of an incoming one. Its status goes ``requested`` → ``confirmed`` →
``completed`` (or ``cancelled``); ``actual_days`` are the days really used.

Every write is one transaction; a change names the revision it was based on,
and a visit changed by someone else in the meantime is refused
(:class:`~partner_directory.errors.RegisterConflictError`). Each change is kept
in ``visit_events`` (who, when, what). A member's name, e-mail and note can be
erased on request; the visit stays, so the counts stay.

>>> VisitFilter(year=2026).describe("en")
'year 2026'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from partner_directory.errors import InvalidValueError, RegisterConflictError
from partner_directory.i18n import t
from partner_directory.links import is_email
from partner_directory.mail import outbox
from partner_directory.sheet import export
from partner_directory.sheet.listing import member_csv
from partner_directory.sheet.schema import SERVICES
from partner_directory.storage.database import Database, migrate, utc_now
from partner_directory.storage.migrations import MIGRATIONS
from partner_directory.text import MULTI_LINE, ONE_LINE, email_key, without_controls
from partner_directory.visits.rules import HOME_COUNTRY, Host, HostCalendar, VisitRequest, may_complete, working_days

STATUSES: tuple[str, ...] = ("requested", "confirmed", "completed", "cancelled", "declined", "proposed")
#: What a host may answer through a link: confirm the days, decline, or propose other days.
HOST_ANSWERS: tuple[str, ...] = ("confirmed", "declined", "proposed")
#: Who set a visit's status: the member (their request), the host (through a link in the mail) or staff.
ACTORS: tuple[str, ...] = ("member", "host", "staff")
DIRECTIONS: tuple[str, ...] = ("outgoing", "incoming")
SOURCES: tuple[str, ...] = ("form", "staff")
#: The most people and days one visit may record (a typo guard, well above the BRA's five days).
MAX_PEOPLE = 50
MAX_DAYS = 31
#: Longest text kept in a field; longer input is refused with a sentence, never cut silently.
MAX_TEXT = {"member_company": 300, "member_name": 200, "member_email": 320, "note": 2000, "partner_name": 300}

metadata = sa.MetaData()

# The tables as the latest migration leaves them. The migrations below create them step by step,
# each with its own copy of what that version had; these definitions only read and write.
visits_table = sa.Table(
    "visits",
    metadata,
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
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    # Step 6: the request mailed to the host and the host's answer through a link.
    sa.Column("status_by", sa.String(10), nullable=False, server_default=""),
    sa.Column("host_answer", sa.String(10), nullable=False, server_default=""),
    sa.Column("host_note", sa.Text, nullable=False, server_default=""),
    sa.Column("proposed_start", sa.Date, nullable=True),
    sa.Column("proposed_end", sa.Date, nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("host_email", sa.String(320), nullable=False, server_default=""),
    sa.Column("member_language", sa.String(8), nullable=False, server_default=""),
    sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("host_reminded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("office_reminded_at", sa.DateTime(timezone=True), nullable=True),
)

events_table = sa.Table(
    "visit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("old_value", sa.String(200), nullable=False),
    sa.Column("new_value", sa.String(200), nullable=False),
    sa.Column("actor", sa.String(10), nullable=False, server_default=""),
)


# -- values -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewVisit:
    """A visit to record: from the visit form (outgoing) or typed by staff (incoming or outgoing).

    Text typed by a member or by staff is cleaned on the way in: no field keeps a
    control character (:func:`partner_directory.text.clean_text`; the note keeps
    its line breaks and tabs, every other field is one line), so nothing stored
    can break an export, a calendar or a log line.

    >>> NewVisit("outgoing", "Vt\\x0bCorp", "Partner", dt.date(2026, 1, 5), dt.date(2026, 1, 5)).member_company
    'Vt Corp'
    """

    direction: str
    member_company: str
    partner_name: str
    start: dt.date
    end: dt.date
    people: int = 1
    member_name: str = ""
    member_email: str = ""
    partner_id: str = ""
    office_name: str = ""
    city: str = ""
    country: str = ""
    services: tuple[str, ...] = ()
    language: str = ""
    note: str = ""
    planned_days: int | None = None
    status: str = "requested"
    actual_days: int | None = None

    def __post_init__(self) -> None:
        for name, kind in _TEXT_FIELDS.items():
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, without_controls(value, kind=kind))


#: The text fields of :class:`NewVisit` and what each may hold: several lines, or one.
_TEXT_FIELDS: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "direction",
            "member_company",
            "partner_name",
            "member_name",
            "member_email",
            "partner_id",
            "office_name",
            "city",
            "country",
            "language",
            "status",
        ),
        ONE_LINE,
    ),
    "note": MULTI_LINE,
}


@dataclass(frozen=True)
class Visit:
    """One row of the register."""

    id: int
    direction: str
    status: str
    member_company: str
    member_name: str
    member_email: str
    partner_id: str
    partner_name: str
    office_name: str
    city: str
    country: str
    start: dt.date
    end: dt.date
    people: int
    services: tuple[str, ...]
    language: str
    note: str
    planned_days: int
    actual_days: int | None
    source: str
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    revision: int
    erased_at: dt.datetime | None = None
    #: Who set the current status (:data:`ACTORS`); empty for a visit recorded before the mail loop.
    status_by: str = ""
    #: The host's answer through a link (:data:`HOST_ANSWERS`), its note and the days it proposed.
    host_answer: str = ""
    host_note: str = ""
    proposed_start: dt.date | None = None
    proposed_end: dt.date | None = None
    answered_at: dt.datetime | None = None
    #: Where the request was mailed, in which language the member reads, when it was mailed and reminded.
    host_email: str = ""
    member_language: str = ""
    mailed_at: dt.datetime | None = None
    host_reminded_at: dt.datetime | None = None
    office_reminded_at: dt.datetime | None = None

    @property
    def changed_by(self) -> str:
        """Who set the current status (:data:`ACTORS`): as recorded, else what its source implies."""
        return self.status_by or ("member" if self.source == "form" else "staff")

    @property
    def unanswered(self) -> bool:
        """Whether the request was mailed to the host, who has not answered, and nobody has changed it since."""
        return self.mailed_at is not None and not self.host_answer and self.status == "requested"

    @property
    def days_used(self) -> int:
        """Days that count as used: the actual days of a completed visit, else none."""
        if self.status != "completed":
            return 0
        return self.actual_days if self.actual_days is not None else self.planned_days


@dataclass(frozen=True)
class Event:
    """One change of one visit."""

    visit_id: int
    at: dt.datetime
    by: str
    action: str
    old_value: str
    new_value: str
    actor: str = ""


@dataclass(frozen=True)
class HostAnswer:
    """What a host answers through a link: ``kind`` is one of :data:`HOST_ANSWERS`.

    The note is the host's own text, cleaned on the way in like every typed text
    (several lines, no control character).
    """

    kind: str
    note: str = ""
    proposed_start: dt.date | None = None
    proposed_end: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "note", without_controls(self.note, kind=MULTI_LINE).strip())


def check_answer(answer: HostAnswer) -> list[str]:
    """The reasons (translation keys) why the host's ``answer`` cannot be recorded; empty when it can.

    Other days are optional, given both or neither, in order, at most
    :data:`MAX_DAYS` long; only a proposal may carry them.

    >>> check_answer(HostAnswer("proposed", proposed_start=dt.date(2027, 1, 5), proposed_end=dt.date(2027, 1, 4)))
    ['host_answer.problem.order']
    >>> check_answer(HostAnswer("confirmed"))
    []
    """
    problems: list[str] = []
    if answer.kind not in HOST_ANSWERS:
        problems.append("host_answer.problem.kind")
    start, end = answer.proposed_start, answer.proposed_end
    if (start is None) != (end is None):
        problems.append("host_answer.problem.dates_needed")
    elif start is not None and end is not None:
        if answer.kind != "proposed":
            problems.append("host_answer.problem.dates_only_proposed")
        elif end < start:
            problems.append("host_answer.problem.order")
        elif (end - start).days + 1 > MAX_DAYS:
            problems.append("visits.problem.too_long")
    if len(answer.note) > MAX_TEXT["note"]:
        problems.append("visits.problem.too_long_text")
    return problems


@dataclass(frozen=True)
class VisitFilter:
    """Which visits to list; ``None`` means any. ``host`` is the other cluster's name (``partner_name``)."""

    host: str | None = None
    company: str | None = None
    year: int | None = None
    status: str | None = None
    direction: str | None = None
    #: Visits starting in this year or later (the register's default: this year's and the upcoming ones).
    from_year: int | None = None

    def describe(self, language: str = "en") -> str:
        """What is applied, as a short phrase (empty when nothing is)."""
        parts = []
        if self.host:
            parts.append(t("visits.filter.host", language, value=self.host))
        if self.company:
            parts.append(t("visits.filter.company", language, value=self.company))
        if self.year:
            parts.append(t("visits.filter.year", language, value=self.year))
        if self.from_year:
            parts.append(t("register.filter.from_year", language, value=self.from_year))
        if self.status:
            parts.append(t("visits.filter.status", language, value=t(f"visits.status.{self.status}", language)))
        if self.direction:
            parts.append(t(f"visits.direction.{self.direction}", language))
        return ", ".join(parts)


@dataclass(frozen=True)
class Change:
    """What staff change on a visit: the new status and/or actual days (``keep`` leaves a field alone)."""

    status: str | None = None
    actual_days: int | None = None
    set_actual_days: bool = False


def check_new_visit(visit: NewVisit) -> list[str]:
    """The reasons (translation keys with their fields) why ``visit`` cannot be recorded; empty when it can."""
    problems: list[str] = []
    if visit.direction not in DIRECTIONS:
        problems.append("visits.problem.direction")
    if visit.status not in STATUSES:
        problems.append("visits.problem.status")
    if not visit.member_company.strip():
        problems.append("visits.problem.no_company")
    if not visit.partner_name.strip():
        problems.append("visits.problem.no_partner")
    if visit.member_email.strip() and not is_email(visit.member_email.strip()):
        problems.append("visits.problem.email")
    if visit.end < visit.start:
        problems.append("visits.problem.order")
    elif (visit.end - visit.start).days + 1 > MAX_DAYS:
        problems.append("visits.problem.too_long")
    if not 1 <= visit.people <= MAX_PEOPLE:
        problems.append("visits.problem.people")
    for days in (visit.planned_days, visit.actual_days):
        if days is not None and not 0 <= days <= MAX_DAYS:
            problems.append("visits.problem.days")
            break
    if any(s not in SERVICES for s in visit.services):
        problems.append("visits.problem.services")
    for name, most in MAX_TEXT.items():
        if len(str(getattr(visit, name))) > most:
            problems.append("visits.problem.too_long_text")
            break
    return problems


def from_request(request: VisitRequest, host: Host, *, partner_id: str, member_email: str, language: str) -> NewVisit:
    """The register's record of a member's request sent with the visit form (an outgoing visit, requested).

    The planned days are the working days at the host's office (its weekend and holidays).
    """
    return NewVisit(
        direction="outgoing",
        member_company=request.member_company,
        member_name=request.member_name,
        member_email=member_email,
        partner_id=partner_id,
        partner_name=host.partner_name,
        office_name=host.office_name,
        city=host.city,
        country=host.country,
        start=request.start,
        end=request.end,
        people=request.people,
        services=request.services,
        language=language,
        note=request.note,
        planned_days=working_days(request.start, request.end, HostCalendar(host.country)),
    )


def request_key(visit: NewVisit) -> tuple[str, str, dt.date, dt.date]:
    """Which member's requests are one request: the same member's e-mail, host and dates.

    The e-mail compares as :func:`partner_directory.text.email_key` does (case,
    Unicode forms), so ``Anna@X.example`` sending again is the same member.

    >>> request_key(NewVisit("outgoing", "Acme", "P", dt.date(2026, 1, 5), dt.date(2026, 1, 6),
    ...     member_email=" Anna@X.Example ", partner_id="p-1"))
    ('anna@x.example', 'p-1', datetime.date(2026, 1, 5), datetime.date(2026, 1, 6))
    """
    return (email_key(visit.member_email), visit.partner_id.strip(), visit.start, visit.end)


def host_calendar(visit: NewVisit) -> HostCalendar:
    """The working-day calendar of the visit's host: the partner's country, or ours for an incoming visit.

    >>> host_calendar(NewVisit("incoming", "Acme", "Partner", dt.date(2026, 1, 1), dt.date(2026, 1, 2), country="de"))
    HostCalendar(country='PL')
    """
    country = visit.country if visit.direction == "outgoing" else HOME_COUNTRY
    return HostCalendar(country.strip().upper()[:2])


def planned_days(visit: NewVisit) -> int:
    """The visit's planned days: as given, else the working days at the host's (its weekend and holidays).

    The visit form counts the same way (:func:`~partner_directory.visits.rules.working_days`),
    so a visit counts the same in the form and in the register.

    >>> planned_days(NewVisit("outgoing", "Acme", "Partner", dt.date(2026, 12, 21), dt.date(2026, 12, 28), country="PL"))
    4
    """
    if visit.planned_days is not None:
        return visit.planned_days
    return working_days(visit.start, visit.end, host_calendar(visit))


# -- the register -------------------------------------------------------------------------------------------


def record_of(visit_id: int) -> str:
    """The record a visit's links and messages are bound to (``access.tokens``, ``mail.outbox``).

    >>> record_of(12)
    'visit:12'
    """
    return f"visit:{visit_id}"


class Register:
    """The visits register in one database (see :class:`~partner_directory.storage.database.Database`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @classmethod
    def open(cls, url: str = "", **options: Any) -> Register:
        """Open the database at ``url`` (empty: the default SQLite file) and bring its schema up to date."""
        database = Database(url, **options)
        migrate(database, MIGRATIONS)
        return cls(database)

    # writes

    def record(self, visit: NewVisit, *, source: str = "form", by: str = "") -> int:
        """Store a new visit in one transaction; return its id. Raises ``InvalidValueError`` on bad values.

        A member's request (``source="form"`` with a ``partner_id``, as the visit
        form sends it) is recorded once: when the same
        request (:func:`request_key`) is already in the register, not erased and
        not cancelled, its id is returned and nothing is written. Two sends at the
        same moment are serialised by the write transaction (SQLite's
        ``BEGIN IMMEDIATE``; a transaction lock on the request's key in PostgreSQL),
        so they too leave one record.
        """
        problems = check_new_visit(visit)
        if source not in SOURCES:
            problems.append("visits.problem.source")
        if problems:
            raise InvalidValueError("visit_invalid", problems=problems)
        now = utc_now()
        planned = planned_days(visit)
        actual = visit.actual_days
        if visit.status == "completed" and actual is None:
            actual = planned
        values = {
            "direction": visit.direction,
            "status": visit.status,
            "member_company": visit.member_company.strip(),
            "member_name": visit.member_name.strip(),
            "member_email": visit.member_email.strip(),
            "partner_id": visit.partner_id.strip(),
            "partner_name": visit.partner_name.strip(),
            "office_name": visit.office_name.strip(),
            "city": visit.city.strip(),
            "country": visit.country.strip().upper()[:2],
            "start_date": visit.start,
            "end_date": visit.end,
            "people": int(visit.people),
            "services": ";".join(dict.fromkeys(visit.services)),
            "language": visit.language.strip()[:8],
            "note": visit.note.strip(),
            "planned_days": planned,
            "actual_days": actual,
            "source": source,
            "created_at": now,
            "created_by": by.strip()[:200],
            "updated_at": now,
            "revision": 1,
            "status_by": "member" if source == "form" else "staff",
        }
        with self.database.write() as connection:
            if source == "form" and values["partner_id"]:  # the visit form always names its partner
                existing = _same_request(connection, visit)
                if existing is not None:
                    return existing
            key = connection.execute(visits_table.insert().values(**values)).inserted_primary_key
            assert key is not None  # an insert always has one
            visit_id = int(key[0])
            _event(connection, visit_id, by, "created", "", visit.status, now, actor=str(values["status_by"]))
        return visit_id

    def change(self, visit_id: int, change: Change, *, revision: int, by: str, today: dt.date | None = None) -> Visit:
        """Change status and/or actual days of one visit, based on ``revision``; return the visit as now stored.

        Completing a visit without actual days takes its planned days. Given
        ``today`` (the office's page always gives it), a visit whose days have
        not begun is not marked completed (:func:`~partner_directory.visits.rules.may_complete`).
        Raises ``RegisterConflictError`` when the visit changed since ``revision``,
        ``InvalidValueError`` for an unknown visit, status, a day count out of
        range or a completion before the visit's first day.
        """
        if change.status is not None and change.status not in STATUSES:
            raise InvalidValueError("visit_invalid", problems=["visits.problem.status"])
        if change.set_actual_days and change.actual_days is not None and not 0 <= change.actual_days <= MAX_DAYS:
            raise InvalidValueError("visit_invalid", problems=["visits.problem.days"])
        now = utc_now()
        with self.database.write() as connection:
            old = _get(connection, visit_id)
            if old.revision != revision:
                raise RegisterConflictError("visit_changed", visit=visit_id)
            completing = change.status == "completed" and old.status != "completed"
            if completing and today is not None and not may_complete(old.start, today=today):
                raise InvalidValueError("visit_invalid", problems=["visits.problem.not_begun"])
            values: dict[str, Any] = {}
            if change.status is not None and change.status != old.status:
                values["status"] = change.status
                values["status_by"] = "staff"
                _event(connection, visit_id, by, "status", old.status, change.status, now, actor="staff")
            actual = change.actual_days if change.set_actual_days else old.actual_days
            if change.status == "completed" and actual is None:
                actual = old.planned_days
            if actual != old.actual_days:
                values["actual_days"] = actual
                _event(
                    connection, visit_id, by, "actual_days", _text(old.actual_days), _text(actual), now, actor="staff"
                )
            if not values:
                return old
            values.update(updated_at=now, revision=old.revision + 1)
            updated = connection.execute(
                visits_table.update()
                .where(visits_table.c.id == visit_id, visits_table.c.revision == revision)
                .values(**values)
            )
            if updated.rowcount != 1:  # changed between our read and write (PostgreSQL's read committed)
                raise RegisterConflictError("visit_changed", visit=visit_id)
            return _get(connection, visit_id)

    def mark_mailed(self, visit_id: int, *, host_email: str, member_language: str, now: dt.datetime) -> bool:
        """Note that the request of ``visit_id`` is being mailed to ``host_email``; ``False`` when it already was.

        The update holds only while the visit has not been mailed, so two clicks
        (or two processes) mail one request once.
        """
        with self.database.write() as connection:
            updated = connection.execute(
                visits_table.update()
                .where(visits_table.c.id == visit_id, visits_table.c.mailed_at.is_(None))
                .values(host_email=host_email.strip()[:320], member_language=member_language[:8], mailed_at=now)
            )
            return updated.rowcount == 1

    def unmark_mailed(self, visit_id: int) -> None:
        """The request could not be put in the outbox after all: it may be mailed again."""
        with self.database.write() as connection:
            connection.execute(visits_table.update().where(visits_table.c.id == visit_id).values(mailed_at=None))

    def mark_reminded(self, visit_id: int, whom: str, *, now: dt.datetime) -> bool:
        """Note that ``whom`` (``host`` or ``office``) was reminded of visit ``visit_id``; ``False`` when it already was."""
        column = {"host": visits_table.c.host_reminded_at, "office": visits_table.c.office_reminded_at}[whom]
        with self.database.write() as connection:
            updated = connection.execute(
                visits_table.update().where(visits_table.c.id == visit_id, column.is_(None)).values({column.name: now})
            )
            return updated.rowcount == 1

    def answer(self, visit_id: int, answer: HostAnswer, *, now: dt.datetime | None = None) -> Visit:
        """Record the host's ``answer`` (through a link) as the visit's status; return the visit as now stored.

        Only a request still waiting (``requested``) takes an answer: a visit
        staff changed meanwhile, or answered already, is refused with
        ``InvalidValueError`` (``visit_answered``). The event names the host as
        its actor. Raises ``InvalidValueError`` for an answer :func:`check_answer` refuses.
        """
        problems = check_answer(answer)
        if problems:
            raise InvalidValueError("visit_invalid", problems=problems)
        moment = now or utc_now()
        with self.database.write() as connection:
            old = _get(connection, visit_id)
            if old.status != "requested" or old.host_answer:
                raise InvalidValueError("visit_answered", visit=visit_id)
            updated = connection.execute(
                visits_table.update()
                .where(visits_table.c.id == visit_id, visits_table.c.revision == old.revision)
                .values(
                    status=answer.kind,
                    status_by="host",
                    host_answer=answer.kind,
                    host_note=answer.note,
                    proposed_start=answer.proposed_start,
                    proposed_end=answer.proposed_end,
                    answered_at=moment,
                    updated_at=moment,
                    revision=old.revision + 1,
                )
            )
            if updated.rowcount != 1:
                raise RegisterConflictError("visit_changed", visit=visit_id)
            _event(connection, visit_id, "host", "status", old.status, answer.kind, moment, actor="host")
            return _get(connection, visit_id)

    def awaiting_answer(self) -> list[Visit]:
        """The requests mailed to hosts that no one has answered or changed since (:attr:`Visit.unanswered`)."""
        query = sa.select(visits_table).where(
            visits_table.c.mailed_at.is_not(None),
            visits_table.c.status == "requested",
            visits_table.c.host_answer == "",
        )
        with self.database.read() as connection:
            return [_visit(row) for row in connection.execute(query.order_by(visits_table.c.id)).mappings()]

    def erase_member(self, *, email: str = "", visit_ids: Iterable[int] = (), by: str) -> int:
        """Erase a member's name, e-mail and note from their visits (by e-mail, or by ids); return how many.

        An e-mail matches the visits whose address is the same by
        :func:`email_key` (``Żaneta@…`` is ``żaneta@…``), compared here in
        Python, so the rule is the same on SQLite and PostgreSQL, whose
        ``lower()`` differ. The visits stay with their company, partner, dates,
        days and status, so every count and report stays the same. One
        transaction; each erased visit gets an ``erased`` event (which records no
        personal data). Afterwards the old values are scrubbed from the
        database's files (:meth:`~partner_directory.storage.database.Database.scrub`).
        """
        key = email_key(email)
        ids = {int(i) for i in visit_ids}
        if not key and not ids:
            return 0
        now = utc_now()
        candidates = sa.select(visits_table.c.id, visits_table.c.member_email).where(visits_table.c.erased_at.is_(None))
        with self.database.write() as connection:
            found = [
                int(row.id)
                for row in connection.execute(candidates)
                if row.id in ids or (key and email_key(row.member_email) == key)
            ]
            if not found:
                return 0
            connection.execute(
                visits_table.update()
                .where(visits_table.c.id.in_(found))
                .values(
                    member_name="",
                    member_email="",
                    note="",
                    host_note="",  # the host's note may name the member
                    erased_at=now,
                    updated_at=now,
                    revision=visits_table.c.revision + 1,
                )
            )
            for visit_id in found:
                _event(connection, visit_id, by, "erased", "", "", now, actor="staff")
            # The mails about these visits (the request, answers, reminders) hold the same personal data.
            outbox.erase(connection, records=[record_of(visit_id) for visit_id in found], address_key=key)
        self.database.scrub([visits_table.name, outbox.outbox_table.name])
        return len(found)

    # reads

    def get(self, visit_id: int) -> Visit:
        """One visit; raises ``InvalidValueError`` when there is no such visit."""
        with self.database.read() as connection:
            return _get(connection, visit_id)

    def find(self, where: VisitFilter | None = None) -> list[Visit]:
        """The visits matching ``where``, newest start first."""
        query = sa.select(visits_table).where(*_conditions(where or VisitFilter()))
        query = query.order_by(visits_table.c.start_date.desc(), visits_table.c.id.desc())
        with self.database.read() as connection:
            return [_visit(row) for row in connection.execute(query).mappings()]

    def requests_of(self, email: str) -> list[Visit]:
        """The requests one member sent with the visit form (matched by :func:`email_key`), newest start first.

        Nothing for an empty e-mail: a member known by no address has no requests to see.
        """
        key = email_key(email)
        if not key:
            return []
        query = sa.select(visits_table).where(
            visits_table.c.direction == "outgoing",
            visits_table.c.source == "form",
            visits_table.c.erased_at.is_(None),
        )
        query = query.order_by(visits_table.c.start_date.desc(), visits_table.c.id.desc())
        with self.database.read() as connection:
            rows = [_visit(row) for row in connection.execute(query).mappings()]
        return [visit for visit in rows if email_key(visit.member_email) == key]

    def count(self) -> int:
        with self.database.read() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(visits_table)).scalar() or 0)

    def events(self, visit_id: int | None = None) -> list[Event]:
        """The change history of one visit (or of all), oldest first."""
        query = sa.select(events_table).order_by(events_table.c.id)
        if visit_id is not None:
            query = query.where(events_table.c.visit_id == visit_id)
        with self.database.read() as connection:
            return [
                Event(
                    visit_id=int(row["visit_id"]),
                    at=_utc(row["at"]),
                    by=row["by"],
                    action=row["action"],
                    old_value=row["old_value"],
                    new_value=row["new_value"],
                    actor=row["actor"],
                )
                for row in connection.execute(query).mappings()
            ]

    def choices(self) -> dict[str, list[Any]]:
        """The values the filters offer: ``years`` (newest first), ``hosts`` and ``companies`` (sorted)."""
        with self.database.read() as connection:
            rows = connection.execute(
                sa.select(visits_table.c.start_date, visits_table.c.partner_name, visits_table.c.member_company)
            ).all()
        return {
            "years": sorted({row[0].year for row in rows}, reverse=True),
            "hosts": sorted({row[1] for row in rows}, key=str.casefold),
            "companies": sorted({row[2] for row in rows}, key=str.casefold),
        }


def _conditions(where: VisitFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if where.host:
        conditions.append(visits_table.c.partner_name == where.host)
    if where.company:
        conditions.append(visits_table.c.member_company == where.company)
    if where.year:
        conditions.append(visits_table.c.start_date >= dt.date(where.year, 1, 1))
        conditions.append(visits_table.c.start_date < dt.date(where.year + 1, 1, 1))
    if where.from_year:
        conditions.append(visits_table.c.start_date >= dt.date(where.from_year, 1, 1))
    if where.status:
        conditions.append(visits_table.c.status == where.status)
    if where.direction:
        conditions.append(visits_table.c.direction == where.direction)
    return conditions


def _same_request(connection: Connection, visit: NewVisit) -> int | None:
    """The id of a recorded request equal to ``visit`` by :func:`request_key`, or ``None``.

    Runs inside the write transaction. PostgreSQL's default isolation would let
    two transactions both find nothing, so there a lock on the key's hash holds the
    second until the first commits; SQLite's write transaction already holds the file.
    """
    key = request_key(visit)
    if connection.dialect.name == "postgresql":
        digest = hashlib.sha256(repr(key).encode("utf-8")).digest()
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": int.from_bytes(digest[:8], "big", signed=True)}
        )
    candidates = connection.execute(
        sa.select(visits_table).where(
            visits_table.c.direction == "outgoing",
            visits_table.c.source == "form",
            visits_table.c.partner_id == key[1],
            visits_table.c.start_date == key[2],
            visits_table.c.end_date == key[3],
            visits_table.c.status != "cancelled",
            visits_table.c.erased_at.is_(None),
        )
    ).mappings()
    for row in candidates:
        if email_key(row["member_email"]) == key[0]:
            return int(row["id"])
    return None


def _get(connection: Connection, visit_id: int) -> Visit:
    row = connection.execute(sa.select(visits_table).where(visits_table.c.id == visit_id)).mappings().first()
    if row is None:
        raise InvalidValueError("visit_not_found", visit=visit_id)
    return _visit(row)


def _event(
    connection: Connection,
    visit_id: int,
    by: str,
    action: str,
    old: str,
    new: str,
    at: dt.datetime,
    *,
    actor: str = "",
) -> None:
    connection.execute(
        events_table.insert().values(
            visit_id=visit_id,
            at=at,
            by=by.strip()[:200],
            action=action,
            old_value=old[:200],
            new_value=new[:200],
            actor=actor,
        )
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite keeps no time zone; every stored time is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _visit(row: Mapping[str, Any] | sa.RowMapping) -> Visit:
    return Visit(
        id=int(row["id"]),
        direction=row["direction"],
        status=row["status"],
        member_company=row["member_company"],
        member_name=row["member_name"],
        member_email=row["member_email"],
        partner_id=row["partner_id"],
        partner_name=row["partner_name"],
        office_name=row["office_name"],
        city=row["city"],
        country=row["country"],
        start=row["start_date"],
        end=row["end_date"],
        people=int(row["people"]),
        services=tuple(s for s in row["services"].split(";") if s),
        language=row["language"],
        note=row["note"],
        planned_days=int(row["planned_days"]),
        actual_days=None if row["actual_days"] is None else int(row["actual_days"]),
        source=row["source"],
        created_at=_utc(row["created_at"]),
        created_by=row["created_by"],
        updated_at=_utc(row["updated_at"]),
        revision=int(row["revision"]),
        erased_at=None if row["erased_at"] is None else _utc(row["erased_at"]),
        status_by=row["status_by"],
        host_answer=row["host_answer"],
        host_note=row["host_note"],
        proposed_start=row["proposed_start"],
        proposed_end=row["proposed_end"],
        answered_at=_optional_utc(row["answered_at"]),
        host_email=row["host_email"],
        member_language=row["member_language"],
        mailed_at=_optional_utc(row["mailed_at"]),
        host_reminded_at=_optional_utc(row["host_reminded_at"]),
        office_reminded_at=_optional_utc(row["office_reminded_at"]),
    )


def _optional_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


# -- files --------------------------------------------------------------------------------------------------

#: The register's columns in the staff's downloads, in order.
EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "direction",
    "status",
    "status_by",
    "host_note",
    "start",
    "end",
    "planned_days",
    "actual_days",
    "people",
    "partner_name",
    "office_name",
    "city",
    "country",
    "member_company",
    "member_name",
    "member_email",
    "services",
    "language",
    "note",
    "source",
    "created_at",
    "created_by",
    "updated_at",
)


#: The office's time zone when the caller names none: the register's times are shown in it, never in UTC.
DEFAULT_TIME_ZONE = "Europe/Warsaw"
#: Columns whose values are numbers, written as numbers so a spreadsheet's SUM works.
NUMBER_COLUMNS: frozenset[str] = frozenset({"id", "planned_days", "actual_days", "people"})
#: Columns holding a time of day, shown in the office's time zone (named in the header).
TIME_COLUMNS: tuple[str, ...] = ("created_at", "updated_at")


def register_table(
    visits: Sequence[Visit], language: str = "en", *, time_zone: str = DEFAULT_TIME_ZONE
) -> pd.DataFrame:
    """The visits as a table for people: headers, statuses, directions and services in ``language``.

    Counts are numbers (an unknown number of actual days is empty); times are in
    ``time_zone``, which the time columns' headers name.
    """
    zone = ZoneInfo(time_zone)
    directions = {d: t(f"visits.direction.{d}", language) for d in DIRECTIONS}
    statuses = {s: t(f"visits.status.{s}", language) for s in STATUSES}
    services = {s: t(f"service.{s}", language) for s in SERVICES}
    rows = [
        {
            **{column: getattr(visit, column) for column in EXPORT_COLUMNS},
            "direction": directions.get(visit.direction, visit.direction),
            "status": statuses.get(visit.status, visit.status),
            "status_by": t(f"host_answer.actor.{visit.changed_by}", language),
            "services": ", ".join(services.get(s, s) for s in visit.services),
            "start": visit.start.isoformat(),
            "end": visit.end.isoformat(),
            "actual_days": visit.actual_days,
            "created_at": visit.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "updated_at": visit.updated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        }
        for visit in visits
    ]
    table = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS), dtype=object)
    headers = {c: t(f"visits.column.{c}", language) for c in EXPORT_COLUMNS}
    headers.update(
        status_by=t("host_answer.column.changed_by", language), host_note=t("host_answer.column.host_note", language)
    )
    for column in TIME_COLUMNS:
        headers[column] = t("register.column.time_in_zone", language, column=headers[column], zone=time_zone)
    return table.rename(columns=headers)


def people_csv(table: pd.DataFrame, language: str) -> bytes:
    """``table`` as the CSV a person opens in ``language``'s Excel: ``;`` in Polish, ``,`` in English.

    The Polish dialect is the members' CSV's (:func:`partner_directory.sheet.listing.member_csv`),
    the English one the guarded export's; both are UTF-8 with BOM, CRLF, every text cell guarded.
    """
    if language == "pl":
        return member_csv(table)
    return export.csv_bytes(table, columns=list(table.columns))


def register_csv(visits: Sequence[Visit], language: str = "en", *, time_zone: str = DEFAULT_TIME_ZONE) -> bytes:
    """The register as guarded CSV (UTF-8 with BOM), headers in ``language``, ``;`` in Polish."""
    return people_csv(register_table(visits, language, time_zone=time_zone), language)


def register_xlsx(visits: Sequence[Visit], language: str = "en", *, time_zone: str = DEFAULT_TIME_ZONE) -> bytes:
    """The register as an Excel workbook: counts as numbers (SUM works), every other cell as text."""
    from openpyxl import Workbook

    table = register_table(visits, language, time_zone=time_zone)
    numbers = {i for i, column in enumerate(EXPORT_COLUMNS) if column in NUMBER_COLUMNS}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=t("visits.sheet", language)[:31])
    sheet.append([export.text_cell(sheet, c) for c in table.columns])
    for values in table.itertuples(index=False):
        sheet.append(
            [
                (None if value is None else int(value)) if i in numbers else export.text_cell(sheet, value)
                for i, value in enumerate(values)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def backup_files(register: Register) -> dict[str, bytes]:
    """The whole register for the office's backup: ``visits.csv`` and ``visit_events.csv``, every field, guarded.

    Column names are the database's, so a backup can be read back by a
    program as well as by a person.
    """
    visits = register.find()
    visit_rows = pd.DataFrame(
        [{**asdict(v), "services": ";".join(v.services)} for v in sorted(visits, key=lambda v: v.id)],
        columns=[f.name for f in Visit.__dataclass_fields__.values()],
        dtype=object,
    )
    events = pd.DataFrame(
        [asdict(e) for e in register.events()], columns=list(Event.__dataclass_fields__), dtype=object
    )
    return {
        "visits.csv": export.csv_bytes(visit_rows, columns=list(visit_rows.columns)),
        "visit_events.csv": export.csv_bytes(events, columns=list(events.columns)),
    }
