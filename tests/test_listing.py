"""Downloads are for people (members' Excel and CSV); the staff's canonical CSV stays exactly as it was."""

from __future__ import annotations

import csv
import io
import math

import openpyxl
import pandas as pd
import pytest

from partner_directory.sheet.export import csv_bytes, export_columns
from partner_directory.sheet.listing import MEMBER_CSV_DELIMITER, member_csv, member_table, member_xlsx
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.schema import COLUMNS, GEOCODE_COLUMNS
from partner_directory.sheet.validation import check
from tests.test_cli import run

HOSTILE = '=HYPERLINK("http://evil.example.com","click")'


def rows(distances=(12.4, math.nan)) -> pd.DataFrame:
    data = (
        "partner_name,office_name,city,country,sectors,services,languages,contact_email,description\n"
        f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",HQ,Gdańsk,PL,ICT;AI,desk;meeting_room,pl;en,a@example.org,"a; b, c"\n'
        "Kanto Digital Bridge,,東京,JP,Gaming,events,ja;en,b@example.org,\n"
    ).encode()
    table = check(load_bytes(data, filename="x.csv")).table
    return table.assign(distance_km=list(distances), geocode_precision=["city", "none"], geocode_source="gazetteer")


@pytest.mark.parametrize(
    ("language", "headers", "country", "services", "languages"),
    [
        ("en", ["Partner", "Office", "Address"], "Poland", "desk, meeting room", "Polish, English"),
        ("pl", ["Partner", "Biuro", "Adres"], "Polska", "biurko, sala spotkań", "polski, angielski"),
    ],
)
def test_member_table_reads_as_words_in_the_page_language(language, headers, country, services, languages):
    table = member_table(rows(), language=language)
    assert list(table.columns[:3]) == headers
    first = table.iloc[0]
    assert first.iloc[5] == country and services in list(first) and languages in list(first)
    assert "Distance (km)" not in table.columns and "Odległość (km)" not in table.columns
    assert "PL" not in list(first) and "desk;meeting_room" not in " ".join(map(str, first))


def test_a_near_search_has_the_distance_in_whole_km():
    table = member_table(rows(), language="pl", with_distance=True)
    assert list(table["Odległość (km)"]) == [12, None]
    assert list(table.columns).index("Odległość (km)") == list(table.columns).index("Kraj") + 1


def polish_excel(data: bytes) -> list[list[str]]:
    """What Excel with Polish regional settings does with a CSV: UTF-8 by its BOM, split on the list separator ';'."""
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_the_members_csv_opens_in_columns_in_polish_excel():
    table = member_table(rows(), language="pl", with_distance=True)
    data = member_csv(table)
    assert MEMBER_CSV_DELIMITER == ";" and b"\r\n" in data
    sheet = polish_excel(data)
    assert sheet[0] == list(table.columns) and len(sheet[0]) > 10
    assert all(len(line) == len(sheet[0]) for line in sheet)
    assert sheet[1][0] == "'" + HOSTILE  # formula-guarded
    assert sheet[1][list(table.columns).index("Odległość (km)")] == "12"  # not 12.0, which Polish Excel misreads
    assert "a; b, c" in sheet[1] and "biurko, sala spotkań" in sheet[1] and "Gdańsk" in sheet[1]


def test_the_members_excel_file():
    table = member_table(rows(), language="en", with_distance=True)
    book = openpyxl.load_workbook(io.BytesIO(member_xlsx(table, sheet_title="Partners")))
    sheet = book.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == list(table.columns) and sheet.freeze_panes == "A2"
    distance = values[0].index("Distance (km)")
    assert values[1][distance] == 12 and sheet.cell(2, distance + 1).data_type == "n"
    assert values[1][0] == HOSTILE and sheet.cell(2, 1).data_type == "s"  # text, never a formula
    assert values[1][values[0].index("Country")] == "Poland" and values[2][values[0].index("City")] == "東京"
    assert sheet.column_dimensions["A"].width >= len(HOSTILE) or sheet.column_dimensions["A"].width == 60


# -- the staff's canonical CSV stays exactly as it is -------------------------------------------


def test_the_export_command_writes_the_same_bytes_as_before(files, tmp_path):
    """``canonical_export.csv`` was written by the `export` command before the members' downloads changed."""
    out = tmp_path / "out.csv"
    assert run("export", str(files / "polish_cp1250_semicolon.csv"), "--out", str(out)).returncode == 0
    assert out.read_bytes() == (files / "canonical_export.csv").read_bytes()
    assert out.read_bytes().decode("utf-8-sig").splitlines()[0] == ",".join(COLUMNS)


def test_the_canonical_csv_round_trips_byte_for_byte(files, tmp_path):
    first = (files / "canonical_export.csv").read_bytes()
    again = csv_bytes(check(load_bytes(first, filename="canonical.csv")).table)
    assert again == first
    out = tmp_path / "again.csv"
    source = tmp_path / "canonical.csv"
    source.write_bytes(first)
    assert run("export", str(source), "--out", str(out)).returncode == 0
    assert out.read_bytes() == first


def test_the_staff_download_is_still_the_canonical_csv_with_geocoding_columns(files):
    """The staff page's download (ui.table_downloads) writes field names, codes and commas."""
    table = check(load_bytes((files / "canonical_export.csv").read_bytes(), filename="c.csv")).table
    columns = export_columns(table, extra=GEOCODE_COLUMNS)
    header = csv_bytes(table, columns=columns).decode("utf-8-sig").splitlines()[0]
    assert header == ",".join([*COLUMNS, *GEOCODE_COLUMNS])
