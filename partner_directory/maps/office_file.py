"""The map's offices as a file the browser fetches once: every published office, under ``static/offices/``.

At 10,000 offices the map's data is 1.9 MB. Inside the map's page it travels
with every rerun of every member, and the server builds, hashes and queues it
each time. As a file named by its content it is written once per published
version and language, served by Streamlit (``/app/static/``) or by nginx, and
cached by the browser; each map then names the file and carries a bitmap of
the rows it shows (1.7 KB of text at 10,000 offices) -- :meth:`OfficeFile.view`.

Files under ``static/`` are public: only data every visitor may receive goes
into one (the page decides; a signed-in member's view with contact data stays
inside the page). Files are content-addressed, so several processes sharing the
folder write the same bytes under the same name (each write is atomic), and a
file no process has used for :data:`KEEP_UNUSED_SECONDS` is removed.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from partner_directory.maps.assets import STATIC_DIR
from partner_directory.maps.rows import (
    OfficeData,
    office_rows,
    pack_rows,
    placed_positions,
    script_json,
)
from partner_directory.sheet.export import write_atomically

MAP_FILES_DIR: Final = STATIC_DIR / "offices"
"""Where the app writes its map files; served at ``/app/static/offices/``."""

KEEP_UNUSED_SECONDS: Final = 24 * 3600
"""A map file nobody has written or touched for this long is removed (a browser may still remount an older map)."""

TOUCH_EVERY_SECONDS: Final = 3600

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class OfficeFile:
    """One written map file and how the published table's rows map onto it.

    ``name`` is the file's path under ``static/`` (``offices/offices-<fingerprint>.json``);
    ``row_at[i]`` is the file row of the table's ``i``-th row, or -1 for a row
    without a position. Keeps its text so that a file removed behind its back is
    written again (:meth:`ensure`).
    """

    name: str
    path: Path
    text: str
    row_at: npt.NDArray[np.intp]
    latitudes: npt.NDArray[np.float64]
    longitudes: npt.NDArray[np.float64]
    _touched: list[float] = field(default_factory=lambda: [time.time()], repr=False)

    @property
    def fingerprint(self) -> str:
        return self.path.stem.removeprefix("offices-")

    def view(self, positions: npt.ArrayLike) -> OfficeData:
        """The map data showing the table rows at ``positions`` (``iloc``), in any order.

        Rows without a position are left out, as on any map. Raises
        ``IndexError`` for a position outside the table.
        """
        rows = self.row_at[np.asarray(positions, dtype=np.intp)]
        rows = rows[rows >= 0]
        shown = np.zeros(len(self.latitudes), dtype=bool)
        shown[rows] = True
        bounds = None
        if rows.size:
            latitudes, longitudes = self.latitudes[rows], self.longitudes[rows]
            bounds = [
                [float(latitudes.min()), float(longitudes.min())],
                [float(latitudes.max()), float(longitudes.max())],
            ]
        bitmap = None if shown.all() else base64.b64encode(np.packbits(shown, bitorder="little").tobytes()).decode()
        digest = hashlib.sha256((bitmap or "all").encode()).hexdigest()[:12]
        return OfficeData(f"partner-directory-offices-{self.fingerprint}-{digest}", bounds, url=self.name, shown=bitmap)

    def ensure(self) -> None:
        """Write the file again if it is gone, and mark it as used (at most once an hour). Raises ``OSError``."""
        now = time.time()
        if self.path.exists() and now - self._touched[0] < TOUCH_EVERY_SECONDS:
            return
        _write_or_touch(self.path, self.text)
        self._touched[0] = now


def write_office_file(offices: pd.DataFrame, *, language: str, folder: Path = MAP_FILES_DIR) -> OfficeFile:
    """Write the map file of every office in ``offices`` (columns as for :func:`~partner_directory.maps.building.build_map`).

    Writes ``folder/offices-<fingerprint>.json`` unless it is there (then marks
    it as used), removes map files unused for :data:`KEEP_UNUSED_SECONDS`, and
    returns the :class:`OfficeFile`. Raises ``OSError`` when the folder cannot
    be written (a read-only install): the caller then puts the data inside the page.
    """
    placed = placed_positions(offices)
    rows, _ = office_rows(offices.iloc[placed], language=language)
    text = script_json(list(pack_rows(rows)), has_objects=False)
    path = Path(folder) / f"offices-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:20]}.json"
    _write_or_touch(path, text)
    remove_unused(Path(folder), keep=path)
    row_at = np.full(len(offices), -1, dtype=np.intp)
    row_at[placed] = np.arange(len(placed), dtype=np.intp)
    latitudes = np.array([row[0] for row in rows], dtype=np.float64)
    longitudes = np.array([row[1] for row in rows], dtype=np.float64)
    name = path.relative_to(STATIC_DIR).as_posix() if path.is_relative_to(STATIC_DIR) else f"offices/{path.name}"
    return OfficeFile(name, path, text, row_at, latitudes, longitudes)


def remove_unused(folder: Path, *, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove map files (and left-over temporary files) in ``folder`` unused for :data:`KEEP_UNUSED_SECONDS`.

    Returns what was removed; a file another process removes first is skipped.
    """
    now = time.time() if now is None else now
    removed = []
    for candidate in [*folder.glob("offices-*.json"), *folder.glob(".offices-*.tmp")]:
        if keep is not None and candidate == keep:
            continue
        try:
            if now - candidate.stat().st_mtime > KEEP_UNUSED_SECONDS:
                candidate.unlink()
                removed.append(candidate)
        except FileNotFoundError:
            continue
    return removed


def _write_or_touch(path: Path, text: str) -> None:
    try:
        os.utime(path)
        return
    except FileNotFoundError:
        pass
    write_atomically(path, text.encode("utf-8"))
    _LOG.info("wrote the map file %s", path.name)
