"""The published directory as the members' pages see it: checked, geocoded, dated.

Members' pages geocode from the cache and the offline gazetteer only (fast,
no network); online geocoding happens when staff publish.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from partner_directory.errors import UnreadableFileError
from partner_directory.geo.geocoding.base import APPROXIMATE
from partner_directory.geo.geocoding.cache import GeocodeCache
from partner_directory.geo.geocoding.chain import Geocoder, GeocodeSummary
from partner_directory.publication.version_id import content_version
from partner_directory.sheet.contract import conform, partner_key
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.schema import COLUMNS, COMPUTED_COLUMNS, DERIVED_COLUMNS, GEOCODE_COLUMNS
from partner_directory.sheet.validation import Report, check


@dataclass(frozen=True)
class Directory:
    """The partner table ready for search and map, with what is known about it.

    ``problem`` is a sentence key when the file could not be used (the table is then empty).
    """

    table: pd.DataFrame
    report: Report
    summary: GeocodeSummary
    updated: dt.datetime | None
    version: str
    problem: str = ""

    @property
    def offices(self) -> int:
        return len(self.table)

    @property
    def partners(self) -> int:
        return int(self.table["partner_name"].map(partner_key).nunique()) if len(self.table) else 0

    @property
    def countries(self) -> int:
        return int(self.table["country"].nunique()) if len(self.table) else 0

    @property
    def approximate(self) -> int:
        """Offices placed only at city or country precision."""
        return int(self.table["geocode_precision"].isin(APPROXIMATE).sum()) if len(self.table) else 0

    @property
    def unplaced(self) -> int:
        return int((self.table["geocode_precision"] == "none").sum()) if len(self.table) else 0


def empty_table() -> pd.DataFrame:
    """A directory table with every column and no rows."""
    table = pd.DataFrame(columns=[*COLUMNS, *DERIVED_COLUMNS, *GEOCODE_COLUMNS], dtype=object)
    for column in COMPUTED_COLUMNS[:2]:
        table[column] = pd.Series(dtype="float64")
    return table


def load_directory(
    path: str | Path, *, cache_path: str | Path | None = None, geocoder: Geocoder | None = None
) -> Directory:
    """Read, check and place the published file at ``path`` (offline gazetteer and cache only).

    A missing, empty or unreadable file gives an empty directory whose
    ``problem`` says why, never an exception.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        updated = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except FileNotFoundError:
        return _empty("directory.problem.missing", "")
    except OSError:
        return _empty("directory.problem.unreadable", "")
    return load_published(data, filename=path.name, updated=updated, cache_path=cache_path, geocoder=geocoder)


def load_published(
    data: bytes | None,
    *,
    filename: str = "partners.csv",
    updated: dt.datetime | None = None,
    cache_path: str | Path | None = None,
    geocoder: Geocoder | None = None,
) -> Directory:
    """Check and place a published list's bytes (``None``: nothing is published); see :func:`load_directory`."""
    if data is None:
        return _empty("directory.problem.missing", "")
    version = content_version(data)
    try:
        checked = check(load_bytes(data, filename=filename))
    except UnreadableFileError:
        return _empty("directory.problem.empty" if not data.strip() else "directory.problem.unreadable", version)
    if geocoder is None:
        cache = GeocodeCache(cache_path) if cache_path is not None else None
        geocoder = Geocoder.offline(cache=cache)
    # A file published before a rule was added may still hold what the contract now refuses: no page gets it.
    table, summary = geocoder.geocode_table(conform(checked.table))
    return Directory(table=table, report=checked.report, summary=summary, updated=updated, version=version)


def _empty(problem: str, version: str) -> Directory:
    return Directory(empty_table(), Report(0, []), GeocodeSummary(), None, version, problem)
