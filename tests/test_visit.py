"""Visit requests: the host's working days and holidays, suggested dates on any day, the e-mail, the calendar file."""

from __future__ import annotations

import ast
import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from partner_directory.visits.rules import (
    NOTICE_DAYS,
    Host,
    HostCalendar,
    VisitRequest,
    check_visit,
    email_languages,
    ics_fold,
    ics_text,
    suggested_dates,
    visit_calendar,
    visit_email,
    visit_link,
    working_days,
)
from tests.conftest import ROOT

TODAY = dt.date(2026, 11, 27)  # a Friday
HOST = Host(
    "Baltic Digital Cluster", "Riga office", "Rīga", "Ilze Paraugs", "host@baltic.example.org", "LV", ("lv", "en")
)
HOME = {"home_cluster_name": "Pomeranian ICT Cluster", "home_cluster_email": "office@pomeranian.example.org"}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2026-11-30", "2026-12-04", 5),
        ("2026-12-02", "2026-12-08", 5),
        ("2026-11-30", "2026-11-30", 1),
        ("2026-11-28", "2026-11-29", 0),
        ("2026-11-30", "2026-12-07", 6),
        ("2026-12-04", "2026-11-30", 0),
    ],
)
def test_working_days_monday_to_friday(start, end, days):
    assert working_days(day(start), day(end)) == days


@pytest.mark.parametrize(
    ("country", "start", "end", "days"),
    [
        ("PL", "2026-12-21", "2026-12-28", 4),  # 24, 25, 26 December
        ("DE", "2026-12-21", "2026-12-28", 5),  # Germany works on Christmas Eve
        ("PL", "2026-04-27", "2026-05-08", 9),  # 1 May (Fri); 3 May is a Sunday in 2026
        ("PL", "2027-04-26", "2027-05-07", 9),  # 2027: 1 May is a Saturday, 3 May a Monday
        ("DE", "2026-03-30", "2026-04-10", 8),  # Good Friday, Easter Monday
        ("PL", "2026-03-30", "2026-04-10", 9),  # Poland: Easter Monday only
        ("IL", "2026-11-29", "2026-12-05", 5),  # Sunday to Thursday; Friday and Saturday are the weekend
    ],
)
def test_working_days_follow_the_host_country(country, start, end, days):
    assert working_days(day(start), day(end), HostCalendar(country)) == days


def request(start: str, end: str, *, people: int = 2, services=("desk",), company="Acme sp. z o.o.", name="Jan"):
    return VisitRequest(day(start), day(end), people, tuple(services), company, name)


@pytest.mark.parametrize(
    ("visit", "expected"),
    [
        (request("2026-11-30", "2026-12-04"), []),
        (request("2026-12-02", "2026-12-08"), []),
        (request("2026-11-30", "2026-12-07"), ["A BRA visit lasts at most 5 consecutive working days."]),
        (request("2026-11-26", "2026-11-27"), ["The visit cannot start in the past."]),
        (request("2026-12-04", "2026-11-30"), ["The last day is before the first day."]),
        (
            request("2026-11-28", "2026-11-30"),
            [
                "2026-11-28 is a Saturday, a weekend day at the host's office; "
                "the first and the last day must be working days."
            ],
        ),
        (request("2026-11-30", "2026-11-30", people=0), ["The number of people must be between 1 and 20."]),
        (request("2026-11-30", "2026-11-30", services=()), ["Choose at least one service."]),
        (
            request("2026-11-30", "2026-11-30", company=" ", name=""),
            [
                "Enter your company: the host needs to know whom they are welcoming.",
                "Enter your name: the request is signed with it.",
            ],
        ),
    ],
)
def test_check_visit(visit, expected):
    assert check_visit(visit, HOST, today=TODAY) == expected


def test_check_visit_in_polish_and_without_contact():
    host = Host("Bez Kontaktu", "", "Gdańsk", "", "", "PL")
    problems = check_visit(request("2026-11-30", "2026-12-07"), host, today=TODAY, language="pl")
    assert problems == [
        "Bez Kontaktu nie ma w katalogu adresu e-mail do kontaktu; zapytaj biuro swojego klastra.",
        "Wizyta w ramach BRA trwa najwyżej 5 kolejnych dni roboczych.",
    ]


@pytest.mark.parametrize(
    ("country", "date", "language", "sentence"),
    [
        (
            "PL",
            "2026-12-25",
            "pl",
            "2026-12-25 to święto w kraju gospodarza (Polska): Boże Narodzenie (pierwszy dzień); "
            "pierwszy i ostatni dzień wizyty muszą być dniami roboczymi.",
        ),
        (
            "PL",
            "2026-12-24",
            "en",
            "2026-12-24 is a public holiday in Poland: Christmas Eve; the first and the last day must be working days.",
        ),
        (
            "DE",
            "2026-05-01",
            "en",
            "2026-05-01 is a public holiday in Germany: Labor Day; the first and the last day must be working days.",
        ),
        ("DE", "2026-04-03", "pl", "2026-04-03 to święto w kraju gospodarza (Niemcy): Good Friday;"),
        ("PL", "2027-05-03", "pl", "2027-05-03 to święto w kraju gospodarza (Polska): Święto Narodowe Trzeciego Maja;"),
        ("PL", "2026-04-06", "en", "2026-04-06 is a public holiday in Poland: Easter Monday;"),
    ],
)
def test_a_holiday_blocks_the_first_or_last_day_and_is_named(country, date, language, sentence):
    host = Host("Host", "", "City", "", "host@example.org", country)
    visit = VisitRequest(day(date), day(date), 1, ("desk",), "Acme", "Jan")
    problems = check_visit(visit, host, today=day(date) - dt.timedelta(days=30), language=language)
    assert len(problems) == 1 and problems[0].startswith(sentence), problems


def test_a_holiday_inside_the_visit_does_not_count_against_the_five_days():
    host = Host("Host", "", "Gdańsk", "", "host@example.org", "PL")
    # Monday 21 to Monday 28 December 2026: 24, 25 and 26 are holidays, so four working days.
    assert check_visit(request("2026-12-21", "2026-12-28"), host, today=TODAY) == []
    assert check_visit(request("2026-12-21", "2026-12-29"), host, today=TODAY) == []
    assert check_visit(request("2026-12-21", "2026-12-30"), host, today=TODAY) == [
        "A BRA visit lasts at most 5 consecutive working days."
    ]


def passes(start: dt.date, end: dt.date, country: str, today: dt.date) -> list[str]:
    host = Host("Host", "", "City", "", "host@example.org", country)
    return check_visit(VisitRequest(start, end, 1, ("desk",), "Acme", "Jan"), host, today=today)


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("country", ["PL", "DE"])
def test_the_suggested_dates_pass_the_rule_whatever_the_weekday_of_today(weekday, country):
    today = day("2026-11-23") + dt.timedelta(days=weekday)  # Monday 23 November + weekday
    assert today.weekday() == weekday
    start, end = suggested_dates(HostCalendar(country), today=today)
    assert passes(start, end, country, today) == []
    assert start >= today + dt.timedelta(days=NOTICE_DAYS)
    assert start.weekday() < 5 and end.weekday() < 5 and (end - start).days == 2


def test_the_issue_example_saturday_28_november():
    """Seen: 2026-12-12 (Sat) to 12-14 (Mon) suggested on Saturday 2026-11-28."""
    assert suggested_dates(HostCalendar("PL"), today=day("2026-11-28")) == (day("2026-12-14"), day("2026-12-16"))


@pytest.mark.parametrize(
    ("country", "today", "start", "end"),
    [
        ("PL", "2026-12-08", "2026-12-28", "2026-12-30"),  # 22–23 Dec is too short before 24–26
        ("DE", "2026-12-08", "2026-12-22", "2026-12-24"),  # Germany: 24 December is a working day
        ("PL", "2026-12-17", "2027-01-11", "2027-01-13"),  # 1 January, then 6 January (Epiphany) on Wednesday
        ("DE", "2026-12-17", "2027-01-04", "2027-01-06"),  # Epiphany is not a holiday in all of Germany
        ("PL", "2026-03-20", "2026-04-07", "2026-04-09"),  # Friday 3 April, then Easter Monday 6 April
        ("DE", "2026-03-18", "2026-04-07", "2026-04-09"),  # Good Friday 3 April, Easter Monday 6 April
        ("PL", "2026-04-15", "2026-05-04", "2026-05-06"),  # 1 May (Fri), 3 May (Sun)
        ("PL", "2027-04-15", "2027-05-04", "2027-05-06"),  # 3 May 2027 is a Monday
        ("DE", "2027-04-15", "2027-05-03", "2027-05-05"),  # Germany has no 3 May holiday
    ],
)
def test_suggested_dates_around_christmas_easter_and_may(country, today, start, end):
    suggested = suggested_dates(HostCalendar(country), today=day(today))
    assert suggested == (day(start), day(end))
    assert passes(*suggested, country, day(today)) == []


@pytest.mark.parametrize("country", ["PL", "DE", "JP", "US", "GB", "IL", "AE", "KE", "BR", "", "XX"])
def test_the_suggested_dates_pass_the_rule_on_every_day_of_a_year(country):
    calendar = HostCalendar(country)
    for offset in range(366):
        today = day("2026-06-01") + dt.timedelta(days=offset)
        start, end = suggested_dates(calendar, today=today)
        assert passes(start, end, country, today) == [], (today, start, end)
        assert start >= today + dt.timedelta(days=NOTICE_DAYS)
        assert all(calendar.is_working_day(start + dt.timedelta(days=n)) for n in range((end - start).days + 1))


@pytest.mark.parametrize(
    ("listed", "interface", "choices"),
    [
        (("ja", "en"), "pl", ("en",)),  # the issue: Tokyo in the Polish interface
        (("ja", "en"), "en", ("en",)),
        (("ja",), "pl", ("en",)),  # nothing the directory writes: English
        ((), "pl", ("en",)),
        (("pl", "en", "de"), "pl", ("pl", "en")),
        (("pl", "en", "de"), "en", ("en", "pl")),
        (("de", "pl"), "en", ("pl",)),  # Polish only because the host lists it
        (("pl",), "en", ("pl",)),
    ],
)
def test_email_languages(listed, interface, choices):
    assert email_languages(listed, interface) == choices


def test_host_from_a_row_reads_country_and_languages():
    row = {
        "partner_name": "Kanto",
        "city": "東京",
        "country": "JP",
        "languages": "ja; English",
        "contact_email": "x@y.jp",
    }
    host = Host.from_row(row)
    assert (host.country, host.languages, host.office_name) == ("JP", ("ja", "en"), "")


@pytest.mark.parametrize("language", ["en", "pl"])
def test_visit_link_is_a_prefilled_mail_to_the_host_with_the_home_office_in_copy(language):
    link = visit_link(
        request("2026-11-30", "2026-12-02", services=("desk", "meeting_room")), HOST, language=language, **HOME
    )
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and parts.path == "host@baltic.example.org"
    query = parse_qs(parts.query)
    assert query["cc"] == ["office@pomeranian.example.org"]
    body = query["body"][0]
    assert "2026-11-30" in body and "2026-12-02" in body and "Ilze Paraugs" in body
    if language == "pl":
        assert "sala spotkań" in body and "Liczba osób: 2" in body and "Prośba o wizytę" in query["subject"][0]
        assert "(3 dni robocze)" in body and "Łotwa" in body
    else:
        assert "meeting room" in body and "Number of people: 2" in body and "visit request" in query["subject"][0]
        assert "(3 working days)" in body and "Latvia" in body
    assert " " not in link and "\n" not in unquote(parts.path)


@pytest.mark.parametrize(
    ("start", "end", "english", "polish"),
    [
        ("2026-11-30", "2026-11-30", "(1 working day)", "(1 dzień roboczy)"),
        ("2026-11-30", "2026-12-03", "(4 working days)", "(4 dni robocze)"),
        ("2026-11-30", "2026-12-04", "(5 working days)", "(5 dni roboczych)"),
    ],
)
def test_the_number_of_days_agrees(start, end, english, polish):
    assert english in visit_email(request(start, end), HOST, language="en", **HOME)[1]
    assert polish in visit_email(request(start, end), HOST, language="pl", **HOME)[1]


def test_the_email_is_signed_with_name_and_company():
    _, body = visit_email(request("2026-11-30", "2026-11-30", name="Jan Kowalski"), HOST, language="pl", **HOME)
    assert "firmy Acme sp. z o.o.," in body and "—" not in body
    assert body.rstrip().endswith("Z pozdrowieniami\nJan Kowalski\nAcme sp. z o.o.")


def test_tokyo_in_the_polish_interface_gets_an_english_email():
    host = Host.from_row(
        {"partner_name": "Kanto Digital Bridge", "city": "東京", "country": "JP", "languages": "ja;en",
         "contact_email": "hana@kanto.example.com", "contact_name": "Hana Reibun"}
    )  # fmt: skip
    written_in = email_languages(host.languages, "pl")[0]
    subject, body = visit_email(request("2026-12-14", "2026-12-16"), host, language=written_in, **HOME)
    assert subject.startswith("BRA visit request") and body.startswith("Dear Hana Reibun,")
    assert "Piszę" not in body


# -- the calendar file ---------------------------------------------------------------------


def unfold(data: bytes) -> list[str]:
    """RFC 5545 3.1: every line ends in CRLF, is at most 75 octets, continuation lines start with a space."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical), [len(line) for line in physical]
    assert not any(b"\n" in line or b"\r" in line for line in physical)
    texts = [line.decode("utf-8") for line in physical]  # a fold never splits a character
    lines: list[str] = []
    for text in texts:
        if text.startswith(" "):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def events(lines: list[str]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and line != "END:VEVENT" and ":" in line and line != "END:VCALENDAR":
            name, _, value = line.partition(":")
            found[-1][name] = value
    return found


def test_the_calendar_has_one_all_day_event_per_working_day():
    host = Host("Gdańsk; Hub, \\ North", "Biuro", "Gdańsk", "Ola", "ola@example.org", "PL", ("pl",))
    visit = VisitRequest(day("2026-12-21"), day("2026-12-28"), 2, ("desk",), "Żółć, Ltd; Co", "Zoë", "Line 1\nLine 2")
    data = visit_calendar(visit, host, stamp=dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC), language="pl", **HOME)
    lines = unfold(data)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    found = events(lines)
    assert [e["DTSTART;VALUE=DATE"] for e in found] == ["20261221", "20261222", "20261223", "20261228"]
    assert [e["DTEND;VALUE=DATE"] for e in found] == ["20261222", "20261223", "20261224", "20261229"]
    assert len({e["UID"] for e in found}) == 4 and all(e["DTSTAMP"] == "20261128T093000Z" for e in found)
    assert unescape(found[0]["LOCATION"]) == "Gdańsk; Hub, \\ North · Biuro · Gdańsk · Polska"
    assert found[0]["LOCATION"].startswith("Gdańsk\\; Hub\\, \\\\ North")
    description = unescape(found[0]["DESCRIPTION"])
    assert "Żółć, Ltd; Co" in description and "Line 1\nLine 2" in description
    assert "(4 dni robocze)" in description
    assert unescape(found[0]["SUMMARY"]).startswith("Wizyta BRA: Gdańsk; Hub, \\ North (dzień 1 z 4")
    # The same request gives the same ids: a second download replaces the events.
    again = visit_calendar(visit, host, stamp=dt.datetime(2026, 11, 29, tzinfo=dt.UTC), language="pl", **HOME)
    assert [e["UID"] for e in events(unfold(again))] == [e["UID"] for e in found]


def test_ics_escaping_and_folding():
    assert ics_text("a\\b;c,d\r\ne") == "a\\\\b\\;c\\,d\\ne"
    long = "DESCRIPTION:" + "ż" * 100
    folded = ics_fold(long).encode("utf-8").split(b"\r\n")
    assert all(len(line) <= 75 for line in folded) and len(folded) > 2
    assert b"".join(line[1:] if n else line for n, line in enumerate(folded)).decode("utf-8") == long


#: Calls that read the clock whatever they are called on: ``date.today()``, ``dt.datetime.now()``, ``Timestamp.utcnow()``.
CLOCK_METHODS = frozenset({"today", "now", "utcnow"})
#: Functions of the ``time`` module that read a clock.
TIME_CLOCKS = frozenset(
    {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "localtime", "gmtime", "ctime"}
)
PACKAGE = ROOT / "partner_directory"
#: The modules that decide (visits, what a row may hold, who sees what, search): none may read the clock.
DECISION_MODULES = sorted(
    {
        *(PACKAGE / "visits").rglob("*.py"),
        *(PACKAGE / "search").rglob("*.py"),
        *(PACKAGE / "storage").rglob("*.py"),
        PACKAGE / "sheet" / "validation.py",
        PACKAGE / "sheet" / "contract.py",
        PACKAGE / "access" / "visibility.py",
    }
)
#: Where reading the clock is the point and no decision depends on it: (module, function) -> why.
CLOCK_ALLOWED = {
    ("storage/database.py", "utc_now"): "the register's one clock: when a row was written (its timestamps)",
    ("storage/database.py", "_write_ahead_log"): "the retry deadline of switching the file's journal, no decision",
    ("visits/backup.py", "backup_zip"): "the backup's file times, when the caller gives none",
    ("sheet/validation.py", "check"): "the staleness check's today, when the caller gives none",
}


def clock_reads(source: str) -> list[tuple[str, int, str]]:
    """``(function, line, call)`` for every call in ``source`` that reads the clock, found in its syntax tree."""
    tree = ast.parse(source)
    time_aliases = {"time"}  # names bound to the time module or to one of its clock functions
    clock_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            time_aliases |= {alias.asname or alias.name for alias in node.names if alias.name == "time"}
        elif isinstance(node, ast.ImportFrom) and node.module in {"time", "datetime"}:
            for alias in node.names:
                if alias.name in TIME_CLOCKS | CLOCK_METHODS and node.module == "time":
                    clock_names.add(alias.asname or alias.name)
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, ast.Call):
            called = node.func
            reads = (
                (isinstance(called, ast.Attribute) and called.attr in CLOCK_METHODS)
                or (
                    isinstance(called, ast.Attribute)
                    and called.attr in TIME_CLOCKS
                    and isinstance(called.value, ast.Name)
                    and called.value.id in time_aliases
                )
                or (isinstance(called, ast.Name) and called.id in clock_names)
            )
            if reads:
                found.append((function, node.lineno, ast.unparse(node)))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "import datetime\ndef f():\n    return datetime.date.today()",
        "from datetime import datetime\ndef f():\n    return datetime.today()",
        "from datetime import date\ndef f():\n    return date.today()",
        "import datetime as dt\ndef f():\n    return dt.datetime.now(dt.UTC)",
        "import datetime as dt\ndef f():\n    return dt.date.today()",
        "import datetime\ndef f():\n    return datetime.datetime.utcnow()",
        "import pandas as pd\ndef f():\n    return pd.Timestamp.now()",
        "import time\ndef f():\n    return time.time()",
        "import time as clock\ndef f():\n    return clock.monotonic()",
        "from time import perf_counter as tick\ndef f():\n    return tick()",
        "import datetime as dt\ndef f(today=None):\n    return today or dt.date.today()",
    ],
)
def test_the_clock_check_finds_every_way_of_reading_the_clock(source):
    assert [(function, line) for function, line, _ in clock_reads(source)] == [("f", 3)]


def test_reading_a_date_is_not_reading_the_clock():
    assert clock_reads("import datetime as dt\ndef f(value):\n    return value.time(), dt.date(2026, 1, 1)") == []


def test_no_decision_reads_the_clock():
    """Every rule takes ``today`` from its caller, so tests can freeze it (the form passes PARTNER_DIRECTORY_TODAY)."""
    assert len(DECISION_MODULES) >= 8 and all(path.is_file() for path in DECISION_MODULES)
    allowed_seen = set()
    for path in DECISION_MODULES:
        module = path.relative_to(PACKAGE).as_posix()
        for function, line, call in clock_reads(path.read_text(encoding="utf-8")):
            assert (module, function) in CLOCK_ALLOWED, f"{module}:{line} {function}() reads the clock: {call}"
            allowed_seen.add((module, function))
    assert allowed_seen == set(CLOCK_ALLOWED)  # an exception that is no longer needed goes from the list
    form = (ROOT / "dashboard" / "members" / "visit_form.py").read_text(encoding="utf-8")
    assert form.count("dt.date.today()") == 1 and "settings().today or dt.date.today()" in form
