from __future__ import annotations

import pytest

from partner_directory.errors import UnreadableFileError
from partner_directory.sheet.loading import decode, detect_delimiter, load_bytes, load_file

POLISH_FILES = [
    ("polish_utf8.csv", "utf-8", ","),
    ("polish_utf8_bom_semicolon.csv", "utf-8-sig", ";"),
    ("polish_cp1250_semicolon.csv", "cp1250", ";"),
    ("polish_cp1250_tab.tsv", "cp1250", "\t"),
    ("polish_utf16_tab.txt", "utf-16", "\t"),
]


@pytest.mark.parametrize(("name", "encoding", "delimiter"), POLISH_FILES)
def test_polish_letters_survive_every_encoding_and_delimiter(files, name, encoding, delimiter):
    loaded = load_file(files / name)
    assert loaded.source.encoding == encoding
    assert loaded.source.delimiter == delimiter
    frame = loaded.frame
    assert list(frame["partner_name"]) == ["Pomorski Klaster ICT", "Śląski Klaster Źródeł"]
    assert list(frame["city"]) == ["Gdańsk", "Łódź"]
    assert frame["description"][0] == 'Zażółć gęślą jaźń; "cytat", przecinek'
    assert frame["description"][1] == "Wiersz pierwszy\nwiersz drugi"
    assert frame["contact_phone"][0] == "+48 58 000 00 01"
    assert loaded.row_numbers == [2, 3]


def test_polish_headers_map_to_schema(files):
    loaded = load_file(files / "polish_utf8.csv")
    assert loaded.mapping.columns == (
        "partner_name",
        "city",
        "country",
        "address",
        "postal_code",
        "contact_email",
        "contact_phone",
        "website",
        "sectors",
        "services",
        "description",
    )


def test_latin1_is_told_apart_from_windows_1250(files):
    loaded = load_file(files / "latin1_comma.csv")
    assert loaded.source.encoding == "latin-1"
    assert list(loaded.frame["city"]) == ["Montréal", "Sevilla", "Malmö"]
    assert loaded.frame["description"][2] == "Ærø, Ål, Å"


def test_workbook_first_sheet_as_text(files):
    loaded = load_file(files / "polish.xlsx")
    frame = loaded.frame
    assert loaded.source.format == "xlsx"
    assert list(frame["partner_name"]) == ["Klaster Żółw", "NA"]
    assert list(frame["postal_code"]) == ["30-001", "08001"]
    assert frame["latitude"][0] == "50.0614"
    assert frame["last_verified"][0] == "2026-03-01"
    assert frame["Notatki wewnętrzne"][1] == "None"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b,c\n1,2,3\n", ","),
        (b"a;b;c\n1,5;2;3\n", ";"),
        (b"a\tb\n1;2\t3\n", "\t"),
        (b'name,description\n"x","a; b; c"\n', ","),
        (b'name;description\nx;"a, b, c"\n', ";"),
    ],
)
def test_delimiter_detection(data, expected):
    assert detect_delimiter(data.decode()) == expected


def test_values_are_text_never_guessed():
    loaded = load_bytes(b"name,city,country,postal_code\nNA,None,PL,00950\nnull,nan,PL,01\n", filename="x.csv")
    assert loaded.frame.to_dict("records") == [
        {"partner_name": "NA", "city": "None", "country": "PL", "postal_code": "00950"},
        {"partner_name": "null", "city": "nan", "country": "PL", "postal_code": "01"},
    ]


def test_crlf_and_blank_lines_keep_spreadsheet_row_numbers():
    loaded = load_bytes(b"name,city,country\r\nA,Gdynia,PL\r\n,,\r\nB,Sopot,PL\r\n", filename="x.csv")
    assert loaded.row_numbers == [2, 4]


def test_rows_longer_than_header_are_reported():
    loaded = load_bytes(b"name,city,country\nA,Gdynia,PL,extra\n", filename="x.csv")
    assert loaded.long_rows == [(2, 4)]


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("empty.csv", "empty"),
        ("binary.csv", "binary"),
        ("notes.pdf", ".pdf"),
    ],
)
def test_unreadable_files_get_one_sentence(files, name, sentence):
    with pytest.raises(UnreadableFileError, match=sentence):
        load_file(files / name)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UnreadableFileError, match="does not exist"):
        load_file(tmp_path / "nope.csv")
    with pytest.raises(UnreadableFileError, match="folder"):
        load_file(tmp_path)


def test_old_excel_is_named():
    with pytest.raises(UnreadableFileError, match=r"\.xls"):
        load_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="old.xls")


def test_workbook_with_csv_name_is_still_read(files):
    loaded = load_bytes((files / "polish.xlsx").read_bytes(), filename="export.csv")
    assert loaded.source.format == "xlsx"


def test_broken_workbook():
    with pytest.raises(UnreadableFileError, match="not a valid Excel"):
        load_bytes(b"PK\x03\x04garbage", filename="x.xlsx")


def test_decode_prefers_windows_1250_for_polish_text():
    text, encoding = decode("Łódź, Świętochłowice, Źródło, żółw".encode("cp1250"))
    assert (text, encoding) == ("Łódź, Świętochłowice, Źródło, żółw", "cp1250")


def test_guard_is_removed_on_load():
    loaded = load_bytes(b"name,city,country,description\nA,Gdynia,PL,'=1+2\n", filename="x.csv")
    assert loaded.frame["description"][0] == "=1+2"


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers():
    data = "Lista partnerów BRA;;\r\nstan na 2026-11-27;;\r\n;;\r\nNazwa;Miasto;Kraj\r\nA;Gdynia;PL\r\n".encode(
        "cp1250"
    )
    loaded = load_bytes(data, filename="title.csv")
    assert loaded.mapping.columns == ("partner_name", "city", "country")
    assert loaded.row_numbers == [5]


def test_old_mac_line_endings():
    loaded = load_bytes(b"name;city;country\rA;Gdynia;PL\rB;Sopot;PL\r", filename="mac.csv")
    assert list(loaded.frame["city"]) == ["Gdynia", "Sopot"]
    assert loaded.row_numbers == [2, 3]
