"""Reading the partner table from what office staff really produce.

CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"),
Windows-1250 (Polish Excel) or Latin-1 — detected, never asked; ``,`` ``;``
or tab as delimiter — detected; quoted fields with delimiters, quotes and line
breaks; CRLF; and ``.xlsx`` workbooks (first sheet). Every cell is read as
text, so "NA" stays a name and "08001" keeps its zero, and the formula guard
written by :mod:`partner_directory.guard` is removed again.

Loading never judges the content; :mod:`partner_directory.validation` does.
It raises :class:`~partner_directory.errors.UnreadableFileError` only when the
file cannot be read as a table at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import UnreadableFileError
from .guard import unguard_cell
from .schema import HeaderMapping, map_headers

CSV_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm")
SUPPORTED_SUFFIXES: tuple[str, ...] = CSV_SUFFIXES + EXCEL_SUFFIXES
DELIMITERS: tuple[str, ...] = (",", ";", "\t")
#: How far down a title or notes above the header row are looked past.
HEADER_SEARCH_ROWS = 10

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
_SNIFF_CHARS = 65_536

# Letters each single-byte encoding is expected to produce in real text. A
# decoding that yields them scores; one that yields symbols (¹ ³ ¿ £ …) or
# control characters where letters belong loses.
_EXPECTED_LETTERS = {
    "cp1250": set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻčďěňřšťůžýáéíúöüäôČĎĚŇŘŠŤŮŽÝÁÉÍÚÖÜÄ„”–—"),
    "latin-1": set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ"),
}


@dataclass(frozen=True)
class SourceInfo:
    """How a file was read: ``format`` ("csv" or "xlsx"), encoding and delimiter for CSV."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None


@dataclass
class LoadedTable:
    """A table as read from a file, before validation.

    ``frame`` holds every column as text: known columns under their canonical
    name, unknown columns under their own header, in file order.
    ``row_numbers[i]`` is the spreadsheet row of ``frame.iloc[i]`` (the header
    is row 1). ``long_rows`` lists ``(row, values)`` for rows with more values
    than the header has columns.
    """

    frame: pd.DataFrame
    mapping: HeaderMapping
    row_numbers: list[int]
    source: SourceInfo
    long_rows: list[tuple[int, int]] = field(default_factory=list)


def load_file(path: str | Path) -> LoadedTable:
    """Read a CSV or Excel file from disk.

    Raises :class:`UnreadableFileError` with a plain sentence for a missing
    file, a directory, an unsupported extension, an empty or binary file.
    """
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError("missing_file", path=path)
    if path.is_dir():
        raise UnreadableFileError("is_folder", path=path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFileError("cannot_open", path=path, reason=error.strerror) from error
    return load_bytes(data, filename=path.name)


def load_bytes(data: bytes, *, filename: str = "") -> LoadedTable:
    """Read a table from the bytes of an uploaded or stored file.

    ``filename`` decides between CSV and Excel by its extension; a workbook
    mislabelled ``.csv`` is still read as a workbook.
    """
    suffix = Path(filename).suffix.lower()
    label = filename or "—"
    if suffix == ".xls" or data.startswith(_OLE_MAGIC):
        raise UnreadableFileError("old_excel", name=label)
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError("extension", name=label, suffix=suffix)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFileError("empty", name=label)
    if data.startswith(_ZIP_MAGIC):
        return _load_workbook(data, label)
    if suffix in EXCEL_SUFFIXES:
        raise UnreadableFileError("bad_workbook", name=label)
    text, encoding = decode(data, label=label)
    return _load_csv_text(text, encoding)


def decode(data: bytes, *, label: str = "—") -> tuple[str, str]:
    """Decode CSV bytes, detecting the encoding; return ``(text, encoding)``.

    Order: a byte-order mark; strict UTF-8; otherwise Windows-1250 or Latin-1,
    whichever gives the more plausible letters (ties go to Windows-1250, the
    Polish Excel default). Raises :class:`UnreadableFileError` for binary data.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", label), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", label), "utf-16"
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise UnreadableFileError("binary", name=label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        candidates = {name: data.decode(name, errors="replace") for name in ("cp1250", "latin-1")}
        encoding = max(candidates, key=lambda name: (_plausibility(candidates[name], name), name == "cp1250"))
        text = candidates[encoding]
    else:
        encoding = "utf-8"
    if _looks_binary(text):
        raise UnreadableFileError("binary", name=label)
    return text, encoding


def _strict(data: bytes, encoding: str, label: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UnreadableFileError("bad_encoding", name=label, encoding=encoding.upper()) from error


def _plausibility(text: str, encoding: str) -> int:
    expected = _EXPECTED_LETTERS[encoding]
    score = 0
    for char in text:
        if char.isascii():
            continue
        if char in expected:
            score += 1
        elif unicodedata.category(char)[0] in "CS" or char == "\ufffd":
            score -= 3
    return score


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_CHARS]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    return controls > max(8, len(sample) // 100)


def detect_delimiter(text: str) -> str:
    """Return the delimiter (``,`` ``;`` or tab) that splits the header into most columns consistently."""
    sample = text[:_SNIFF_CHARS]

    def score(delimiter: str) -> tuple[bool, float, int]:
        records = _records(sample, delimiter, limit=30)
        if not records:
            return (False, 0.0, 0)
        width = len(records[0])
        body = records[1:-1] or records[1:]  # the last record may be cut by the sample
        consistent = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        return (width > 1, consistent, width)

    return max(DELIMITERS, key=score)


def _records(text: str, delimiter: str, *, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if limit is not None and len(records) >= limit:
                break
    except csv.Error as error:
        raise UnreadableFileError("bad_csv", reason=str(error)) from error
    return records


def _load_csv_text(text: str, encoding: str) -> LoadedTable:
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = detect_delimiter(text)
    records = _records(text, delimiter)
    return _table_from_records(records, SourceInfo(format="csv", encoding=encoding, delimiter=delimiter))


def _load_workbook(data: bytes, label: str) -> LoadedTable:
    import openpyxl  # imported here: reading CSV should not pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFileError("bad_workbook", name=label) from error
    try:
        if not workbook.worksheets:
            raise UnreadableFileError("no_sheet", name=label)
        sheet = workbook.worksheets[0]
        records = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _table_from_records(records, SourceInfo(format="xlsx"))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _table_from_records(records: Sequence[Sequence[str]], source: SourceInfo) -> LoadedTable:
    header_index = _header_index(records)
    if header_index is None:
        raise UnreadableFileError("no_table")
    header = list(records[header_index])
    while header and not header[-1].strip():  # trailing empty columns Excel leaves behind
        header.pop()
    width = len(header)
    mapping = map_headers(header)
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    long_rows: list[tuple[int, int]] = []
    for index in range(header_index + 1, len(records)):
        record = records[index]
        if not any(cell.strip() for cell in record):
            continue
        row_number = index + 1
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            long_rows.append((row_number, len(record)))
        cells = [unguard_cell(cell) for cell in record[:width]]
        cells.extend([""] * (width - len(cells)))
        rows.append(cells)
        row_numbers.append(row_number)
    frame = pd.DataFrame(rows, columns=_unique(mapping.columns), dtype=object)
    return LoadedTable(frame=frame, mapping=mapping, row_numbers=row_numbers, source=source, long_rows=long_rows)


def _header_index(records: Sequence[Sequence[str]]) -> int | None:
    """The header row: the first of the first few rows naming a required column, else the first non-empty row.

    Spreadsheets often carry a title ("Lista partnerów BRA") and a blank row above the header.
    """
    non_empty = [i for i, record in enumerate(records[:HEADER_SEARCH_ROWS]) if any(c.strip() for c in record)]
    for index in non_empty:
        columns = map_headers(records[index]).columns
        if "partner_name" in columns and ("country" in columns or "city" in columns):
            return index
    if non_empty:
        return non_empty[0]
    return next((i for i, record in enumerate(records) if any(c.strip() for c in record)), None)


def _unique(columns: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique: list[str] = []
    for column in columns:
        count = seen.get(column, 0) + 1
        seen[column] = count
        unique.append(column if count == 1 else f"{column} ({count})")
    return unique
