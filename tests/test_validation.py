from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from partner_directory.sheet.contract import offered_services, published_list
from partner_directory.sheet.loading import load_bytes, load_file
from partner_directory.sheet.schema import join_list, split_list
from partner_directory.sheet.validation import check, parse_date, parse_number
from partner_directory.visits.rules import default_services

TODAY = dt.date(2026, 11, 27)

# (row, column, code, severity) expected in tests/files/problems.csv — one row per kind.
EXPECTED = [
    (3, "partner_name", "missing_name", "error"),
    (4, "country", "missing_country", "error"),
    (5, "city", "missing_place", "error"),
    (6, "contact_email", "bad_email", "error"),
    (7, "website", "bad_scheme", "error"),
    (8, "latitude", "latitude_range", "error"),
    (9, "longitude", "bad_coordinate", "error"),
    (10, "latitude", "half_coordinates", "error"),
    (11, "partner_id", "duplicate_id", "error"),
    (12, "website", "added_scheme", "warning"),
    (13, "country", "unknown_country", "warning"),
    (14, "services", "unknown_service", "error"),
    (15, "last_verified", "stale", "warning"),
    (16, "partner_name", "duplicate_office", "warning"),
    (17, "website", "bad_scheme", "error"),
    (18, "longitude", "longitude_range", "error"),
]


@pytest.fixture(scope="module")
def problems_report():
    from tests.conftest import FILES

    return check(load_file(FILES / "problems.csv"), today=TODAY).report


def test_every_problem_is_found_once_and_nothing_else(problems_report):
    found = sorted((p.row, p.column, p.code, p.severity) for p in problems_report.problems)
    assert found == sorted(EXPECTED)


@pytest.mark.parametrize(("row", "column", "code", "severity"), EXPECTED)
def test_messages_name_the_value_in_both_languages(problems_report, row, column, code, severity):
    problem = next(p for p in problems_report.problems if p.row == row and p.code == code)
    english, polish = problem.message("en"), problem.message("pl")
    assert english and polish and english != polish
    assert "{" not in english and "{" not in polish
    if problem.value:
        assert problem.value in english and problem.value in polish


def test_report_json_shape(problems_report):
    data = problems_report.to_dict()
    assert data["rows"] == 17
    assert {"row": 6, "column": "contact_email", "message": "“not-an-email” is not a valid e-mail address."} in data[
        "errors"
    ]
    assert all(set(entry) == {"row", "column", "message"} for entry in data["errors"] + data["warnings"])


def test_file_level_problems(files):
    missing = check(load_file(files / "missing_columns.csv")).report
    assert [p.code for p in missing.errors] == ["missing_columns"]
    message = missing.errors[0].message()
    assert "country" in message and "city or address" in message and "Nazwa, Telefon" in message

    duplicate = check(load_file(files / "duplicate_header.csv")).report
    assert [p.code for p in duplicate.errors] == ["duplicate_header"]
    assert "email, mail" in duplicate.errors[0].message()

    only_header = check(load_file(files / "only_header.csv")).report
    assert [p.code for p in only_header.errors] == ["no_rows"]


def test_normalised_values():
    data = (
        "Nazwa;Miasto;Kraj;WWW;E-mail;Szerokość;Długość;Usługi;Języki;Branże;Zweryfikowano;W BRA od;Moje pole\n"
        "Klaster;Gdańsk;Polska;klaster.example.org;mailto:Biuro@klaster.example.org;54,352;18,6466;"
        "Biurko| sala konferencyjna ;angielski| pl;ICT|AI;01.02.2026;2019;zostaje\n"
    ).encode("cp1250")
    checked = check(load_bytes(data, filename="x.csv"), today=TODAY)
    row = checked.table.iloc[0].to_dict()
    assert row["country"] == "PL"
    assert row["continent"] == "EU"
    assert row["website"] == "https://klaster.example.org"
    assert row["contact_email"] == "Biuro@klaster.example.org"
    assert (row["latitude"], row["longitude"]) == ("54.352", "18.6466")
    assert row["services"] == "desk; meeting_room"
    assert row["languages"] == "en; pl"
    assert row["sectors"] == "ICT; AI"
    assert row["last_verified"] == "2026-02-01"
    assert row["bra_since"] == "2019-01-01"
    assert row["Moje pole"] == "zostaje"
    assert row["partner_id"] == "klaster-gdansk"
    assert checked.extras == ("Moje pole",)


def test_generated_ids_are_unique_and_do_not_steal_given_ones():
    data = b"partner_id,name,city,country\n,A,Gdynia,PL\n,A,Gdynia,PL\na-gdynia-2,B,Sopot,PL\n"
    table = check(load_bytes(data, filename="x.csv")).table
    assert list(table["partner_id"]) == ["a-gdynia", "a-gdynia-3", "a-gdynia-2"]


def test_country_taken_from_address():
    data = b'name,address,country\nA,"Hauptstrasse 1, 10115 Berlin, Germany",\n'
    checked = check(load_bytes(data, filename="x.csv"))
    assert checked.table["country"][0] == "DE"
    assert [p.code for p in checked.report.problems] == ["country_inferred"]


def test_validation_changes_nothing_on_disk(files, tmp_path):
    copy = tmp_path / "problems.csv"
    copy.write_bytes((files / "problems.csv").read_bytes())
    before = copy.stat().st_mtime_ns, copy.read_bytes()
    check(load_file(copy))
    assert (copy.stat().st_mtime_ns, copy.read_bytes()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["problems.csv"]


def test_demo_data_is_valid(root):
    checked = check(load_file(root / "data" / "partners.csv"), today=TODAY)
    assert checked.report.ok, checked.report.to_dict()
    table = checked.table
    assert len(table) >= 55
    assert table["country"].nunique() >= 25
    assert table["continent"].nunique() >= 5
    assert (table["latitude"] == "").any() and (table["latitude"] != "").any()
    gdansk = table[table["city"] == "Gdańsk"]
    assert not gdansk.empty
    assert table["contact_email"].str.contains(r"@[\w.-]*example\.(?:org|com|net)$").all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27", dt.date(2026, 11, 27)),
        ("27.11.2026", dt.date(2026, 11, 27)),
        ("27/11/2026", dt.date(2026, 11, 27)),
        ("2026", dt.date(2026, 1, 1)),
        ("2026-11-27 10:00:00", dt.date(2026, 11, 27)),
        ("yesterday", None),
        ("31.02.2026", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("54.35", 54.35),
        ("54,35", 54.35),
        ("-73.9", -73.9),
        ("−73.9", -73.9),
        (" 18 ", 18.0),
        ("1e5", None),
        ("N54", None),
        ("", None),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("city", "country"),
    [("Łódź", "PL"), ("München", "DE"), ("東京", "JP"), ("Kraków", "PL"), ("São Paulo", "BR")],
)
def test_country_taken_from_a_well_known_city(city, country):
    checked = check(load_bytes(f"name,city,country\nA,{city},\n".encode(), filename="x.csv"))
    assert checked.table["country"][0] == country
    assert [p.code for p in checked.report.problems] == ["country_inferred"]


def test_a_small_or_unknown_place_does_not_guess_a_country():
    checked = check(load_bytes(b"name,city,country\nA,Nowhere Town,\nB,Biot,\n", filename="x.csv"))
    assert [p.code for p in checked.report.errors] == ["missing_country", "missing_country"]


def test_messages_name_the_files_own_header():
    from partner_directory.sheet.loading import load_bytes
    from partner_directory.sheet.validation import check

    data = "Nazwa klastra;Miasto;Kraj;E-mail kontaktowy;Identyfikator\r\nA;Gdańsk;PL;zły;x\r\nB;Gdynia;PL;;x\r\n"
    report = check(load_bytes(data.encode("cp1250"), filename="p.csv")).report
    frame = report.to_frame("pl")
    assert list(frame["Kolumna"]) == ["E-mail kontaktowy", "Identyfikator"]
    assert "Identyfikator" in frame["Opis"].iloc[1] and "partner_id" not in frame["Opis"].iloc[1]
    # Canonical headers are named by the field's translated name.
    canonical = check(load_bytes(b"partner_name,city,country,contact_email\r\nA,Gdynia,PL,bad\r\n")).report
    assert list(canonical.to_frame("en")["Column"]) == ["Contact e-mail"]
    assert canonical.to_dict()["errors"][0]["column"] == "contact_email"  # the JSON keeps the field name


# -- what a published row may hold (partner_directory/sheet/contract.py) ------------------------------------

# (column, raw cell as typed, published value, refused items): validation normalises into the contract or refuses.
PUBLISHED_LIST_CELLS = [
    # The reported bug: commas, as Polish Excel users type them.
    ("services", "biurko, internet", "desk; internet", ()),
    ("services", "Biurko,Internet", "desk; internet", ()),
    # Polish names with and without diacritics, any case.
    ("services", "sala spotkań; dostęp do internetu", "meeting_room; internet", ()),
    ("services", "sala spotkan; dostep do internetu", "meeting_room; internet", ()),
    ("services", "SALA KONFERENCYJNA | wydarzenia", "meeting_room; events", ()),
    ("services", "stanowisko pracy, kontakty lokalne", "desk; introductions", ()),
    ("services", "Wi-Fi, hot desk", "desk; internet", ()),
    # Mixed separators, empty items, whitespace, duplicates (also in two spellings), the order of SERVICES.
    ("services", "events | desk; internet, meeting room", "desk; meeting_room; internet; events", ()),
    ("services", " ;biurko;; ,| internet ,", "desk; internet", ()),
    ("services", "desk; biurko; Desk; internet; wifi", "desk; internet", ()),
    ("services", "\tdesk \u00a0;  internet  ", "desk; internet", ()),
    ("services", "", "", ()),
    ("services", " ; , | ", "", ()),
    # Refused: not a service; the row cannot be published.
    ("services", "parking", "parking", ("parking",)),
    ("services", "biurko, parking, sauna", "desk; parking; sauna", ("parking", "sauna")),
    ("services", "biurko internet", "biurko internet", ("biurko internet",)),  # no separator: one unknown item
    ("services", "parking; Parking", "parking", ("parking",)),
    # Languages become codes where recognised; sectors are free text, deduplicated by folded text.
    ("languages", "polski, angielski", "pl; en", ()),
    ("languages", "Polish | en; PL", "pl; en", ()),
    ("languages", "niemiecki, Klingon", "de; Klingon", ()),
    ("sectors", "ICT, AI; Robotics | ai", "ICT; AI; Robotics", ()),
    ("sectors", "Energetyka, energetyka; ENERGETYKA", "Energetyka", ()),
    ("sectors", " , ; ", "", ()),
]


@pytest.mark.parametrize(("column", "raw", "published", "refused"), PUBLISHED_LIST_CELLS)
def test_a_list_cell_is_published_in_the_contract_or_refused(column, raw, published, refused):
    frame_row = {"partner_name": "Klaster", "city": "Gdańsk", "country": "PL", column: raw}
    data = pd.DataFrame([frame_row]).to_csv(index=False).encode("utf-8")
    checked = check(load_bytes(data, filename="x.csv"), today=TODAY)
    assert checked.table[column][0] == published
    errors = [p for p in checked.report.errors if p.column == column]
    assert tuple(p.value for p in errors) == refused
    assert checked.report.ok == (not refused)
    for problem in errors:  # the sentence names the value and is in both languages; the problem names the row
        assert problem.row == 2 and problem.code == "unknown_service"
        english, polish = problem.message("en"), problem.message("pl")
        assert problem.value in english and problem.value in polish and english != polish
        assert "cannot be published" in english and "nie można opublikować" in polish
    # Every cell the contract lets through is exactly what its parser reads back.
    if not refused:
        assert published_list(column, published).value == published
        assert join_list(split_list(published)) == published


def test_the_reported_upload_publishes_two_services_for_the_card_and_the_form():
    data = 'Nazwa;Miasto;Kraj;Usługi\r\nKlaster;Gdańsk;PL;"biurko, internet"\r\n'.encode("cp1250")
    checked = check(load_bytes(data, filename="x.csv"), today=TODAY)
    assert checked.report.ok and not checked.report.warnings
    assert offered_services(checked.table["services"][0]) == ("desk", "internet")
    assert default_services(offered_services(checked.table["services"][0])) == ("desk", "internet")
