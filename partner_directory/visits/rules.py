"""A member's visit request to a host partner, following the BRA terms.

Under the Business Roaming Agreement a member company may use a desk, a
meeting room and internet at a partner's office for up to five consecutive
working days free of charge. The visit is agreed in advance with the host's
contact person, and the home cluster's office is copied so that it records it.

Working days are the host's: its country's weekend and public holidays (the
``holidays`` package), so a visit to Munich cannot start on 1 May. Nothing
here reads the clock: every decision takes ``today`` from the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from partner_directory.geo.countries import country_name
from partner_directory.geo.languages import resolve_language
from partner_directory.i18n import normalise_language, t, tn
from partner_directory.links import is_email, mailto
from partner_directory.sheet.schema import SERVICES, split_list
from partner_directory.text import MULTI_LINE, ONE_LINE, without_controls

#: The longest free visit under the BRA, in working days.
MAX_WORKING_DAYS = 5
MAX_PEOPLE = 20
#: The suggested visit starts at least this many days after today: time for the host to answer.
NOTICE_DAYS = 14
#: The suggested visit is this many consecutive working days.
SUGGESTED_WORKING_DAYS = 3
#: How far ahead the suggestion is looked for (a whole year and a day).
SUGGESTION_HORIZON_DAYS = 367
#: Languages the request e-mail can be written in.
EMAIL_LANGUAGES = ("en", "pl")
#: Saturday and Sunday, for a country whose weekend the ``holidays`` package does not know.
DEFAULT_WEEKEND = frozenset({5, 6})
#: Where our own cluster hosts incoming visits (the BRA office running this directory is in Poland).
HOME_COUNTRY = "PL"


@dataclass(frozen=True)
class VisitRequest:
    """What a member fills in to ask a host for a visit.

    The member's text is cleaned on the way in (:func:`partner_directory.text.clean_text`):
    company and name are one line, the note keeps its line breaks; no control
    character reaches the e-mail, the calendar file or the register.
    """

    start: dt.date
    end: dt.date
    people: int
    services: tuple[str, ...]
    member_company: str = ""
    member_name: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        for name, kind in (("member_company", ONE_LINE), ("member_name", ONE_LINE), ("note", MULTI_LINE)):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, without_controls(value, kind=kind))


@dataclass(frozen=True)
class Host:
    """The host office as the request needs it.

    ``country`` is an ISO 3166-1 alpha-2 code (its holidays decide the working
    days); ``languages`` are ISO 639-1 codes the host lists.
    """

    partner_name: str
    office_name: str
    city: str
    contact_name: str
    contact_email: str
    country: str = ""
    languages: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Host:
        """The host of one row of the partner table (missing fields count as empty)."""

        def text(column: str) -> str:
            value = row.get(column)
            return "" if value is None or value != value else str(value).strip()  # NaN is empty

        spoken = (resolve_language(item) for item in split_list(text("languages")))
        return cls(
            partner_name=text("partner_name"),
            office_name=text("office_name"),
            city=text("city"),
            contact_name=text("contact_name"),
            contact_email=text("contact_email"),
            country=text("country").upper(),
            languages=tuple(dict.fromkeys(code for code in spoken if code)),
        )


@lru_cache(maxsize=512)
def _holidays(country: str, year: int, language: str) -> tuple[frozenset[int], dict[dt.date, str]]:
    """The weekend (weekday numbers) and public holidays of ``country`` in ``year``, named in ``language``."""
    import holidays  # imported late: only the visit form needs it

    try:
        calendar = holidays.country_holidays(country, years=year)
    except (NotImplementedError, KeyError):  # a country the package does not know: weekends only
        return DEFAULT_WEEKEND, {}
    supported = calendar.supported_languages or ()
    wanted = {"pl": ("pl",), "en": ("en_US", "en_GB")}.get(language, ())
    chosen = next((code for code in wanted if code in supported), None)
    if chosen is None and "en_US" in supported:
        chosen = "en_US"  # a holiday named in English reads better to a Polish member than in Arabic script
    if chosen is not None:
        calendar = holidays.country_holidays(country, years=year, language=chosen)
    weekend = frozenset(getattr(calendar, "weekend", DEFAULT_WEEKEND) or DEFAULT_WEEKEND)
    return weekend, {day: str(name) for day, name in calendar.items()}


@dataclass(frozen=True)
class HostCalendar:
    """Working days at the host's office: not its country's weekend, not a public holiday there.

    >>> HostCalendar("DE").holiday(dt.date(2026, 12, 25))
    'Christmas Day'
    >>> HostCalendar("PL").is_working_day(dt.date(2026, 5, 4))
    True
    """

    country: str = ""

    def weekend(self, year: int) -> frozenset[int]:
        """The weekday numbers (Monday is 0) that are the weekend in the host's country."""
        return _holidays(self.country, year, "en")[0] if self.country else DEFAULT_WEEKEND

    def holiday(self, day: dt.date, language: str = "en") -> str | None:
        """The name of the public holiday on ``day`` (in ``language`` when known, else English), or ``None``."""
        if not self.country:
            return None
        return _holidays(self.country, day.year, normalise_language(language))[1].get(day)

    def is_weekend(self, day: dt.date) -> bool:
        return day.weekday() in self.weekend(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        return not self.is_weekend(day) and self.holiday(day) is None

    def working_days(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """The working days from ``start`` to ``end`` inclusive."""
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)


def working_days(start: dt.date, end: dt.date, calendar: HostCalendar | None = None) -> int:
    """Count working days from ``start`` to ``end`` inclusive (0 when end is before start).

    Without a ``calendar``, Monday to Friday.

    >>> working_days(dt.date(2026, 11, 30), dt.date(2026, 12, 4))  # Monday to Friday
    5
    >>> working_days(dt.date(2026, 12, 21), dt.date(2026, 12, 28), HostCalendar("PL"))  # 24–26 December
    4
    """
    return sum(1 for _ in (calendar or HostCalendar()).working_days(start, end))


def may_complete(start: dt.date, *, today: dt.date) -> bool:
    """Whether a visit starting on ``start`` may be marked completed on ``today``: only once its days have begun.

    A visit marked completed counts as used in the yearly report and on the
    Overview, so one that has not begun would count days nobody used.

    >>> may_complete(dt.date(2026, 12, 21), today=dt.date(2026, 12, 4))
    False
    >>> may_complete(dt.date(2026, 12, 4), today=dt.date(2026, 12, 4))
    True
    """
    return start <= today


def suggested_dates(calendar: HostCalendar, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The visit the form suggests: the first run of consecutive working days far enough ahead.

    It starts at least :data:`NOTICE_DAYS` after ``today`` and lasts
    :data:`SUGGESTED_WORKING_DAYS` working days with no weekend or holiday in
    between, so it always passes :func:`check_visit`'s rules on dates.

    >>> suggested_dates(HostCalendar("PL"), today=dt.date(2026, 11, 28))  # a Saturday
    (datetime.date(2026, 12, 14), datetime.date(2026, 12, 16))
    """
    earliest = today + dt.timedelta(days=NOTICE_DAYS)
    first_working: dt.date | None = None
    for offset in range(SUGGESTION_HORIZON_DAYS):
        start = earliest + dt.timedelta(days=offset)
        if not calendar.is_working_day(start):
            continue
        first_working = first_working or start
        run = [start + dt.timedelta(days=n) for n in range(SUGGESTED_WORKING_DAYS)]
        if all(calendar.is_working_day(day) for day in run):
            return start, run[-1]
    if first_working is not None:  # never a whole run in a year: one day is still a visit
        return first_working, first_working
    return earliest, earliest  # no working day in a year cannot happen; the check will say why


def check_visit(request: VisitRequest, host: Host, *, today: dt.date, language: str = "en") -> list[str]:
    """Return the reasons, as sentences in ``language``, why the request cannot be sent (empty when it can)."""
    problems: list[str] = []
    calendar = HostCalendar(host.country)
    if not is_email(host.contact_email):
        problems.append(t("visit.problem.no_contact", language, partner=host.partner_name))
    if not request.member_company.strip():
        problems.append(t("visit.problem.no_company", language))
    if not request.member_name.strip():
        problems.append(t("visit.problem.no_name", language))
    if request.start < today:
        problems.append(t("visit.problem.past", language))
    if request.end < request.start:
        problems.append(t("visit.problem.order", language))
    else:
        for day in dict.fromkeys((request.start, request.end)):
            reason = _not_working(day, calendar, host, language)
            if reason:
                problems.append(reason)
        if working_days(request.start, request.end, calendar) > MAX_WORKING_DAYS:
            days = tn("count.consecutive_working_days", MAX_WORKING_DAYS, language)
            problems.append(t("visit.problem.too_long", language, days=days))
    if not 1 <= request.people <= MAX_PEOPLE:
        problems.append(t("visit.problem.people", language, most=MAX_PEOPLE))
    if not request.services:
        problems.append(t("visit.problem.no_services", language))
    return problems


def _not_working(day: dt.date, calendar: HostCalendar, host: Host, language: str) -> str | None:
    """Why ``day`` cannot be the first or last day of the visit, or ``None`` when it can."""
    country = country_name(host.country, language) if host.country else ""
    if calendar.is_weekend(day):
        weekday = t(f"visit.weekday.{day.weekday()}", language)
        return t("visit.problem.weekend_day", language, date=day.isoformat(), weekday=weekday)
    holiday = calendar.holiday(day, language)
    if holiday:
        return t("visit.problem.holiday", language, date=day.isoformat(), holiday=holiday, country=country)
    return None


def email_languages(host_languages: Sequence[str], interface_language: str = "en") -> tuple[str, ...]:
    """The languages the request may be written in, the suggested one first.

    Only languages the host lists and the directory can write (:data:`EMAIL_LANGUAGES`):
    Polish only when the host lists Polish; English when the host lists
    neither. The member's own interface language comes first when the host lists it.

    >>> email_languages(["ja", "en"], "pl"), email_languages(["pl", "en"], "pl"), email_languages(["de"], "pl")
    (('en',), ('pl', 'en'), ('en',))
    """
    listed = [code for code in dict.fromkeys(host_languages) if code in EMAIL_LANGUAGES]
    if not listed:
        return ("en",)
    interface = normalise_language(interface_language)
    first = interface if interface in listed else listed[0]
    return (first, *(code for code in listed if code != first))


def visit_email(
    request: VisitRequest,
    host: Host,
    *,
    home_cluster_name: str,
    home_cluster_email: str,
    language: str = "en",
) -> tuple[str, str]:
    """Return ``(subject, body)`` of the request e-mail in ``language``."""
    services = ", ".join(t(f"service.{s}", language) for s in request.services if s in SERVICES)
    days = working_days(request.start, request.end, HostCalendar(host.country))
    subject = t("visit.subject", language, partner=host.partner_name, start=request.start.isoformat())
    signature = [request.member_name.strip(), request.member_company.strip()]
    lines = [
        t("visit.greeting", language, name=host.contact_name)
        if host.contact_name
        else t("visit.greeting_plain", language),
        "",
        t("visit.intro", language, company=request.member_company.strip() or "—", home=home_cluster_name),
        "",
        t("visit.office", language, office=_office_line(host, language)),
        t(
            "visit.dates",
            language,
            start=request.start.isoformat(),
            end=request.end.isoformat(),
            days=tn("count.working_days", days, language),
        ),
        t("visit.people", language, people=request.people),
        t("visit.services", language, services=services),
    ]
    if request.note.strip():
        lines += [t("visit.note", language, note=request.note.strip())]
    lines += [
        "",
        t("visit.terms", language, days=tn("count.consecutive_working_days", MAX_WORKING_DAYS, language)),
        t("visit.copy", language, home=home_cluster_name, email=home_cluster_email),
        "",
        t("visit.closing", language),
        *(part for part in dict.fromkeys(signature) if part),
    ]
    return subject, "\n".join(lines).rstrip() + "\n"


def _office_line(host: Host, language: str) -> str:
    country = country_name(host.country, language) if host.country else ""
    return " · ".join(p for p in (host.partner_name, host.office_name, host.city, country) if p)


def visit_link(
    request: VisitRequest,
    host: Host,
    *,
    home_cluster_name: str,
    home_cluster_email: str,
    language: str = "en",
) -> str | None:
    """The ``mailto:`` link that opens the member's e-mail program with the request, or ``None``."""
    subject, body = visit_email(
        request, host, home_cluster_name=home_cluster_name, home_cluster_email=home_cluster_email, language=language
    )
    return mailto(host.contact_email, subject=subject, body=body, cc=home_cluster_email)


def default_services(offered: Sequence[str]) -> tuple[str, ...]:
    """The services pre-selected in the form: the free BRA basics that the host offers, else its first service.

    Only keys of ``SERVICES`` (the form's options) are ever returned, whatever ``offered`` holds.

    >>> default_services(["events", "internet"]), default_services(["events"]), default_services(["biurko, internet"])
    (('internet',), ('events',), ())
    """
    known = [s for s in SERVICES if s in offered]
    basics = ("desk", "internet")
    return tuple(s for s in basics if s in known) or tuple(known[:1])


# -- the calendar file (RFC 5545) -----------------------------------------------------------

#: Longest line of an iCalendar file in octets, without the line break (RFC 5545, 3.1).
ICS_LINE_OCTETS = 75
ICS_PRODUCT = "-//BRA partner directory//Visit request//EN"


def ics_text(value: str) -> str:
    r"""Escape ``value`` as an iCalendar TEXT value (RFC 5545, 3.3.11).

    Every character that may end a line for some reader -- CR, LF, VT, FF,
    U+001C-U+001E, NEL, U+2028, U+2029 (what ``str.splitlines()`` splits on) --
    becomes the escaped ``\n``; every other control character is dropped (TEXT
    may hold none), so a value can never start a line of its own.

    >>> ics_text("Rīga; office, 2nd floor\\ east\nroom 4")
    'Rīga\\; office\\, 2nd floor\\\\ east\\nroom 4'
    >>> ics_text("a\u2028ATTENDEE:x\x0bb\x00")
    'a\\nATTENDEE:x\\nb'
    """
    value = without_controls(value, kind=MULTI_LINE)  # every line break is now "\n", nothing else is a control
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold one content line into lines of at most 75 octets, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = "", 0, ICS_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, ICS_LINE_OCTETS - 1  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def visit_calendar(
    request: VisitRequest,
    host: Host,
    *,
    home_cluster_name: str,
    home_cluster_email: str,
    stamp: dt.datetime,
    language: str = "en",
) -> bytes:
    """The planned days as an iCalendar file: one all-day event per working day of the visit.

    The events are tentative (the host has not confirmed yet); each carries the
    request's text. ``stamp`` is when the file is made (``DTSTAMP``, in UTC).
    The same request always gives the same event ids, so a second download
    replaces the events rather than adding new ones.
    """
    calendar = HostCalendar(host.country)
    days = list(calendar.working_days(request.start, request.end))
    subject, body = visit_email(
        request, host, home_cluster_name=home_cluster_name, home_cluster_email=home_cluster_email, language=language
    )
    seed = "|".join(
        (host.contact_email, host.partner_name, host.office_name, request.member_company, request.member_name)
    )
    utc = stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{ICS_PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for number, day in enumerate(days, start=1):
        uid = hashlib.sha256(f"{seed}|{day.isoformat()}".encode()).hexdigest()[:32]
        summary = t("visit.calendar.summary", language, partner=host.partner_name, day=number, days=len(days))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@bra-partner-directory",
            f"DTSTAMP:{utc:%Y%m%dT%H%M%SZ}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ics_text(summary)}",
            f"LOCATION:{ics_text(_office_line(host, language))}",
            f"DESCRIPTION:{ics_text(subject + chr(10) + chr(10) + body)}",
            "STATUS:TENTATIVE",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(ics_fold(line) for line in lines) + "\r\n").encode("utf-8")
