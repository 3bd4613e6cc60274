"""A partner file on disk, loaded and checked in one step (the command line's and the tests' way in)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from partner_directory.sheet.loading import load_file
from partner_directory.sheet.validation import CheckedTable, check


def check_file(path: str | Path, *, today: dt.date | None = None) -> CheckedTable:
    """Load and check a file; raises ``UnreadableFileError`` (or ``InputTooLargeError``) like :func:`load_file`."""
    return check(load_file(path), today=today)
