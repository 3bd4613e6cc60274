"""Reading the partner table from what office staff really produce.

CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"),
Windows-1250 (Polish Excel) or Latin-1 — detected, never asked; ``,`` ``;``
or tab as delimiter — detected; quoted fields with delimiters, quotes and line
breaks; CRLF; and ``.xlsx`` workbooks (first sheet). Every cell is read as
text, so "NA" stays a name and "08001" keeps its zero, and the formula guard
written by :mod:`partner_directory.sheet.guard` is removed again.

Loading never judges the content; :mod:`partner_directory.sheet.validation` does.
It raises :class:`~partner_directory.errors.UnreadableFileError` only when the
file cannot be read as a table at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from partner_directory.errors import InputTooLargeError, UnreadableFileError
from partner_directory.sheet.guard import unguard_cell
from partner_directory.sheet.limits import DEFAULT_LIMITS, MB, Limits
from partner_directory.sheet.schema import map_headers
from partner_directory.sheet.table import LoadedTable, Note, SourceInfo

log = logging.getLogger(__name__)

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


def load_file(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> LoadedTable:
    """Read a CSV or Excel file from disk.

    Raises :class:`UnreadableFileError` with a plain sentence for a missing
    file, a directory, an unsupported extension, an empty or binary file, and
    :class:`InputTooLargeError` for a file over ``limits`` (its size is checked
    before a byte is read).
    """
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError("missing_file", path=path)
    if path.is_dir():
        raise UnreadableFileError("is_folder", path=path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise _too_big(path.name, size, limits.max_file_bytes)
        with path.open("rb") as stream:  # a device or a growing file: never read past the budget
            data = stream.read(limits.max_file_bytes + 1)
    except OSError as error:
        raise UnreadableFileError("cannot_open", path=path, reason=error.strerror) from error
    return load_bytes(data, filename=path.name, limits=limits)


def _too_big(name: str, size: int, limit: int) -> InputTooLargeError:
    return InputTooLargeError("too_big", name=name, size=f"{size / MB:.1f}", limit=f"{limit / MB:g}")


def load_bytes(data: bytes, *, filename: str = "", limits: Limits = DEFAULT_LIMITS) -> LoadedTable:
    """Read a table from the bytes of an uploaded or stored file.

    ``filename`` decides between CSV and Excel by its extension; a workbook
    mislabelled ``.csv`` is still read as a workbook. Every budget of
    ``limits`` is checked before the work it bounds (see :mod:`partner_directory.sheet.limits`).
    """
    suffix = Path(filename).suffix.lower()
    label = filename or "—"
    if len(data) > limits.max_file_bytes:
        raise _too_big(label, len(data), limits.max_file_bytes)
    if suffix == ".xls" or data.startswith(_OLE_MAGIC):
        raise UnreadableFileError("old_excel", name=label)
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError("extension", name=label, suffix=suffix)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFileError("empty", name=label)
    if data.startswith(_ZIP_MAGIC):
        return _load_workbook(data, label, limits)
    if suffix in EXCEL_SUFFIXES:
        raise UnreadableFileError("bad_workbook", name=label)
    text, encoding, other_lines = decode_lines(data, label=label)
    return _load_csv_text(text, encoding, label, limits, other_lines=other_lines)


def decode(data: bytes, *, label: str = "—") -> tuple[str, str]:
    """Decode CSV bytes, detecting the encoding; return ``(text, encoding)``.

    Order: a byte-order mark; UTF-16 without one (recognised by its zero
    bytes); strict UTF-8; otherwise Windows-1250 or Latin-1, whichever gives
    the more plausible letters (ties go to Windows-1250, the Polish Excel
    default). A file whose lines are partly UTF-8 and partly not is read line by
    line (see :func:`decode_lines`). Raises :class:`UnreadableFileError` for binary data.
    """
    text, encoding, _ = decode_lines(data, label=label)
    return text, encoding


def decode_lines(data: bytes, *, label: str = "—") -> tuple[str, str, list[int]]:
    """Like :func:`decode`, and also the (1-based) lines read in another encoding than the rest.

    When some lines with accented letters are valid UTF-8 and others are not, the
    file was put together from two sources: each line is read in its own
    encoding (the UTF-8 ones as UTF-8, the others as Windows-1250 or Latin-1),
    and those other lines are returned so that the rows can be warned about.
    The encoding is then named like ``"utf-8+cp1250"``.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", label), "utf-8-sig", []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", label), "utf-16", []
    if b"\x00" in data[:_SNIFF_CHARS]:
        wide = _utf16_without_bom(data)
        if wide is None:
            raise UnreadableFileError("binary", name=label)
        text = _strict(data, wide, label)
        if _looks_binary(text):
            raise UnreadableFileError("binary", name=label)
        return text, wide, []
    other_lines: list[int] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, encoding, other_lines = _decode_single_byte_or_mixed(data)
    else:
        encoding = "utf-8"
    if _looks_binary(text):
        raise UnreadableFileError("binary", name=label)
    return text, encoding, other_lines


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when the zero bytes sit where UTF-16 puts them (mostly-Latin text)."""
    sample = data[: _SNIFF_CHARS - _SNIFF_CHARS % 2]
    pairs = len(sample) // 2
    if pairs < 2 or len(data) % 2:
        return None
    zero_even = sample[0::2].count(0) / pairs
    zero_odd = sample[1::2].count(0) / pairs
    if zero_odd > 0.3 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.3 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def _best_single_byte(data: bytes) -> str:
    candidates = {name: data.decode(name, errors="replace") for name in ("cp1250", "latin-1")}
    return max(candidates, key=lambda name: (_plausibility(candidates[name], name), name == "cp1250"))


def _decode_single_byte_or_mixed(data: bytes) -> tuple[str, str, list[int]]:
    lines = data.split(b"\n")
    utf8_lines: list[int] = []
    other: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8_lines.append(number)
    single = _best_single_byte(b"\n".join(lines[n - 1] for n in other) if other else data)
    if not utf8_lines:
        return data.decode(single, errors="replace"), single, []
    others = set(other)
    text = "\n".join(
        line.decode(single, errors="replace") if number in others else line.decode("utf-8")
        for number, line in enumerate(lines, start=1)
    )
    return text, f"utf-8+{single}", other


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


def _records(
    text: str,
    delimiter: str,
    *,
    limit: int | None = None,
    label: str = "—",
    limits: Limits | None = None,
    last_lines: list[int] | None = None,
) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            if limits is not None:
                _check_record(record, len(records) + 1, label, limits)
            records.append(record)
            if last_lines is not None:
                last_lines.append(reader.line_num)  # the physical line the record ends on
            if limit is not None and len(records) >= limit:
                break
    except csv.Error as error:
        if limits is not None and "field limit" in str(error):  # a cell longer than csv's own 131,072 characters
            raise InputTooLargeError(
                "cell_too_long", name=label, row=reader.line_num, limit=limits.max_cell_chars
            ) from error
        raise UnreadableFileError("bad_csv", reason=str(error)) from error
    return records


def _check_record(record: Sequence[str], row: int, label: str, limits: Limits) -> None:
    """Refuse a row over the budget: too many rows, too many (non-empty) columns, a too long cell."""
    if not limits.admits_rows(row):
        raise InputTooLargeError("too_many_rows", name=label, limit=limits.max_rows)
    width = len(record)
    while width and not record[width - 1]:
        width -= 1
    if width > limits.max_columns:
        raise InputTooLargeError("too_many_columns", name=label, count=width, limit=limits.max_columns)
    if any(len(cell) > limits.max_cell_chars for cell in record):
        raise InputTooLargeError("cell_too_long", name=label, row=row, limit=limits.max_cell_chars)


def _load_csv_text(
    text: str, encoding: str, label: str = "—", limits: Limits = DEFAULT_LIMITS, *, other_lines: Sequence[int] = ()
) -> LoadedTable:
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = detect_delimiter(text)
    last_lines: list[int] = []
    records = _records(text, delimiter, label=label, limits=limits, last_lines=last_lines)
    table = _table_from_records(records, SourceInfo(format="csv", encoding=encoding, delimiter=delimiter))
    table.notes += _encoding_notes(other_lines, last_lines, encoding)
    table.notes += _quote_notes(records, delimiter, table)
    table.notes.sort(key=lambda note: note.row)
    return table


_ENCODING_NAMES = {"cp1250": "Windows-1250", "latin-1": "Latin-1"}


def _encoding_notes(other_lines: Sequence[int], last_lines: Sequence[int], encoding: str) -> list[Note]:
    """One warning per row holding a line read in another encoding than the rest of the file."""
    if not other_lines:
        return []
    import bisect

    rows = sorted({bisect.bisect_left(last_lines, line) + 1 for line in other_lines})
    name = _ENCODING_NAMES.get(encoding.split("+")[-1], encoding.split("+")[-1])
    return [Note(row, "mixed_encoding", None, {"encoding": name}) for row in rows if row <= len(last_lines)]


def _quote_notes(records: Sequence[Sequence[str]], delimiter: str, table: LoadedTable) -> list[Note]:
    """Name a quote that opened a value and swallowed following lines that look like whole rows."""
    width = len(table.mapping.columns)
    if width < 2:
        return []
    first_data_row = (table.row_numbers[0] if table.row_numbers else 0) or 2
    notes: list[Note] = []
    for index in range(first_data_row - 1, len(records)):
        for position, cell in enumerate(records[index][:width]):
            if "\n" not in cell and "\r" not in cell:
                continue
            swallowed = cell.splitlines()[1:]
            if any(line.count(delimiter) >= width - 1 for line in swallowed):
                column = table.mapping.columns[position]
                notes.append(Note(index + 1, "unbalanced_quote", column, {"lines": len(swallowed)}))
    return notes


# XML a workbook never needs: a document type can declare entities that expand to gigabytes.
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# Rows and cells of a sheet's XML, with or without a namespace prefix.
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
_SCAN_CHUNK = 1 << 20


def _check_package(archive: zipfile.ZipFile, label: str, limits: Limits) -> None:
    """Refuse a workbook over its budget before any XML of it is parsed.

    The zip's own directory gives every part's unpacked size (Python's zipfile
    never unpacks more than that), so the sum and each part's packing ratio are
    known for free. Then every XML part is streamed once: a document type
    (entity declarations) is refused, and so is a sheet row with more cells than Excel allows.
    """
    parts = archive.infolist()
    if len(parts) > limits.max_parts:
        raise InputTooLargeError("workbook_too_many_parts", name=label, count=len(parts), limit=limits.max_parts)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_unpacked_bytes:
        raise InputTooLargeError(
            "workbook_unpacks_too_big",
            name=label,
            size=f"{unpacked / MB:.0f}",
            limit=f"{limits.max_unpacked_bytes / MB:g}",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= limits.ratio_applies_from_bytes and ratio > limits.max_compression_ratio:
            raise InputTooLargeError(
                "workbook_packed_too_tight", name=label, ratio=f"{ratio:.0f}", limit=f"{limits.max_compression_ratio:g}"
            )
    for part in parts:
        if part.filename.endswith((".xml", ".rels", ".vml")):
            _scan_xml(archive, part, label, limits, sheet=part.filename.startswith("xl/worksheets/"))


def _scan_xml(archive: zipfile.ZipFile, part: zipfile.ZipInfo, label: str, limits: Limits, *, sheet: bool) -> None:
    cells_in_row = 0
    carry = b""
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(_SCAN_CHUNK)
                window = carry + chunk
                # Keep a tag cut at the window's edge for the next round, so it is seen whole exactly once.
                cut = window.rfind(b"<", max(0, len(window) - 64)) if chunk else -1
                ready, carry = (window[:cut], window[cut:]) if cut > 0 else (window, b"")
                if _DOCTYPE.search(ready):
                    raise InputTooLargeError("workbook_entities", name=label)
                if sheet:
                    for match in _ROW_OR_CELL.finditer(ready):
                        if match.group(1) == b"row":
                            cells_in_row = 0
                            continue
                        cells_in_row += 1
                        if cells_in_row > limits.max_row_cells:
                            raise InputTooLargeError("workbook_row_too_wide", name=label, limit=limits.max_row_cells)
                if not chunk:
                    break
    except UnreadableFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as error:
        log.warning("The workbook %s has a damaged part %s: %s", label, part.filename, error)
        raise UnreadableFileError("damaged_workbook", name=label, part=part.filename) from error


def _load_workbook(data: bytes, label: str, limits: Limits = DEFAULT_LIMITS) -> LoadedTable:
    import openpyxl  # imported here: reading CSV should not pay for it

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UnreadableFileError("bad_workbook", name=label) from error
    with archive:
        _check_package(archive, label, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken package; each is one sentence
        log.warning("The workbook %s cannot be opened: %r", label, error)
        raise UnreadableFileError("bad_workbook", name=label) from error
    try:
        if not workbook.worksheets:
            raise UnreadableFileError("no_sheet", name=label)
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # read what the sheet holds, not what its <dimension> claims
        records = list(_sheet_records(sheet.iter_rows(values_only=True), label, limits))
    except UnreadableFileError:
        raise
    except Exception as error:  # broken sheet XML, a refused entity, a bad value: one sentence, details logged
        log.warning("The workbook %s cannot be read: %r", label, error)
        raise UnreadableFileError("damaged_workbook", name=label, part=getattr(sheet, "title", "?")) from error
    finally:
        workbook.close()
    return _table_from_records(records, SourceInfo(format="xlsx"))


def _sheet_records(rows: Iterable[Sequence[object]], label: str, limits: Limits) -> Iterator[list[str]]:
    for number, row in enumerate(rows, start=1):
        values = list(row)
        while values and values[-1] is None:  # trailing empty cells are formatting, not content
            values.pop()
        record = [_cell_text(value) for value in values]
        _check_record(record, number, label, limits)
        yield record


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
