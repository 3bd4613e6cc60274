"""The yearly data check: each partner confirms its own offices as published, or sends corrections.

Staff :func:`start` a check for some or all partners of the published list.
Each partner (its offices share a :func:`~partner_directory.sheet.contract.partner_key`)
gets one message at the contact address of its first office with a link
(``access.tokens``, purpose ``data_check``, bound to the partner's entry in
this check, :func:`record_of`). The link's page shows only that partner's
offices, as published; the partner :func:`confirm`\\ s them, or :func:`correct`\\ s
fields of :data:`EDITABLE_COLUMNS`, checked by the staff editor's own
validation (``sheet.validation.check``); a value it refuses is an error named
beside its field, and nothing is stored until every field passes.

Nothing a partner sends is published by itself. Corrections are kept per
field (:class:`FieldAnswer`); staff :func:`decide` each (accept, edit or
reject), and :func:`apply_answers` writes the decisions into a draft of the
published list, with ``last_verified`` set to the day each partner answered;
that draft then takes the office's usual way (review, places, guarded publish).
Partners who have not answered get one reminder (:func:`remind`, called by the
mail sender's periodic jobs) :data:`REMIND_AFTER_DAYS` after the first message.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd
import sqlalchemy as sa

from partner_directory.access import tokens
from partner_directory.config import Settings
from partner_directory.errors import InvalidValueError, TokenError
from partner_directory.i18n import t
from partner_directory.links import is_email
from partner_directory.mail import outbox
from partner_directory.mail.message import Mail
from partner_directory.publication.drafts import Draft
from partner_directory.publication.publishing import apply_edits
from partner_directory.sheet.contract import partner_key
from partner_directory.sheet.schema import COLUMNS, HeaderMapping
from partner_directory.sheet.table import LoadedTable, SourceInfo
from partner_directory.sheet.validation import ERROR, Problem, check
from partner_directory.storage.database import Database

#: Where the link's page is served (``dashboard.data_check`` adds the route in ``asgi.py``).
LINK_PATH = "/_bra/data-check"
#: How long a link works; a reminder's link works until the same day.
LINK_LIFETIME = dt.timedelta(days=60)
#: Days after the first message without an answer before the one reminder goes.
REMIND_AFTER_DAYS = 14
#: What a partner may correct: address, contact, services, languages, website, description.
EDITABLE_COLUMNS: tuple[str, ...] = (
    "address",
    "postal_code",
    "city",
    "contact_name",
    "contact_email",
    "contact_phone",
    "services",
    "languages",
    "website",
    "description",
)
#: What the link's page shows of each office (read-only ones first).
SHOWN_COLUMNS: tuple[str, ...] = ("office_name", "country", *EDITABLE_COLUMNS)
#: Where a partner stands in a check, as staff see it.
STATES: tuple[str, ...] = ("sent", "opened", "confirmed", "corrected", "no_answer")
#: A partner's answers; an entry a later check replaced (its link revoked) is marked :data:`SUPERSEDED`.
ANSWERS: tuple[str, ...] = ("confirmed", "corrected")
SUPERSEDED = "superseded"
#: What staff decide about one corrected field.
DECISIONS: tuple[str, ...] = ("accepted", "edited", "rejected")
#: A partner's note to the office, at most this long.
MAX_NOTE_CHARS = 2000
#: A corrected value, at most this long (a description is a paragraph, not a file).
MAX_VALUE_CHARS = 4000

metadata = sa.MetaData()
_timestamp = sa.DateTime(timezone=True)
#: The tables as ``storage.migrations`` (data checks) leaves them.
check_table = sa.Table(
    "data_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", _timestamp, nullable=False),
    sa.Column("started_by", sa.String(200), nullable=False),
    sa.Column("expires_at", _timestamp, nullable=False),
)
entry_table = sa.Table(
    "data_check_partners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("check_id", sa.Integer, sa.ForeignKey("data_checks.id"), nullable=False),
    sa.Column("partner_key", sa.String(300), nullable=False),
    sa.Column("partner_name", sa.String(300), nullable=False),
    sa.Column("office_ids", sa.Text, nullable=False),  # JSON list of the offices' partner_id at the start
    sa.Column("contact_email", sa.String(320), nullable=False),
    sa.Column("copy_to", sa.Text, nullable=False),  # JSON list: the other offices' contacts
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("mailed_at", _timestamp, nullable=False),
    sa.Column("opened_at", _timestamp, nullable=True),
    sa.Column("reminded_at", _timestamp, nullable=True),
    sa.Column("answer", sa.String(10), nullable=False),  # "", one of ANSWERS, or SUPERSEDED
    sa.Column("answered_at", _timestamp, nullable=True),
    sa.Column("note", sa.Text, nullable=False),
)
field_table = sa.Table(
    "data_check_fields",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.Integer, sa.ForeignKey("data_check_partners.id"), nullable=False),
    sa.Column("partner_id", sa.String(200), nullable=False),
    sa.Column("column_name", sa.String(40), nullable=False),
    sa.Column("published", sa.Text, nullable=False),
    sa.Column("proposed", sa.Text, nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),  # "", or one of DECISIONS
    sa.Column("decided_value", sa.Text, nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", _timestamp, nullable=True),
)


# -- who is asked -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """One partner of the published list: its offices, who receives the check, in which language."""

    key: str
    name: str
    office_ids: tuple[str, ...]
    contact_email: str
    copy_to: tuple[str, ...]
    language: str


def partner_language(countries: Iterable[str]) -> str:
    """The language of a partner's messages and page: Polish for a partner with an office in Poland, else English.

    >>> partner_language(["DE", "PL"]), partner_language(["SE"]), partner_language([])
    ('pl', 'en', 'en')
    """
    return "pl" if any(str(code).strip().upper() == "PL" for code in countries) else "en"


def partners_of(table: pd.DataFrame) -> list[Partner]:
    """The partners of the published (checked) ``table``, in the order of their first office.

    The contact is the first office's contact e-mail that is an address; the
    other offices' distinct contacts receive a copy. A partner without any
    address has ``contact_email`` empty: it cannot be asked.
    """
    groups: dict[str, list[Mapping[str, object]]] = {}
    for row in table.to_dict("records"):
        key = partner_key(row.get("partner_name"))
        if key:
            groups.setdefault(key, []).append(row)
    found = []
    for key, rows in groups.items():
        addresses = list(dict.fromkeys(str(r.get("contact_email") or "").strip() for r in rows))
        addresses = [a for a in addresses if a and is_email(a)]
        found.append(
            Partner(
                key=key,
                name=str(rows[0].get("partner_name") or ""),
                office_ids=tuple(str(r.get("partner_id") or "") for r in rows),
                contact_email=addresses[0] if addresses else "",
                copy_to=tuple(addresses[1:5]),
                language=partner_language(str(r.get("country") or "") for r in rows),
            )
        )
    return found


@dataclass(frozen=True)
class Sender:
    """How the check's messages go out: from the office, with links on the app's public address."""

    address: str
    name: str
    public_url: str


def sender_of(settings: Settings) -> Sender:
    """The office's address and name, and the public address of the app (``PARTNER_DIRECTORY_PUBLIC_URL``)."""
    return Sender(settings.mail_sender, settings.mail_sender_name, settings.public_url)


def record_of(entry_id: int) -> str:
    """What a partner's link and messages are bound to: its entry in one check (one partner, one check).

    >>> record_of(12)
    'data_check:12'
    """
    return f"data_check:{entry_id}"


def link_of(sender: Sender, token: str, language: str) -> str:
    """The link in the message: the page on the app's public address, the token and the partner's language."""
    return f"{sender.public_url.rstrip('/')}{LINK_PATH}?token={token}&lang={language}"


# -- starting a check ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """A check as started: its id, how many partners were mailed, and the partners without an address."""

    check_id: int
    mailed: int
    without_address: tuple[str, ...]


def start(
    database: Database,
    table: pd.DataFrame,
    *,
    keys: Iterable[str] | None = None,
    by: str,
    now: dt.datetime,
    sender: Sender,
) -> Started:
    """Start a check of the partners ``keys`` (all when ``None``) of the published ``table``; enqueue one message each.

    Earlier unanswered links of the same partners are revoked: one question at a time.
    Raises ``InvalidValueError("data_check_nobody")`` when no chosen partner has an address.
    """
    chosen = None if keys is None else set(keys)
    partners = [p for p in partners_of(table) if chosen is None or p.key in chosen]
    reachable = [p for p in partners if p.contact_email]
    if not reachable:
        raise InvalidValueError("data_check_nobody")
    expires = now + LINK_LIFETIME
    names = _office_names(table)
    with database.write() as connection:
        check_id = _new_id(
            connection.execute(check_table.insert().values(started_at=now, started_by=by[:200], expires_at=expires))
        )
        earlier = connection.execute(
            sa.select(entry_table.c.id).where(
                entry_table.c.partner_key.in_([p.key for p in reachable]), entry_table.c.answer == ""
            )
        ).scalars()
        earlier_ids = list(earlier)
        if earlier_ids:  # one question at a time: the older entries get no reminder and their links are revoked
            connection.execute(entry_table.update().where(entry_table.c.id.in_(earlier_ids)).values(answer=SUPERSEDED))
        entry_ids = []
        for partner in reachable:
            entry_ids.append(
                _new_id(
                    connection.execute(
                        entry_table.insert().values(
                            check_id=check_id,
                            partner_key=partner.key[:300],
                            partner_name=partner.name[:300],
                            office_ids=json.dumps(list(partner.office_ids), ensure_ascii=False),
                            contact_email=partner.contact_email,
                            copy_to=json.dumps(list(partner.copy_to)),
                            language=partner.language,
                            mailed_at=now,
                            opened_at=None,
                            reminded_at=None,
                            answer="",
                            answered_at=None,
                            note="",
                        )
                    )
                )
            )
    for entry_id in earlier_ids:
        tokens.revoke(database, record=record_of(entry_id), purpose="data_check", now=now)
    for partner, entry_id in zip(reachable, entry_ids, strict=True):
        token = tokens.issue(database, "data_check", record_of(entry_id), now=now, lifetime=LINK_LIFETIME)
        offices = [names.get(office, office) for office in partner.office_ids]
        mail = check_mail(partner, entry_id, link_of(sender, token, partner.language), expires, sender, offices=offices)
        outbox.enqueue(database, mail, sender=sender.address, sender_name=sender.name, now=now)
    return Started(int(check_id), len(reachable), tuple(p.name for p in partners if not p.contact_email))


def _new_id(result: sa.CursorResult) -> int:
    inserted = result.inserted_primary_key
    return int(inserted[0]) if inserted else 0


def _office_names(table: pd.DataFrame) -> dict[str, str]:
    names = {}
    for row in table.to_dict("records"):
        place = " — ".join(str(row.get(c) or "").strip() for c in ("office_name", "city") if row.get(c))
        names[str(row.get("partner_id") or "")] = place or str(row.get("partner_id") or "")
    return names


def check_mail(
    partner: Partner | Entry,
    entry_id: int,
    link: str,
    expires: dt.datetime,
    sender: Sender,
    *,
    offices: Sequence[str] = (),
    reminder: bool = False,
) -> Mail:
    """The message asking ``partner`` to check its offices (or the reminder), in the partner's language."""
    lang = partner.language
    kind = "reminder" if reminder else "request"
    sent = partner.mailed_at.date().isoformat() if isinstance(partner, Entry) else ""
    fields = {"partner": partner.name, "office": sender.name, "date": expires.date().isoformat(), "sent": sent}
    subject = t(f"data_check.mail.{kind}.subject", lang, **fields)
    paragraphs = [
        t("data_check.mail.greeting", lang, **fields),
        t(f"data_check.mail.{kind}.body", lang, **fields),
    ]
    closing = [t("data_check.mail.expiry", lang, **fields), t("data_check.mail.no_account", lang, **fields)]
    button = t("data_check.mail.button", lang)
    text_lines = [paragraphs[0], "", paragraphs[1], ""]
    text_lines += [f"- {office}" for office in offices]
    text_lines += ["", f"{button}: {link}", "", *closing, "", sender.name]
    escaped = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if offices:
        escaped.append("<ul>" + "".join(f"<li>{html.escape(o)}</li>" for o in offices) + "</ul>")
    escaped.append(f'<p><a href="{html.escape(link, quote=True)}">{html.escape(button)}</a></p>')
    escaped += [f"<p>{html.escape(p)}</p>" for p in closing]
    escaped.append(f"<p>{html.escape(sender.name)}</p>")
    document = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(subject)}</title>'
        f"</head><body>{''.join(escaped)}</body></html>"
    )
    return Mail(
        to=(partner.contact_email,),
        cc=partner.copy_to,
        reply_to=sender.address,
        subject=subject,
        text="\n".join(text_lines),
        html=document,
        purpose="data_check_reminder" if reminder else "data_check",
        record=record_of(entry_id),
        language=lang,
    )


# -- one partner's entry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One partner in one check, and where it stands."""

    id: int
    check_id: int
    partner_key: str
    partner_name: str
    office_ids: tuple[str, ...]
    contact_email: str
    copy_to: tuple[str, ...]
    language: str
    mailed_at: dt.datetime
    opened_at: dt.datetime | None
    reminded_at: dt.datetime | None
    answer: str
    answered_at: dt.datetime | None
    note: str
    expires_at: dt.datetime

    @property
    def name(self) -> str:
        return self.partner_name

    def state(self, now: dt.datetime) -> str:
        """One of :data:`STATES`: the answer; else "no_answer" once the reminder went, the link expired or a later
        check replaced this one; else "opened" or "sent"."""
        if self.answer in ANSWERS:
            return self.answer
        if self.answer == SUPERSEDED or self.reminded_at is not None or self.expires_at <= now:
            return "no_answer"
        return "opened" if self.opened_at is not None else "sent"


def _entry(row: sa.Row) -> Entry:
    values = row._mapping
    return Entry(
        id=values["id"],
        check_id=values["check_id"],
        partner_key=values["partner_key"],
        partner_name=values["partner_name"],
        office_ids=tuple(json.loads(values["office_ids"])),
        contact_email=values["contact_email"],
        copy_to=tuple(json.loads(values["copy_to"])),
        language=values["language"],
        mailed_at=_aware(values["mailed_at"]),
        opened_at=_maybe(values["opened_at"]),
        reminded_at=_maybe(values["reminded_at"]),
        answer=values["answer"],
        answered_at=_maybe(values["answered_at"]),
        note=values["note"],
        expires_at=_aware(values["expires_at"]),
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _maybe(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else _aware(moment)


def _entries_query() -> sa.Select:
    return sa.select(entry_table, check_table.c.expires_at).join(
        check_table, check_table.c.id == entry_table.c.check_id
    )


def entry(database: Database, entry_id: int) -> Entry:
    """The entry ``entry_id``; raises ``TokenError("token_unknown")`` when there is none (its link is stale)."""
    with database.read() as connection:
        row = connection.execute(_entries_query().where(entry_table.c.id == entry_id)).first()
    if row is None:
        raise TokenError("token_unknown")
    return _entry(row)


def _entry_of(grant: tokens.Grant) -> int:
    prefix, _, number = grant.record.partition(":")
    if prefix != "data_check" or not number.isdigit():
        raise TokenError("token_unknown")
    return int(number)


def open_link(database: Database, token: str, *, now: dt.datetime) -> Entry:
    """The entry a link is for, recording when it was first opened; raises ``TokenError`` with a sentence."""
    grant = tokens.look_up(database, token, "data_check", now=now)
    found = entry(database, _entry_of(grant))
    if found.answer:
        raise TokenError("token_used")
    if found.opened_at is None:
        with database.write() as connection:
            connection.execute(
                entry_table.update()
                .where(entry_table.c.id == found.id, entry_table.c.opened_at.is_(None))
                .values(opened_at=now)
            )
        found = replace(found, opened_at=now)
    return found


def offices_of(found: Entry, table: pd.DataFrame) -> pd.DataFrame:
    """The partner's offices in the published ``table`` (those it had when the check started), in that order."""
    if table.empty or "partner_id" not in table.columns:
        return table.iloc[0:0]
    rows = table[table["partner_id"].astype(str).isin(found.office_ids)]
    order = {office: position for position, office in enumerate(found.office_ids)}
    return rows.iloc[sorted(range(len(rows)), key=lambda i: order[str(rows["partner_id"].iloc[i])])]


# -- the partner's answer -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """One field of one office that the partner changed: the published value and the proposed one (normalised)."""

    partner_id: str
    column: str
    published: str
    proposed: str


@dataclass(frozen=True)
class Reviewed:
    """A partner's changes as the staff editor's validation sees them: the corrections, or the errors per field."""

    corrections: tuple[Correction, ...]
    problems: tuple[tuple[str, Problem], ...]  # (partner_id, problem): errors block the answer

    @property
    def ok(self) -> bool:
        return not self.problems


def review_changes(offices: pd.DataFrame, changes: Mapping[str, Mapping[str, str]], *, today: dt.date) -> Reviewed:
    """Check the partner's ``changes`` (office ``partner_id`` → column → typed value) as the editor checks a row.

    Only :data:`EDITABLE_COLUMNS` count; every other key is ignored. The
    offices with the changes applied run through ``sheet.validation.check``;
    its errors are returned with the office they concern, and a value that
    passes is compared, normalised, with the published one: only real changes
    become corrections.
    """
    rows = [{c: _text(row.get(c)) for c in COLUMNS} for row in offices.to_dict("records")]
    ids = [row["partner_id"] for row in rows]
    for row in rows:
        for column, value in (changes.get(row["partner_id"]) or {}).items():
            if column in EDITABLE_COLUMNS:
                row[column] = _text(value)[:MAX_VALUE_CHARS]
    frame = pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)
    numbers = list(range(2, len(rows) + 2))
    loaded = LoadedTable(
        frame=frame,
        mapping=HeaderMapping(headers=COLUMNS, columns=COLUMNS, duplicates=()),
        row_numbers=numbers,
        source=SourceInfo(format="data_check"),
    )
    checked = check(loaded, today=today)
    by_row = dict(zip(numbers, ids, strict=True))
    problems = tuple((by_row.get(p.row or 0, ""), p) for p in checked.report.problems if p.severity == ERROR)
    corrections = []
    published = {str(row.get("partner_id")): row for row in offices.to_dict("records")}
    for row in checked.table.to_dict("records"):
        before = published[str(row["partner_id"])]
        for column in EDITABLE_COLUMNS:
            old, new = _text(before.get(column)), _text(row.get(column))
            if old != new:
                corrections.append(Correction(str(row["partner_id"]), column, old, new))
    return Reviewed(tuple(corrections), problems)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def confirm(database: Database, token: str, *, now: dt.datetime, note: str = "") -> Entry:
    """The partner confirms its offices as published; the link is spent. Raises ``TokenError``."""
    return _answer(database, token, "confirmed", (), now=now, note=note)


def correct(
    database: Database,
    token: str,
    offices: pd.DataFrame,
    changes: Mapping[str, Mapping[str, str]],
    *,
    now: dt.datetime,
    today: dt.date,
    note: str = "",
) -> Reviewed:
    """The partner sends corrections: stored per field for staff when every field passes, the link then spent.

    With errors nothing is stored and the link still works (the page shows the
    errors beside their fields). Changes that change nothing count as a
    confirmation. Raises ``TokenError`` for a link that no longer works.
    """
    tokens.look_up(database, token, "data_check", now=now)
    reviewed = review_changes(offices, changes, today=today)
    if reviewed.ok:
        answer = "corrected" if reviewed.corrections else "confirmed"
        _answer(database, token, answer, reviewed.corrections, now=now, note=note)
    return reviewed


def _answer(
    database: Database, token: str, answer: str, corrections: Sequence[Correction], *, now: dt.datetime, note: str
) -> Entry:
    grant = tokens.use(database, token, "data_check", now=now)
    entry_id = _entry_of(grant)
    with database.write() as connection:
        updated = connection.execute(
            entry_table.update()
            .where(entry_table.c.id == entry_id, entry_table.c.answer == "")
            .values(
                answer=answer,
                answered_at=now,
                note=_text(note)[:MAX_NOTE_CHARS],
                opened_at=sa.func.coalesce(entry_table.c.opened_at, now),
            )
        )
        if updated.rowcount != 1:
            raise TokenError("token_used")
        for correction in corrections:
            connection.execute(
                field_table.insert().values(
                    entry_id=entry_id,
                    partner_id=correction.partner_id[:200],
                    column_name=correction.column,
                    published=correction.published,
                    proposed=correction.proposed,
                    decision="",
                    decided_value="",
                    decided_by="",
                    decided_at=None,
                )
            )
    return entry(database, entry_id)


# -- what staff see and decide ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One data check as started."""

    id: int
    started_at: dt.datetime
    started_by: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class FieldAnswer:
    """One corrected field and the staff's decision about it ("" while undecided)."""

    id: int
    entry_id: int
    partner_id: str
    column: str
    published: str
    proposed: str
    decision: str
    decided_value: str
    decided_by: str

    @property
    def value(self) -> str | None:
        """The value to publish: the proposed one, the staff's edit, or ``None`` (rejected or undecided)."""
        if self.decision == "accepted":
            return self.proposed
        if self.decision == "edited":
            return self.decided_value
        return None


def checks(database: Database) -> list[Check]:
    """Every check, the newest first."""
    with database.read() as connection:
        rows = connection.execute(sa.select(check_table).order_by(check_table.c.id.desc())).all()
    return [Check(r.id, _aware(r.started_at), r.started_by, _aware(r.expires_at)) for r in rows]


def entries(database: Database, check_id: int) -> list[Entry]:
    """The partners of check ``check_id``, in the order they were asked."""
    with database.read() as connection:
        rows = connection.execute(
            _entries_query().where(entry_table.c.check_id == check_id).order_by(entry_table.c.id)
        ).all()
    return [_entry(row) for row in rows]


def field_answers(database: Database, check_id: int) -> list[FieldAnswer]:
    """Every corrected field of check ``check_id``, partner by partner, office by office."""
    query = (
        sa.select(field_table)
        .join(entry_table, entry_table.c.id == field_table.c.entry_id)
        .where(entry_table.c.check_id == check_id)
        .order_by(field_table.c.entry_id, field_table.c.id)
    )
    with database.read() as connection:
        rows = connection.execute(query).all()
    return [
        FieldAnswer(
            r.id,
            r.entry_id,
            r.partner_id,
            r.column_name,
            r.published,
            r.proposed,
            r.decision,
            r.decided_value,
            r.decided_by,
        )
        for r in rows
    ]


def progress(found: Sequence[Entry], *, now: dt.datetime) -> dict[str, int]:
    """How many partners stand where (every one of :data:`STATES`, zero included)."""
    counts = Counter(e.state(now) for e in found)
    return {state: counts.get(state, 0) for state in STATES}


def decide(database: Database, field_id: int, decision: str, *, by: str, now: dt.datetime, value: str = "") -> None:
    """Staff accept, edit (to ``value``) or reject one corrected field; ``""`` undoes the decision."""
    if decision not in (*DECISIONS, ""):
        raise ValueError(f"unknown decision {decision!r}")
    with database.write() as connection:
        connection.execute(
            field_table.update()
            .where(field_table.c.id == field_id)
            .values(
                decision=decision,
                decided_value=_text(value)[:MAX_VALUE_CHARS] if decision == "edited" else "",
                decided_by=by[:200] if decision else "",
                decided_at=now if decision else None,
            )
        )


def undecided(answers: Sequence[FieldAnswer], entry_id: int) -> int:
    """How many of the partner's corrected fields wait for a decision."""
    return sum(1 for a in answers if a.entry_id == entry_id and not a.decision)


def apply_answers(draft: Draft, found: Sequence[Entry], answers: Sequence[FieldAnswer]) -> tuple[Draft, int]:
    """``draft`` (of the published list) with the partners' answers staff decided: the new draft and how many
    partners it verifies.

    A partner counts once every one of its fields has a decision: its accepted
    and edited values are written (``publishing.apply_edits``: a changed place
    is placed again), and each of its offices gets ``last_verified`` = the day
    it answered. A confirmation needs no decision. Rejected values are left
    out; undecided partners wait for the next draft.
    """
    positions = {str(office): position for position, office in enumerate(draft.rows["partner_id"])}
    edited: dict[int, dict[str, str]] = {}
    verified = 0
    for partner in found:
        if partner.answer not in ANSWERS or partner.answered_at is None or undecided(answers, partner.id):
            continue
        offices = [positions[o] for o in partner.office_ids if o in positions]
        if not offices:
            continue
        verified += 1
        for position in offices:
            edited.setdefault(position, {})["last_verified"] = partner.answered_at.date().isoformat()
        for answer in answers:
            value = answer.value
            if answer.entry_id == partner.id and value is not None and answer.partner_id in positions:
                edited.setdefault(positions[answer.partner_id], {})[answer.column] = value
    return apply_edits(draft, edited=edited), verified


# -- the one reminder ---------------------------------------------------------------------------------------


def remind(database: Database, settings: Settings, now: dt.datetime) -> int:
    """Send the one reminder to partners who have not answered :data:`REMIND_AFTER_DAYS` after the first message.

    The earlier link is revoked and the reminder carries a new one, valid
    until the check's links expire (a link is stored only hashed, so it cannot
    be sent again). Returns how many reminders were enqueued.
    """
    due = now - dt.timedelta(days=REMIND_AFTER_DAYS)
    query = _entries_query().where(
        entry_table.c.answer == "",
        entry_table.c.reminded_at.is_(None),
        entry_table.c.mailed_at <= due,
        check_table.c.expires_at > now + dt.timedelta(days=1),
    )
    with database.read() as connection:
        waiting = [_entry(row) for row in connection.execute(query)]
    sender = sender_of(settings)
    sent = 0
    for partner in waiting:
        with database.write() as connection:  # claim it first: two senders never remind one partner twice
            claimed = connection.execute(
                entry_table.update()
                .where(entry_table.c.id == partner.id, entry_table.c.reminded_at.is_(None), entry_table.c.answer == "")
                .values(reminded_at=now)
            ).rowcount
        if claimed != 1:
            continue
        tokens.revoke(database, record=record_of(partner.id), purpose="data_check", now=now)
        token = tokens.issue(database, "data_check", record_of(partner.id), now=now, lifetime=partner.expires_at - now)
        link = link_of(sender, token, partner.language)
        mail = check_mail(partner, partner.id, link, partner.expires_at, sender, reminder=True)
        outbox.enqueue(database, mail, sender=sender.address, sender_name=sender.name, now=now)
        sent += 1
    return sent
