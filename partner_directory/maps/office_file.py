"""The map's offices as files the browser fetches once: every published office, under ``static/offices/``.

At 10,000 offices the map's data is 1.9 MB, at 100,000 twenty. Inside the map's
page it would travel with every rerun of every member. As files named by their
content they are written once per published version and language, served by
Streamlit (``/app/static/``) or by nginx, and cached by the browser; each map
then names the files and carries a bitmap of the rows it shows (1.7 KB of text
at 10,000 offices) -- :meth:`OfficeFile.view`.

Two files per version and language: the *points* (latitude, longitude and flags
of each office, :func:`~partner_directory.maps.rows.point_columns`: 2 MB at
100,000 offices), all the map's first view needs, and the *texts* (names,
places, details: ``[texts, rows]`` as :func:`~partner_directory.maps.rows.pack_rows`
makes them), which the map fetches only when it needs a text -- a single office
drawn, a click, a selected partner.

Files under ``static/`` are public: only data every visitor may receive goes
into one (the page decides; a signed-in member's view with contact data stays
inside the page). Files are content-addressed, so several processes sharing the
folder write the same bytes under the same name (each write is atomic), and a
file no process has used for :data:`KEEP_UNUSED_SECONDS` is removed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from partner_directory.maps.assets import STATIC_DIR, WRITTEN_DIR
from partner_directory.maps.rows import (
    OfficeData,
    office_rows,
    pack_rows,
    placed_positions,
    point_columns,
    script_json,
)
from partner_directory.sheet.export import write_atomically

MAP_FILES_DIR: Final = WRITTEN_DIR
"""Where the app writes its map files; served at ``/app/static/offices/``."""

KEEP_UNUSED_SECONDS: Final = 24 * 3600
"""A map file nobody has written or touched for this long is removed (a browser may still remount an older map)."""

TOUCH_EVERY_SECONDS: Final = 3600

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class OfficeFile:
    """The written map files (points and texts) and how the published table's rows map onto them.

    ``name`` is the points file's path under ``static/`` (``offices/offices-<fingerprint>.json``),
    ``texts_name`` the texts file's; ``row_at[i]`` is the file row of the table's ``i``-th row,
    or -1 for a row without a position. Keeps their bytes (UTF-8: a text with one letter beyond
    Latin-1 takes two or four bytes a character in Python, 41 MB for the texts of 100,000 offices)
    so that a file removed behind its back is written again (:meth:`ensure`).
    """

    name: str
    path: Path
    data: bytes
    texts_name: str
    texts_path: Path
    texts_data: bytes
    row_at: npt.NDArray[np.intp]
    latitudes: npt.NDArray[np.float64]
    longitudes: npt.NDArray[np.float64]
    _touched: list[float] = field(default_factory=lambda: [time.time()], repr=False)

    @property
    def text(self) -> str:
        """The points file's text."""
        return self.data.decode("utf-8")

    @property
    def texts_text(self) -> str:
        """The texts file's text."""
        return self.texts_data.decode("utf-8")

    @property
    def fingerprint(self) -> str:
        """Both files' fingerprints: the same points with other texts are another map."""
        return self.path.stem.removeprefix("offices-") + "-" + self.texts_path.stem.removeprefix("offices-")[:8]

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
        return OfficeData(
            f"partner-directory-offices-{self.fingerprint}-{digest}",
            bounds,
            url=self.name,
            shown=bitmap,
            texts_url=self.texts_name,
        )

    def ensure(self) -> None:
        """Write the files again if they are gone, and mark them as used (at most once an hour). Raises ``OSError``."""
        now = time.time()
        if self.path.exists() and self.texts_path.exists() and now - self._touched[0] < TOUCH_EVERY_SECONDS:
            return
        _write_or_touch(self.path, self.data)
        _write_or_touch(self.texts_path, self.texts_data)
        self._touched[0] = now


def map_texts(offices: pd.DataFrame, *, language: str) -> tuple[str, str]:
    """The two map files' texts, points and texts, of every placed office in ``offices``.

    The slow part of :func:`write_office_file` (seconds at 100,000 offices): a server may keep
    it per published version and hand it back (``texts=``).
    """
    rows, _ = office_rows(offices.iloc[placed_positions(offices)], language=language)
    return script_json(point_columns(rows), has_objects=False), script_json(list(pack_rows(rows)), has_objects=False)


def texts_bytes(texts: tuple[str, str]) -> bytes:
    """:func:`map_texts`' two texts as one stored value (:func:`texts_from` reads it back)."""
    points = texts[0].encode("utf-8")
    return f"{len(points)}\n".encode() + points + texts[1].encode("utf-8")


def texts_from(data: bytes) -> tuple[bytes, bytes]:
    """The two texts :func:`texts_bytes` stored, as UTF-8 (as the files hold them); raises ``ValueError`` for anything else.

    Not decoded: the files are their bytes (20 MB of texts at 100,000 offices, decoded and encoded
    again at every start before), and :func:`write_office_file` reads the points back as JSON.
    """
    size, _, rest = data.partition(b"\n")
    length = int(size)
    if not 0 <= length <= len(rest):
        raise ValueError("not the map's texts")
    return rest[:length], rest[length:]


def write_office_file(
    offices: pd.DataFrame,
    *,
    language: str,
    folder: Path = MAP_FILES_DIR,
    texts: tuple[str, str] | tuple[bytes, bytes] | None = None,
) -> OfficeFile:
    """Write the map files of every office in ``offices`` (columns as for :func:`~partner_directory.maps.building.build_map`).

    Writes ``folder/offices-<fingerprint>.json`` for the points and for the texts
    unless they are there (then marks them as used), removes map files unused for
    :data:`KEEP_UNUSED_SECONDS`, and returns the :class:`OfficeFile`. ``texts`` is
    what :func:`map_texts` gives for the same ``offices`` and ``language`` (or :func:`texts_from`), when kept.
    Raises ``OSError`` when the folder cannot be written (a read-only install): the
    caller then puts the data inside the page.
    """
    placed = placed_positions(offices)
    data, texts_data = (
        text if isinstance(text, bytes) else text.encode("utf-8")
        for text in (texts if texts is not None else map_texts(offices, language=language))
    )
    path, texts_path = (Path(folder) / f"offices-{_fingerprint(content)}.json" for content in (data, texts_data))
    _write_or_touch(path, data)
    _write_or_touch(texts_path, texts_data)
    remove_unused(Path(folder), keep=(path, texts_path))
    row_at = np.full(len(offices), -1, dtype=np.intp)
    row_at[placed] = np.arange(len(placed), dtype=np.intp)
    points = json.loads(data)  # the positions exactly as the map has them (for each view's bounds)
    latitudes = np.array(points[0], dtype=np.float64)
    longitudes = np.array(points[1], dtype=np.float64)
    if len(latitudes) != len(placed):
        raise ValueError("the map's texts were made for other offices")
    return OfficeFile(
        _static_name(path), path, data, _static_name(texts_path), texts_path, texts_data, row_at, latitudes, longitudes
    )


def _fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def _static_name(path: Path) -> str:
    """The file's path under ``static/`` (as the page asks for it)."""
    return path.relative_to(STATIC_DIR).as_posix() if path.is_relative_to(STATIC_DIR) else f"offices/{path.name}"


def remove_unused(folder: Path, *, keep: Path | tuple[Path, ...] = (), now: float | None = None) -> list[Path]:
    """Remove map files (and left-over temporary files) in ``folder`` unused for :data:`KEEP_UNUSED_SECONDS`.

    Returns what was removed; a file another process removes first is skipped.
    """
    now = time.time() if now is None else now
    removed = []
    for candidate in [*folder.glob("offices-*.json"), *folder.glob(".offices-*.tmp")]:
        if candidate in (keep if isinstance(keep, tuple) else (keep,)):
            continue
        try:
            if now - candidate.stat().st_mtime > KEEP_UNUSED_SECONDS:
                candidate.unlink()
                removed.append(candidate)
        except FileNotFoundError:
            continue
    return removed


def _write_or_touch(path: Path, data: bytes) -> None:
    try:
        os.utime(path)
        return
    except FileNotFoundError:
        pass
    write_atomically(path, data)
    _LOG.info("wrote the map file %s", path.name)
