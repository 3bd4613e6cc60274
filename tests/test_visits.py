"""The visits register on SQLite and PostgreSQL: recording, changing, filtering, erasing, files, several processes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from openpyxl import load_workbook

import partner_directory.visits.register as register_module
from partner_directory.errors import InvalidValueError, RegisterConflictError
from partner_directory.visits.register import (
    Change,
    NewVisit,
    Register,
    VisitFilter,
    backup_files,
    check_new_visit,
    register_csv,
    register_xlsx,
)
from partner_directory.visits.rules import HOME_COUNTRY, HostCalendar, working_days
from tests.conftest import ROOT


def a_visit(**changes) -> NewVisit:
    values = {
        "direction": "outgoing",
        "member_company": "Acme Sp. z o.o.",
        "partner_name": "Berlin Digital Cluster",
        "start": dt.date(2026, 3, 2),
        "end": dt.date(2026, 3, 4),
        "people": 2,
        "member_name": "Anna Nowak",
        "member_email": "anna@acme.example.org",
        "partner_id": "berlin-hq",
        "office_name": "HQ",
        "city": "Berlin",
        "country": "de",
        "services": ("desk", "internet"),
        "language": "de",
    }
    values.update(changes)
    return NewVisit(**values)


@pytest.fixture
def register(database_url):
    opened = Register.open(database_url)
    yield opened
    opened.database.dispose()


def test_a_request_is_recorded_with_everything_the_form_sent(register):
    visit_id = register.record(a_visit(note="Two developers, a demo on Wednesday"))
    visit = register.get(visit_id)
    assert (visit.direction, visit.status, visit.source, visit.revision) == ("outgoing", "requested", "form", 1)
    assert (visit.member_company, visit.member_name, visit.member_email) == (
        "Acme Sp. z o.o.",
        "Anna Nowak",
        "anna@acme.example.org",
    )
    assert (visit.partner_id, visit.partner_name, visit.office_name, visit.city, visit.country) == (
        "berlin-hq",
        "Berlin Digital Cluster",
        "HQ",
        "Berlin",
        "DE",
    )
    assert (visit.start, visit.end, visit.people, visit.services, visit.language) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 4),
        2,
        ("desk", "internet"),
        "de",
    )
    assert visit.planned_days == 3 and visit.actual_days is None and visit.days_used == 0
    assert visit.created_at.tzinfo is not None
    assert [(e.action, e.new_value) for e in register.events(visit_id)] == [("created", "requested")]


@pytest.mark.parametrize(
    ("direction", "country", "start", "end", "planned"),
    [
        # Christmas Eve is a public holiday in Poland since 2025: 24, 25 and 26 December are not working days.
        ("outgoing", "pl", dt.date(2026, 12, 21), dt.date(2026, 12, 28), 4),
        ("outgoing", "PL", dt.date(2026, 12, 24), dt.date(2026, 12, 27), 0),
        # Easter Monday 2026 is 6 April, a holiday in Poland and Germany.
        ("outgoing", "de", dt.date(2026, 4, 6), dt.date(2026, 4, 8), 2),
        ("outgoing", "PL", dt.date(2026, 4, 3), dt.date(2026, 4, 7), 2),  # Friday, weekend, Easter Monday, Tuesday
        # A weekend alone; a whole week with a weekend inside.
        ("outgoing", "de", dt.date(2026, 3, 7), dt.date(2026, 3, 8), 0),
        ("outgoing", "de", dt.date(2026, 3, 5), dt.date(2026, 3, 10), 4),
        # Germany's Day of German Unity (3 October 2025, a Friday) is not a holiday in Poland.
        ("outgoing", "de", dt.date(2025, 9, 29), dt.date(2025, 10, 3), 4),
        ("outgoing", "pl", dt.date(2025, 9, 29), dt.date(2025, 10, 3), 5),
        # An incoming visit is hosted by us, so Poland's calendar counts, whatever the partner's country.
        ("incoming", "de", dt.date(2026, 12, 21), dt.date(2026, 12, 28), 4),
        ("incoming", "pl", dt.date(2025, 9, 29), dt.date(2025, 10, 3), 5),
    ],
)
def test_planned_days_are_the_host_countrys_working_days_like_the_visit_form(
    register, direction, country, start, end, planned
):
    """A visit recorded without planned days counts like the visit form: the host's weekend and holidays."""
    host_country = country.upper() if direction == "outgoing" else HOME_COUNTRY
    assert working_days(start, end, HostCalendar(host_country)) == planned  # what the visit form would plan
    visit_id = register.record(a_visit(direction=direction, country=country, start=start, end=end))
    assert register.get(visit_id).planned_days == planned


def test_planned_days_given_by_the_caller_are_kept(register):
    visit_id = register.record(a_visit(start=dt.date(2026, 12, 21), end=dt.date(2026, 12, 28), planned_days=6))
    assert register.get(visit_id).planned_days == 6


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"member_company": "  "}, "visits.problem.no_company"),
        ({"partner_name": ""}, "visits.problem.no_partner"),
        ({"member_email": "anna(at)acme"}, "visits.problem.email"),
        ({"end": dt.date(2026, 3, 1)}, "visits.problem.order"),
        ({"end": dt.date(2026, 5, 1)}, "visits.problem.too_long"),
        ({"people": 0}, "visits.problem.people"),
        ({"people": 51}, "visits.problem.people"),
        ({"services": ("sauna",)}, "visits.problem.services"),
        ({"direction": "sideways"}, "visits.problem.direction"),
        ({"status": "lost"}, "visits.problem.status"),
        ({"actual_days": 40}, "visits.problem.days"),
        ({"note": "x" * 2001}, "visits.problem.too_long_text"),
    ],
)
def test_bad_values_are_named_and_nothing_is_stored(changes, problem):
    assert problem in check_new_visit(a_visit(**changes))


def test_bad_values_are_refused_before_the_database(register):
    with pytest.raises(InvalidValueError) as caught:
        register.record(a_visit(member_company="", people=0))
    assert caught.value.params["problems"] == ["visits.problem.no_company", "visits.problem.people"]
    assert register.count() == 0


def test_staff_confirm_then_complete_with_the_actual_days(register):
    visit_id = register.record(a_visit())
    confirmed = register.change(visit_id, Change(status="confirmed"), revision=1, by="Ola (office)")
    assert (confirmed.status, confirmed.revision) == ("confirmed", 2)
    completed = register.change(
        visit_id, Change(status="completed", actual_days=2, set_actual_days=True), revision=2, by="Ola (office)"
    )
    assert (completed.status, completed.actual_days, completed.days_used) == ("completed", 2, 2)
    assert [(e.action, e.old_value, e.new_value, e.by) for e in register.events(visit_id)][1:] == [
        ("status", "requested", "confirmed", "Ola (office)"),
        ("status", "confirmed", "completed", "Ola (office)"),
        ("actual_days", "", "2", "Ola (office)"),
    ]


def test_completing_without_days_takes_the_planned_days(register):
    visit_id = register.record(a_visit())
    assert register.change(visit_id, Change(status="completed"), revision=1, by="office").actual_days == 3


def test_a_change_based_on_an_old_revision_is_refused_and_changes_nothing(register):
    visit_id = register.record(a_visit())
    register.change(visit_id, Change(status="confirmed"), revision=1, by="Ola")
    with pytest.raises(RegisterConflictError) as caught:
        register.change(visit_id, Change(status="cancelled"), revision=1, by="Piotr")
    assert str(visit_id) in caught.value.message("pl")
    assert register.get(visit_id).status == "confirmed"


def test_unknown_visits_and_values_are_sentences(register):
    with pytest.raises(InvalidValueError) as caught:
        register.get(12345)
    assert "12345" in str(caught.value)
    visit_id = register.record(a_visit())
    with pytest.raises(InvalidValueError):
        register.change(visit_id, Change(status="lost"), revision=1, by="x")
    with pytest.raises(InvalidValueError):
        register.change(visit_id, Change(actual_days=-1, set_actual_days=True), revision=1, by="x")


def test_incoming_visits_added_by_hand(register):
    visit_id = register.record(
        a_visit(
            direction="incoming",
            member_company="Müller GmbH",
            partner_name="Berlin Digital Cluster",
            status="completed",
            actual_days=4,
            start=dt.date(2026, 6, 1),
            end=dt.date(2026, 6, 5),
        ),
        source="staff",
        by="Ola",
    )
    visit = register.get(visit_id)
    assert (visit.direction, visit.source, visit.created_by, visit.days_used) == ("incoming", "staff", "Ola", 4)


def test_filters_by_host_company_year_status(register):
    ids = {
        "a": register.record(a_visit()),
        "b": register.record(
            a_visit(partner_name="Tokyo IT Cluster", start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 2))
        ),
        "c": register.record(a_visit(member_company="Bałtyk Soft", start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 5))),
        "d": register.record(a_visit(direction="incoming", member_company="Müller GmbH"), source="staff", by="Ola"),
    }
    register.change(ids["c"], Change(status="cancelled"), revision=1, by="Ola")

    def found(**where):
        return {name for name, i in ids.items() if i in {v.id for v in register.find(VisitFilter(**where))}}

    assert found() == {"a", "b", "c", "d"}
    assert found(host="Tokyo IT Cluster") == {"b"}
    assert found(company="Bałtyk Soft") == {"c"}
    assert found(year=2026) == {"a", "c", "d"}
    assert found(year=2025) == {"b"}
    assert found(status="cancelled") == {"c"}
    assert found(year=2026, status="requested", direction="outgoing") == {"a"}
    assert [v.start for v in register.find()] == sorted((v.start for v in register.find()), reverse=True)
    choices = register.choices()
    assert choices["years"] == [2026, 2025]
    assert choices["hosts"] == ["Berlin Digital Cluster", "Tokyo IT Cluster"]
    assert choices["companies"] == ["Acme Sp. z o.o.", "Bałtyk Soft", "Müller GmbH"]
    assert VisitFilter(host="Tokyo IT Cluster", year=2025, status="cancelled").describe("pl") == (
        "partner Tokyo IT Cluster, rok 2025, status odwołana"
    )


def test_erasing_a_member_keeps_the_counts(register):
    first = register.record(a_visit(note="Anna's phone +48 600 100 200"))
    second = register.record(
        a_visit(member_email="Anna@Acme.example.org", start=dt.date(2026, 4, 6), end=dt.date(2026, 4, 7))
    )
    other = register.record(a_visit(member_name="Jan Kowalski", member_email="jan@acme.example.org"))
    register.change(first, Change(status="completed", actual_days=3, set_actual_days=True), revision=1, by="Ola")
    assert register.erase_member(email=" anna@ACME.example.org ", by="Ola") == 2
    assert register.erase_member(email="anna@acme.example.org", by="Ola") == 0  # already erased
    for visit_id in (first, second):
        visit = register.get(visit_id)
        assert (visit.member_name, visit.member_email, visit.note) == ("", "", "")
        assert visit.erased_at is not None and visit.member_company == "Acme Sp. z o.o."
    assert register.get(first).days_used == 3 and register.count() == 3
    assert register.get(other).member_name == "Jan Kowalski"
    everything = b"".join(backup_files(register).values()).decode("utf-8-sig")
    assert "anna@" not in everything.lower() and "Anna Nowak" not in everything and "600 100 200" not in everything
    assert register.erase_member(visit_ids=[other], by="Ola") == 1
    assert register.get(other).member_name == ""


def test_downloads_in_both_languages_guarded(register):
    register.record(a_visit(member_company='=HYPERLINK("http://evil.example")', note="+cmd|' /C calc'!A0"))
    visits = register.find()
    text = register_csv(visits, "pl").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Polish Excel's list separator
    assert rows[0][:3] == ["nr", "kierunek", "status"]
    assert rows[1][1:3] == ["nasz członek u partnera", "zgłoszona"]
    assert "'=HYPERLINK" in text and "'+cmd" in text
    assert "biurko, internet" in text
    workbook = load_workbook(io.BytesIO(register_xlsx(visits, "en")))
    sheet = workbook["Visits"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["no.", "direction", "status"]
    company = sheet.cell(row=2, column=header.index("member company") + 1)
    assert company.data_type == "s" and company.value.startswith("=HYPERLINK")


def test_backup_has_every_visit_and_change(register):
    visit_id = register.record(a_visit())
    register.change(visit_id, Change(status="confirmed"), revision=1, by="Ola")
    files = backup_files(register)
    visits = list(csv.DictReader(io.StringIO(files["visits.csv"].decode("utf-8-sig"))))
    events = list(csv.DictReader(io.StringIO(files["visit_events.csv"].decode("utf-8-sig"))))
    assert [(v["id"], v["status"], v["member_email"], v["services"]) for v in visits] == [
        (str(visit_id), "confirmed", "anna@acme.example.org", "desk;internet")
    ]
    assert [e["action"] for e in events] == ["created", "status"]


def test_a_restart_keeps_everything(database_url):
    first = Register.open(database_url)
    visit_id = first.record(a_visit())
    first.change(visit_id, Change(status="confirmed"), revision=1, by="Ola")
    first.database.dispose()
    again = Register.open(database_url)
    assert again.get(visit_id).status == "confirmed" and again.count() == 1
    again.database.dispose()


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from partner_directory.visits.register import NewVisit, Register
    url, go, name, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    register = Register.open(url)
    while not go.exists():
        time.sleep(0.005)
    for n in range(count):
        register.record(NewVisit("outgoing", f"{name} {n}", "Berlin Digital Cluster", dt.date(2026, 3, 2), dt.date(2026, 3, 4)))
        print(n, flush=True)
    """
)


def test_two_processes_writing_at_once_lose_nothing(database_url, tmp_path):
    Register.open(database_url).database.dispose()
    go = tmp_path / "go"
    count = 120
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, database_url, str(go), name, str(count)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("first", "second")
    ]
    go.touch()
    for writer in writers:
        _, error = writer.communicate(timeout=300)
        assert writer.returncode == 0, error.decode()
    register = Register.open(database_url)
    companies = sorted(v.member_company for v in register.find())
    assert companies == sorted(f"{name} {n}" for name in ("first", "second") for n in range(count))
    assert len({v.id for v in register.find()}) == 2 * count
    assert len(register.events()) == 2 * count
    register.database.dispose()


def test_two_staff_changing_one_visit_at_once_one_wins_the_other_is_told(register, database_url, monkeypatch):
    """Both start from revision 1 and both changes are in flight at once; exactly one is saved, the other refused.

    Each staff member reads the visit (revision 1) before either writes, then both call ``change`` together.
    Inside ``change``, the transaction that has read waits until the other change has been called, so the
    two really overlap: on PostgreSQL both transactions read revision 1 (the loser is caught by the
    ``revision`` condition of its UPDATE); on SQLite the loser queues on the write lock and reads revision 2.
    """
    visit_id = register.record(a_visit())
    statuses = ("confirmed", "cancelled")
    postgres = database_url.startswith("postgresql")
    sessions = {status: Register.open(database_url) for status in statuses}  # two staff, two connection pools
    both_read = threading.Barrier(2, timeout=60)
    both_inside = threading.Barrier(2, timeout=60)
    called = {status: threading.Event() for status in statuses}
    local = threading.local()
    read_in_change: dict[str, int] = {}
    outcomes: dict[str, object] = {}
    real_get = register_module._get

    def get_then_wait(connection, visit):
        found = real_get(connection, visit)
        status = getattr(local, "changing", None)
        if status is not None:  # the read that starts the change (not the one that returns the saved visit)
            local.changing = None
            read_in_change[status] = found.revision
            for event in called.values():  # this transaction is open and has read; the other change is under way
                assert event.wait(60)
            if postgres:
                both_inside.wait()  # both transactions have read, neither has written
        return found

    monkeypatch.setattr(register_module, "_get", get_then_wait)

    def staff(status: str) -> None:
        seen = sessions[status].get(visit_id)  # the page as each staff member loaded it
        both_read.wait()
        local.changing = status
        called[status].set()
        try:
            sessions[status].change(visit_id, Change(status=status), revision=seen.revision, by=status)
            outcomes[status] = "saved"
        except RegisterConflictError as error:
            outcomes[status] = error

    threads = [threading.Thread(target=staff, args=(status,)) for status in statuses]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for session in sessions.values():
            session.database.dispose()
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(outcomes, key=statuses.index) == list(statuses)
    winners = [status for status, outcome in outcomes.items() if outcome == "saved"]
    assert len(winners) == 1, outcomes
    winner = winners[0]
    loser = next(status for status in statuses if status != winner)
    told = outcomes[loser]
    assert isinstance(told, RegisterConflictError) and told.params["visit"] == visit_id
    assert str(visit_id) in told.message("en") and str(visit_id) in told.message("pl")
    # The overlap really happened: PostgreSQL's two transactions both read revision 1; SQLite's loser waited.
    assert read_in_change == ({winner: 1, loser: 1} if postgres else {winner: 1, loser: 2})
    visit = register.get(visit_id)
    assert (visit.status, visit.revision) == (winner, 2)
    assert [e.new_value for e in register.events(visit_id)] == ["requested", winner]


def test_a_writer_killed_mid_run_leaves_every_committed_visit(tmp_path):
    url = f"sqlite:///{tmp_path / 'visits.sqlite'}"
    go = tmp_path / "go"
    go.touch()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(go), "killed", "100000"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    committed = -1
    assert writer.stdout is not None
    for line in writer.stdout:
        committed = int(line)
        if committed >= 30:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=60)
    register = Register.open(url)
    stored = register.count()
    assert stored >= committed + 1  # every printed one was committed before it was printed
    assert len(register.events()) == stored  # no visit without its event, no half transaction
    register.database.dispose()
