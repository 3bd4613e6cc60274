"""Writing partner tables for people and spreadsheets: CSV and Excel.

Every CSV is UTF-8 with a byte-order mark (so Excel shows Polish letters)
and formula-guarded (see :mod:`partner_directory.sheet.guard`); every Excel cell is
written as text, never as a formula, through :func:`text_cell` -- the one maker of
a text cell for every workbook the project writes (partner files, the members'
list, the visits register, the yearly report), so that any string that reaches
it can be written: control characters that XML or Excel refuse are taken out
(:func:`excel_text`). Files are replaced atomically: a reader sees the old file
or the new one, never half of one.

A target that is a symbolic link is written through: the file the link points
to is replaced and the link stays. A target that exists but is not a regular
file (``/dev/full``, a pipe, a folder) is refused, never replaced.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from partner_directory.errors import NotARegularFileError
from partner_directory.sheet.guard import guard_cell
from partner_directory.sheet.schema import COLUMNS, COMPUTED_COLUMNS, DERIVED_COLUMNS
from partner_directory.text import MULTI_LINE, without_controls

if TYPE_CHECKING:
    from openpyxl.cell import Cell

CSV_ENCODING = "utf-8-sig"


def export_columns(table: pd.DataFrame, *, extra: Sequence[str] = ()) -> list[str]:
    """The columns a file gets: the schema's, then ``extra``, then the table's unknown columns."""
    known = set(COLUMNS) | set(DERIVED_COLUMNS) | set(COMPUTED_COLUMNS) | set(extra)
    return [*COLUMNS, *extra, *(c for c in table.columns if c not in known)]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def excel_text(value: object) -> str:
    """``value`` as text a workbook can hold: control characters out, line feeds and tabs kept.

    openpyxl refuses C0 controls (``IllegalCharacterError``), and U+FFFE, U+FFFF
    or a lone surrogate would make a workbook that neither Excel nor openpyxl
    opens again; see :func:`partner_directory.text.clean_text` for the rule.

    >>> excel_text("Vt\\x0bCorp"), excel_text(None), excel_text("a\\r\\nb")
    ('Vt\\nCorp', '', 'a\\nb')
    """
    return without_controls(_text(value), kind=MULTI_LINE)


def text_cell(sheet: object, value: object, *, bold: bool = False) -> Cell:
    """A cell of ``sheet`` holding ``value`` as text (:func:`excel_text`), never as a formula.

    Works for write-only and ordinary worksheets alike (openpyxl's
    ``WriteOnlyCell`` is such a cell).
    """
    from openpyxl.cell import Cell
    from openpyxl.styles import Font

    cell = Cell(sheet, row=1, column=1, value=excel_text(value))  # row and column: placed by append
    cell.data_type = "s"  # "=…" would otherwise become a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def csv_bytes(table: pd.DataFrame, *, columns: Sequence[str] | None = None) -> bytes:
    """Return ``table`` as guarded CSV bytes (UTF-8 with BOM, comma, CRLF like Excel).

    ``columns`` defaults to :func:`export_columns`; missing columns are written empty.
    """
    columns = list(columns or export_columns(table))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard_cell(c) for c in columns])
    present = [c if c in table.columns else None for c in columns]
    for values in zip(*(table[c] if c is not None else [""] * len(table) for c in present), strict=True):
        writer.writerow([guard_cell(_text(v)) for v in values])
    return csv_encoded(buffer.getvalue())


def csv_encoded(text: str) -> bytes:
    """A CSV's text as its bytes (UTF-8 with BOM); a lone surrogate, which no real character is, becomes ``?``.

    Such a half character cannot be written in UTF-8 at all; no file, form or
    database gives one, but a download must never fail for it.
    """
    return text.encode(CSV_ENCODING, errors="replace")


def xlsx_bytes(table: pd.DataFrame, *, columns: Sequence[str] | None = None, sheet_title: str = "Partners") -> bytes:
    """Return ``table`` as an .xlsx workbook in which every cell is text (no formulas)."""
    from openpyxl import Workbook

    columns = list(columns or export_columns(table))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([text_cell(sheet, c) for c in columns])
    present = [c if c in table.columns else None for c in columns]
    for values in zip(*(table[c] if c is not None else [""] * len(table) for c in present), strict=True):
        sheet.append([text_cell(sheet, v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def regular_file_target(path: str | Path) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or the file its symbolic link(s) point to.

    Raises :class:`NotARegularFileError` when that exists and is not a regular
    file, so a device or a folder is never replaced by a file.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError:
        return target  # unreadable: the write itself will say why
    if not stat.S_ISREG(mode):
        raise NotARegularFileError("not_a_regular_file", path=path)
    return target


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync and rename.

    On any error the temporary file is removed and ``path`` is untouched. A
    symbolic link is written through; a device, pipe or folder is refused (see
    :func:`regular_file_target`).
    """
    target = regular_file_target(path)
    temporary = write_temporary(target, data)
    try:
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_temporary(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file next to ``path``, flushed and fsynced; return its path.

    The caller renames it over ``path`` (``os.replace``) or removes it. On an
    error while writing, the temporary file is removed and the error raised.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        os.fchmod(handle, file_mode())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def file_mode() -> int:
    """The permissions a new file normally gets (0666 less the umask); ``mkstemp`` would make it private."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_table(table: pd.DataFrame, path: str | Path, *, columns: Sequence[str] | None = None) -> None:
    """Write ``table`` to ``path`` as CSV, or as Excel when the path ends in ``.xlsx``."""
    path = Path(path)
    data = xlsx_bytes(table, columns=columns) if path.suffix.lower() == ".xlsx" else csv_bytes(table, columns=columns)
    write_atomically(path, data)
