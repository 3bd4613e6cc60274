from __future__ import annotations

import io

import openpyxl
import pytest

from partner_directory.sheet.export import csv_bytes, write_atomically, write_table, xlsx_bytes
from partner_directory.sheet.loading import load_bytes, load_file
from partner_directory.sheet.validation import check

HOSTILE = '=HYPERLINK("http://evil.example.com","click")'


def _table():
    data = (
        "name,city,country,contact_phone,description,longitude,latitude,postal_code,Notatki\n"
        f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",Gdańsk,PL,+48 58 123 45 67,@SUM(1),-73.98,40.7,00950,\'=keep\n'
        'NA,Łódź,PL,,"-2+3",,,,None\n'
    ).encode()
    return check(load_bytes(data, filename="x.csv")).table


def test_csv_is_bom_utf8_and_guarded():
    data = csv_bytes(_table())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",'@SUM(1)," in text
    assert "+48 58 123 45 67" in text and "'+48" not in text
    assert ",-73.98," in text
    assert "'-2+3" in text
    assert "Gdańsk" in text and "Łódź" in text


def test_csv_round_trip_is_exact():
    table = _table()
    again = check(load_bytes(csv_bytes(table), filename="again.csv")).table
    for column in ("partner_name", "contact_phone", "description", "postal_code", "Notatki", "city"):
        assert list(again[column]) == list(table[column]), column
    assert again["Notatki"][0] == "=keep"  # the guard in the source file was removed on load


def test_extra_columns_are_written_after_schema_columns():
    header = csv_bytes(_table()).decode("utf-8-sig").splitlines()[0].split(",")
    assert header[0] == "partner_id" and header[-1] == "Notatki"
    assert "source_row" not in header and "continent" not in header


def test_xlsx_cells_are_text_not_formulas():
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(_table())))
    sheet = workbook.active
    values = {cell.value for row in sheet.iter_rows() for cell in row}
    assert HOSTILE in values
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)
    again = check(load_bytes(xlsx_bytes(_table()), filename="x.xlsx")).table
    assert list(again["partner_name"]) == [HOSTILE, "NA"]


def test_write_table_by_extension(tmp_path):
    write_table(_table(), tmp_path / "out.xlsx")
    write_table(_table(), tmp_path / "out.csv")
    assert load_file(tmp_path / "out.xlsx").source.format == "xlsx"
    assert load_file(tmp_path / "out.csv").source.encoding == "utf-8-sig"


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "partners.csv"
    target.write_bytes(b"old")

    def broken_fsync(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", broken_fsync)
    with pytest.raises(OSError):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["partners.csv"]
