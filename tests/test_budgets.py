"""Every input has a budget checked before the work: hostile files get one sentence, fast and small.

Each file is generated on the spot (see ``tests/hostile.py``) and fed to the loader and to the
``validate`` command in a subprocess whose wall time and peak memory (max RSS) are measured.
The bounds are generous for a loaded 2-core machine; the failures they catch took minutes and gigabytes.
"""

from __future__ import annotations

import time

import pytest

from partner_directory.errors import InputTooLargeError, UnreadableFileError
from partner_directory.sheet.limits import Limits
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.schema import map_headers
from tests import hostile

SECONDS = 20  # each of these took from 30 s to "never" before the budgets
PEAK_MB = 400  # Python with pandas alone is about 100 MB; these took 5 to 11 GB


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    made = {
        "lying.xlsx": hostile.lying_dimension(),
        "bomb.xlsx": hostile.one_cell_bomb(),
        "wide.csv": hostile.wide_csv(),
        "rows.xlsx": hostile.many_rows_workbook(),
        "broken.xlsx": hostile.broken_sheet_xml(),
        "entities.xlsx": hostile.entity_expansion(),
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return folder


def test_the_generated_files_are_the_reported_ones(files):
    assert (files / "lying.xlsx").stat().st_size < 2_000  # 1.6 KB
    assert (files / "bomb.xlsx").stat().st_size < 400_000  # 293 KB holding 300 MB
    assert 15_000_000 < (files / "rows.xlsx").stat().st_size < 25_000_000  # about 18 MB


def test_a_lying_dimension_is_read_by_what_the_sheet_holds(files):
    run = hostile.run_command("validate", str(files / "lying.xlsx"))
    assert run.code == 0, run.stderr
    assert "2 rows" in run.stdout
    assert run.seconds < SECONDS and run.max_rss_mb < PEAK_MB, run


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("bomb.xlsx", "bomb.xlsx unpacks to 286 MB; a workbook may unpack to at most 100 MB."),
        ("wide.csv", "wide.csv has too many columns (100000); a partner file may have at most 500."),
        ("rows.xlsx", "rows.xlsx unpacks to 267 MB; a workbook may unpack to at most 100 MB."),
        (
            "broken.xlsx",
            "broken.xlsx is a damaged Excel workbook (its part Partners cannot be read); save it again from Excel and try once more.",
        ),
        (
            "entities.xlsx",
            "entities.xlsx declares XML entities (a document type), which workbooks never need; it is refused.",
        ),
    ],
)
def test_a_hostile_file_gets_one_sentence_fast_and_small(files, name, sentence):
    run = hostile.run_command("validate", str(files / name))
    assert run.code == 2
    assert run.stderr.strip() == sentence
    assert "Traceback" not in run.stderr + run.stdout
    assert run.seconds < SECONDS, run.seconds
    assert run.max_rss_mb < PEAK_MB, run.max_rss_mb


def test_the_sentence_is_polish_too(files):
    run = hostile.run_command("--lang", "pl", "validate", str(files / "wide.csv"))
    assert run.code == 2
    assert run.stderr.strip() == "wide.csv ma za dużo kolumn (100000); plik partnerów może mieć najwyżej 500."


def test_a_million_rows_are_refused_by_their_count_when_the_workbook_is_not_too_big(files):
    limits = Limits(max_unpacked_bytes=10**9, max_rows=100_000)
    started = time.monotonic()
    with pytest.raises(InputTooLargeError) as caught:
        load_bytes((files / "rows.xlsx").read_bytes(), filename="rows.xlsx", limits=limits)
    assert str(caught.value) == "rows.xlsx has more than 100000 rows; a partner file may have at most 100000."
    assert time.monotonic() - started < 60


def test_a_bomb_is_refused_by_its_packing_even_under_the_size_budget():
    bomb = hostile.one_cell_bomb(megabytes=50)
    with pytest.raises(InputTooLargeError, match=r"packed \d+ times smaller"):
        load_bytes(bomb, filename="bomb.xlsx")


def test_a_long_cell_is_refused_with_its_row():
    data = ("partner_name,city,country\nA,Gdańsk,PL\n" + "B," + "x" * 40_000 + ",PL\n").encode()
    with pytest.raises(InputTooLargeError) as caught:
        load_bytes(data, filename="long.csv")
    assert (
        str(caught.value)
        == "Row 3 of long.csv holds a cell of more than 32767 characters; a cell may hold at most 32767."
    )
    huge = ("partner_name,city,country\nB," + "x" * 5_000_000 + ",PL\n").encode()
    with pytest.raises(InputTooLargeError, match=r"Row 2 of huge\.csv holds a cell"):
        load_bytes(huge, filename="huge.csv")


def test_too_many_csv_rows_are_refused():
    data = ("partner_name,city,country\n" + "A,Gdańsk,PL\n" * 1_001).encode()
    with pytest.raises(InputTooLargeError, match="more than 1000 rows"):
        load_bytes(data, filename="many.csv", limits=Limits(max_rows=1_000))
    assert len(load_bytes(data, filename="many.csv", limits=Limits(max_rows=1_002)).frame) == 1_001


def test_a_file_over_the_size_budget_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as stream:
        stream.truncate(60 * 1024 * 1024)  # sparse: costs no disk, but reading it would cost 60 MB
    run = hostile.run_command("validate", str(path))
    assert run.code == 2
    assert run.stderr.strip() == "big.csv is 60.0 MB; the limit is 50 MB."
    assert run.max_rss_mb < 200


def test_a_broken_or_entity_workbook_is_one_sentence_in_the_loader_too():
    for data in (hostile.broken_sheet_xml(), hostile.entity_expansion()):
        with pytest.raises(UnreadableFileError):
            load_bytes(data, filename="x.xlsx")


def test_a_row_wider_than_excel_allows_is_refused_before_openpyxl_builds_it():
    cells = "".join(f'<c r="A1" t="inlineStr"><is><t>{i}</t></is></c>' for i in range(20_000))
    sheet = hostile.sheet_xml([hostile.HEADER]).replace("</sheetData>", f'<row r="2">{cells}</row></sheetData>')
    with pytest.raises(InputTooLargeError, match="more than 16384 cells"):
        load_bytes(hostile.workbook(sheet), filename="wide.xlsx")


def test_a_real_workbook_with_trailing_formatting_is_read():
    loaded = load_bytes(hostile.small_workbook(), filename="ok.xlsx")
    assert list(loaded.frame["partner_name"]) == ["Pomorski Klaster ICT", "Klaster Żeglugi"]


def test_header_mapping_is_linear():
    headers = [f"extra {i}" for i in range(100_000)]
    started = time.monotonic()
    mapping = map_headers(headers)
    assert time.monotonic() - started < 5  # 8,000 columns took 92 s when it was quadratic
    assert not mapping.duplicates
    assert map_headers(["Remarks 2", "remarks_2", "City", "miasto"]).duplicates == (
        ("remarks_2", "remarks_2"),
        ("miasto", "city"),
    )
