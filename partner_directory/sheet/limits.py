"""The budget every input file must fit, checked before the work it would cost.

A partner list is a few thousand rows of short text. A file far outside that
shape — a workbook whose one cell unpacks to 300 MB, a header of 100,000
columns, a million rows — is refused with one sentence, within seconds and
without holding more than a few hundred MB, instead of being read "in case".
The numbers are generous for real data (ten times the largest list the
directory is built for) and are the same for the command line and the staff page.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Excel's own limits: columns per sheet and characters per cell.
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
#: A megabyte as Streamlit's upload limit counts it (and so every size this project states).
MB = 1024 * 1024
#: Rows of a partner file that are not offices: its header.
HEADER_ROWS = 1


@dataclass(frozen=True)
class Limits:
    """What one input may cost.

    ``max_file_bytes`` bounds the file itself; ``max_rows`` (offices: the header
    row is not one of them, see ``admits_rows``), ``max_columns`` and
    ``max_cell_chars`` its table; for a workbook,
    ``max_unpacked_bytes`` bounds everything its zip holds when unpacked,
    ``max_compression_ratio`` how much smaller than its content a big part may be
    packed (real sheets pack 5–30 times, zip bombs thousands), ``max_parts`` the
    number of parts, and ``max_row_cells`` the cell elements one row of its XML may hold.
    """

    max_file_bytes: int = 50 * MB
    max_rows: int = 100_000
    max_columns: int = 500
    max_cell_chars: int = EXCEL_MAX_CELL_CHARS
    max_unpacked_bytes: int = 100 * MB
    max_compression_ratio: float = 100.0
    #: Parts smaller than this are not judged by their ratio (tiny XML packs oddly well or badly).
    ratio_applies_from_bytes: int = MB
    max_parts: int = 1_000
    max_row_cells: int = EXCEL_MAX_COLUMNS

    def admits_rows(self, rows: int) -> bool:
        """Whether a table of ``rows`` rows as read, its header row included, fits ``max_rows`` offices.

        The one place the header is accounted for: a file of exactly ``max_rows``
        offices has ``max_rows + 1`` rows, and is admitted (issue 22: 100,000
        offices were refused as "more than 100000 rows").

        >>> Limits(max_rows=2).admits_rows(3), Limits(max_rows=2).admits_rows(4)
        (True, False)
        """
        return rows <= self.max_rows + HEADER_ROWS


DEFAULT_LIMITS = Limits()
