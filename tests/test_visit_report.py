"""The yearly BRA usage report and the anonymised totals, from visits in a real register."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from partner_directory.visits.register import Change, NewVisit, Register
from partner_directory.visits.report import (
    TOTAL_KEYS,
    anonymised_totals,
    chart_data,
    report_csv,
    report_xlsx,
    year_report,
)


def record(
    register,
    *,
    direction="outgoing",
    company="Acme",
    partner="Berlin Digital Cluster",
    country="DE",
    start=dt.date(2026, 3, 2),
    days=3,
    status="requested",
    actual=None,
    **extra,
):
    visit_id = register.record(
        NewVisit(
            direction,
            company,
            partner,
            start,
            start + dt.timedelta(days=days - 1),
            country=country,
            member_name="Anna Nowak",
            member_email="anna@acme.example.org",
            **extra,
        ),
        source="staff" if direction == "incoming" else "form",
        by="Ola",
    )
    if status != "requested" or actual is not None:
        register.change(
            visit_id,
            Change(status=status, actual_days=actual, set_actual_days=actual is not None),
            revision=1,
            by="Ola",
        )
    return visit_id


@pytest.fixture
def visits(database_url):
    register = Register.open(database_url)
    record(register, status="completed", actual=2)  # Acme at Berlin, 2 days used
    record(register, company="Bałtyk Soft", status="completed", start=dt.date(2026, 5, 4), days=5)  # 5 planned
    record(
        register,
        partner="Tokyo IT Cluster",
        country="JP",
        status="completed",
        actual=4,
        start=dt.date(2026, 9, 7),
        days=5,
    )
    record(register, partner="Tokyo IT Cluster", country="JP", status="confirmed", start=dt.date(2026, 11, 2))
    record(register, status="cancelled", start=dt.date(2026, 6, 1))
    record(register, status="requested", start=dt.date(2026, 12, 7))
    record(register, direction="incoming", company="Müller GmbH", status="completed", actual=3)
    record(
        register,
        direction="incoming",
        company="Sakura KK",
        partner="Tokyo IT Cluster",
        country="JP",
        status="completed",
        actual=1,
        start=dt.date(2026, 10, 5),
        days=1,
    )
    record(register, status="completed", actual=5, start=dt.date(2025, 12, 1), days=5)  # another year
    yield register.find()
    register.database.dispose()


def test_per_partner_outgoing_and_incoming(visits):
    report = year_report(visits, 2026)
    rows = report.by_partner.to_dict("records")
    assert rows == [
        {
            "partner_name": "Berlin Digital Cluster",
            "country": "DE",
            "outgoing_visits": 2,
            "outgoing_days": 7,
            "incoming_visits": 1,
            "incoming_days": 3,
        },
        {
            "partner_name": "Tokyo IT Cluster",
            "country": "JP",
            "outgoing_visits": 1,
            "outgoing_days": 4,
            "incoming_visits": 1,
            "incoming_days": 1,
        },
    ]


def test_per_member_company(visits):
    rows = year_report(visits, 2026).by_company.to_dict("records")
    assert rows == [
        {"member_company": "Acme", "direction": "outgoing", "visits": 2, "days": 6, "partners": 2},
        {"member_company": "Bałtyk Soft", "direction": "outgoing", "visits": 1, "days": 5, "partners": 1},
        {"member_company": "Müller GmbH", "direction": "incoming", "visits": 1, "days": 3, "partners": 1},
        {"member_company": "Sakura KK", "direction": "incoming", "visits": 1, "days": 1, "partners": 1},
    ]  # Bałtyk Soft gave no actual days: its planned five count


def test_totals_count_used_open_and_every_status(visits):
    totals = year_report(visits, 2026).totals
    assert set(totals) == set(TOTAL_KEYS)
    assert totals == {
        "outgoing_visits": 3,
        "outgoing_days": 11,
        "incoming_visits": 2,
        "incoming_days": 4,
        "open_visits": 2,
        "status_requested": 1,
        "status_confirmed": 1,
        "status_completed": 5,
        "status_cancelled": 1,
        "status_declined": 0,
        "status_proposed": 0,
        "host_confirmed": 0,
        "unanswered": 0,
    }
    assert year_report(visits, 2025).totals["outgoing_days"] == 5
    empty = year_report(visits, 2024)
    assert empty.by_partner.empty and empty.by_company.empty and not any(empty.totals.values())


def test_chart_data_in_the_page_language(visits):
    data = chart_data(year_report(visits, 2026), "pl")
    assert list(data.index) == ["Berlin Digital Cluster", "Tokyo IT Cluster"]
    assert list(data.columns) == ["nasi członkowie u partnera (dni)", "członkowie partnera u nas (dni)"]
    assert data.loc["Tokyo IT Cluster"].tolist() == [4, 1]


@pytest.mark.parametrize(
    ("language", "sheets", "title"),
    [
        ("en", ["Summary", "Per partner", "Per member company"], "BRA usage in 2026"),
        ("pl", ["Podsumowanie", "Według partnera", "Według firmy"], "Wykorzystanie BRA w roku 2026"),
    ],
)
def test_workbook_with_a_chart_in_both_languages(visits, language, sheets, title):
    workbook = load_workbook(io.BytesIO(report_xlsx(year_report(visits, 2026), language)))
    assert workbook.sheetnames == sheets
    summary = workbook[sheets[0]]
    assert summary["A1"].value == title
    assert summary["B3"].value == 3  # numbers stay numbers
    partners = workbook[sheets[1]]
    assert partners["A2"].value == "Berlin Digital Cluster" and partners["D2"].value == 7
    assert len(partners._charts) == 1
    companies = workbook[sheets[2]]
    assert companies["B2"].value in {"our member at a partner", "nasz członek u partnera"}


def test_a_hostile_name_stays_text_in_the_workbook(database_url):
    register = Register.open(database_url)
    record(register, partner='=HYPERLINK("http://evil.example","x")', status="completed")
    visits = register.find()
    register.database.dispose()
    cell = load_workbook(io.BytesIO(report_xlsx(year_report(visits, 2026))))["Per partner"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert "'=HYPERLINK" in report_csv(year_report(visits, 2026)).decode("utf-8-sig")


def test_report_csv_headers_in_polish(visits):
    text = report_csv(year_report(visits, 2026), "pl").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Polish Excel's list separator
    table = rows[rows.index([]) + 1 :]  # the summary first (title, whose report, period, totals), then the table
    assert rows[0][0] == "Wykorzystanie BRA w roku 2026" and "okres 2026-01-01" in rows[1][0]
    assert table[0][0] == "klaster partnerski" and table[1][:3] == ["Berlin Digital Cluster", "Niemcy", "2"]


def test_anonymised_totals_say_where_members_go_and_nothing_about_who(visits):
    table = anonymised_totals(visits, year=2026)
    assert table.to_dict("records") == [
        {"partner_name": "Berlin Digital Cluster", "country": "DE", "visits": 2, "days": 7},
        {"partner_name": "Tokyo IT Cluster", "country": "JP", "visits": 1, "days": 4},
    ]
    text = table.to_csv()
    for private in ("Acme", "Bałtyk", "Anna", "acme.example.org", "Müller", "Sakura"):
        assert private not in text
    assert anonymised_totals(visits)["visits"].sum() == 4  # every year
