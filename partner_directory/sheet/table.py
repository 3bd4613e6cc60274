"""A partner table as read from a file, before validation: the type loading makes and validation checks.

It lives below both so that :mod:`~partner_directory.sheet.validation` can check a
table (from a file, or a draft edited on screen) without importing
:mod:`~partner_directory.sheet.loading`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from partner_directory.sheet.schema import HeaderMapping


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
    than the header has columns; ``notes`` what reading noticed row by row.
    """

    frame: pd.DataFrame
    mapping: HeaderMapping
    row_numbers: list[int]
    source: SourceInfo
    long_rows: list[tuple[int, int]] = field(default_factory=list)
    #: Warnings found while reading: ``Note(row, code, column, params)`` (a key ``validation.<code>``).
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Note:
    """Something reading noticed about one row (a different encoding, a quote that swallowed rows)."""

    row: int
    code: str
    column: str | None = None
    params: dict[str, object] = field(default_factory=dict)
