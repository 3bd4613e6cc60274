from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from partner_directory.visit import Host, VisitRequest, check_visit, visit_link, working_days

TODAY = dt.date(2026, 11, 27)  # a Friday
HOST = Host("Baltic Digital Cluster", "Riga office", "Rīga", "Ilze Paraugs", "host@baltic.example.org")


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
def test_working_days(start, end, days):
    assert working_days(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == days


def request(start: str, end: str, *, people: int = 2, services=("desk",)) -> VisitRequest:
    return VisitRequest(
        dt.date.fromisoformat(start), dt.date.fromisoformat(end), people, tuple(services), "Acme sp. z o.o.", "Jan"
    )


@pytest.mark.parametrize(
    ("visit", "expected"),
    [
        (request("2026-11-30", "2026-12-04"), []),
        (request("2026-12-02", "2026-12-08"), []),
        (request("2026-11-30", "2026-12-07"), ["A BRA visit lasts at most 5 consecutive working days."]),
        (request("2026-11-26", "2026-11-27"), ["The visit cannot start in the past."]),
        (request("2026-12-04", "2026-11-30"), ["The last day is before the first day."]),
        (request("2026-11-28", "2026-11-30"), ["The first and the last day must be working days (Monday to Friday)."]),
        (request("2026-11-30", "2026-11-30", people=0), ["The number of people must be between 1 and 20."]),
        (request("2026-11-30", "2026-11-30", services=()), ["Choose at least one service."]),
    ],
)
def test_check_visit(visit, expected):
    assert check_visit(visit, HOST, today=TODAY) == expected


def test_check_visit_in_polish_and_without_contact():
    host = Host("Bez Kontaktu", "", "Gdańsk", "", "")
    problems = check_visit(request("2026-11-30", "2026-12-07"), host, today=TODAY, language="pl")
    assert problems == [
        "Bez Kontaktu nie ma w katalogu adresu e-mail do kontaktu; zapytaj biuro swojego klastra.",
        "Wizyta w ramach BRA trwa najwyżej 5 kolejnych dni roboczych.",
    ]


@pytest.mark.parametrize("language", ["en", "pl"])
def test_visit_link_is_a_prefilled_mail_to_the_host_with_the_home_office_in_copy(language):
    link = visit_link(
        request("2026-11-30", "2026-12-02", services=("desk", "meeting_room")),
        HOST,
        home_cluster_name="Pomeranian ICT Cluster",
        home_cluster_email="office@pomeranian.example.org",
        language=language,
    )
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and parts.path == "host@baltic.example.org"
    query = parse_qs(parts.query)
    assert query["cc"] == ["office@pomeranian.example.org"]
    body = query["body"][0]
    assert "2026-11-30" in body and "2026-12-02" in body and "Ilze Paraugs" in body
    if language == "pl":
        assert "sala spotkań" in body and "Liczba osób: 2" in body and "Prośba o wizytę" in query["subject"][0]
    else:
        assert "meeting room" in body and "Number of people: 2" in body and "visit request" in query["subject"][0]
    assert " " not in link and "\n" not in unquote(parts.path)
