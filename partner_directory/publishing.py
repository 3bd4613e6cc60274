"""The office's way from a new partner list to the published one: check, compare, place, publish.

Each step is a pure function over a :class:`Candidate`, so the staff page only
shows widgets, and the whole path is tested without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from .compare import Diff, compare
from .errors import InvalidValueError, UnreadableFileError
from .export import csv_bytes, export_columns
from .gazetteer import Gazetteer, Place
from .geocoding import APPROXIMATE, Geocoder
from .loading import load_bytes
from .schema import COLUMNS, GEOCODE_COLUMNS
from .store import Store, Version
from .validation import Report, check

#: Columns that say where an office is; when one changes, old geocoded coordinates no longer hold.
PLACE_COLUMNS: tuple[str, ...] = ("address", "postal_code", "city", "country")


@dataclass(frozen=True)
class Candidate:
    """A version of the partner list on its way to publication.

    ``base_version`` is the published version it was compared with; publishing
    is refused if that is no longer the published one.
    """

    table: pd.DataFrame
    report: Report
    diff: Diff
    base_version: str | None
    origin: str  # "upload" or "edit"
    geocoded: bool = False

    @property
    def publishable(self) -> bool:
        return self.report.ok and self.geocoded and not self.diff.empty


def published_table(store: Store) -> tuple[pd.DataFrame, str | None]:
    """The published list as a checked table (empty when nothing is published) and its version."""
    data = store.read_published()
    if data is None:
        return check(load_bytes(b"partner_name,country,city\n", filename="empty.csv")).table, None
    from .directory import content_version

    try:
        table = check(load_bytes(data, filename=store.data_file.name)).table
    except UnreadableFileError:
        table = check(load_bytes(b"partner_name,country,city\n", filename="empty.csv")).table
    return table, content_version(data)


def prepare_upload(data: bytes, filename: str, store: Store, *, max_bytes: int) -> Candidate:
    """Read and check an uploaded file and compare it with what is published.

    Raises :class:`UnreadableFileError` (one sentence) for a file over
    ``max_bytes`` or one that is not a table at all; nothing is written.
    """
    if len(data) > max_bytes:
        raise UnreadableFileError(
            "too_big", name=filename, size=f"{len(data) / 1_000_000:.1f}", limit=f"{max_bytes / 1_000_000:g}"
        )
    checked = check(load_bytes(data, filename=filename))
    return _candidate(checked.table, checked.report, store, origin="upload")


def prepare_edit(edited: pd.DataFrame, store: Store) -> Candidate:
    """Check a table edited in place (schema columns as text) and compare it with what is published."""
    data = csv_bytes(edited.fillna(""), columns=[c for c in edited.columns])
    checked = check(load_bytes(data, filename="edited.csv"))
    return _candidate(checked.table, checked.report, store, origin="edit")


def _candidate(table: pd.DataFrame, report: Report, store: Store, *, origin: str) -> Candidate:
    old, version = published_table(store)
    table = _carry_over_places(table, old)
    return Candidate(table=table, report=report, diff=compare(old, table), base_version=version, origin=origin)


def _carry_over_places(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Keep the coordinates of offices whose place did not change, so they are not geocoded again."""
    new = new.copy()
    for column in GEOCODE_COLUMNS:
        if column not in new.columns:
            new[column] = ""
    if old.empty or "geocode_source" not in old.columns:
        return new
    old_by_id = {row["partner_id"]: row for row in old.to_dict("records")}
    for position, row in enumerate(new.to_dict("records")):
        before = old_by_id.get(row["partner_id"])
        if before is None or row["latitude"] or row["longitude"]:
            continue
        if all(str(before.get(c) or "") == str(row.get(c) or "") for c in PLACE_COLUMNS) and before.get("latitude"):
            for column in ("latitude", "longitude", *GEOCODE_COLUMNS):
                new.iat[position, new.columns.get_loc(column)] = before.get(column) or ""
    return new


def geocode(
    candidate: Candidate, geocoder: Geocoder, *, progress: Callable[[int, int], None] | None = None
) -> Candidate:
    """Place the offices that have no coordinates yet (new, changed or never placed)."""
    table, _summary = geocoder.geocode_table(candidate.table, progress=progress)
    return replace(candidate, table=table, geocoded=True)


def needs_attention(table: pd.DataFrame) -> pd.DataFrame:
    """Offices placed only approximately or not at all, for staff to fix by hand."""
    if "geocode_precision" not in table.columns:
        return table.iloc[0:0]
    mask = table["geocode_precision"].isin(APPROXIMATE) | (table["geocode_precision"] == "none")
    return table[mask]


def suggested_places(row: Mapping[str, object], gazetteer: Gazetteer, *, limit: int = 5) -> list[Place]:
    """Places in the office's country whose names resemble its city (or, failing that, its address)."""
    country = str(row.get("country") or "")
    if len(country) != 2:
        return []
    location = gazetteer.locate(
        city=str(row.get("city") or ""),
        address=str(row.get("address") or ""),
        postal_code=str(row.get("postal_code") or ""),
        country=country,
    )
    if location.suggestions:  # same-name cities or the one a typo can mean, as the geocoder saw them
        return list(location.suggestions[:limit])
    for text in (str(row.get("city") or ""), str(row.get("address") or "")):
        for part in reversed([p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]):
            found = gazetteer.suggest(part, country=country, limit=limit)
            if found:
                return found
    return []


def apply_manual_coordinates(candidate: Candidate, coordinates: Mapping[str, tuple[float, float]]) -> Candidate:
    """Set coordinates typed by staff (by ``partner_id``); they are marked ``manual`` from then on.

    Raises :class:`InvalidValueError` for coordinates out of range.
    """
    table = candidate.table.copy()
    for partner_id, (latitude, longitude) in coordinates.items():
        if any(math.isnan(v) for v in (latitude, longitude)):
            continue
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InvalidValueError("bad_coordinates", latitude=latitude, longitude=longitude, partner=partner_id)
        mask = table["partner_id"] == partner_id
        table.loc[mask, "latitude"] = f"{latitude:.6f}".rstrip("0").rstrip(".")
        table.loc[mask, "longitude"] = f"{longitude:.6f}".rstrip("0").rstrip(".")
        table.loc[mask, "geocode_source"] = "manual"
        table.loc[mask, "geocode_precision"] = "address"
        if "lat" in table.columns:
            table.loc[mask, "lat"] = latitude
            table.loc[mask, "lon"] = longitude
    return replace(candidate, table=table)


def publish(candidate: Candidate, store: Store, *, author: str) -> Version:
    """Publish the candidate (refused by the store when it is stale; see :meth:`Store.publish`)."""
    if not candidate.report.ok:
        raise UnreadableFileError("has_errors")
    columns = export_columns(candidate.table, extra=GEOCODE_COLUMNS)
    data = csv_bytes(candidate.table, columns=columns)
    return store.publish(
        data,
        author=author,
        base_version=candidate.base_version,
        summary=candidate.origin,
        counts=candidate.diff.counts(),
        rows=len(candidate.table),
    )


def editable(table: pd.DataFrame) -> pd.DataFrame:
    """The published table as staff edit it: schema columns, extra columns and coordinates' origin, all text."""
    extras = [c for c in export_columns(table) if c not in COLUMNS and c not in GEOCODE_COLUMNS]
    columns = [*COLUMNS, *extras, *GEOCODE_COLUMNS]
    present = [c for c in dict.fromkeys(columns) if c in table.columns]
    return table[present].fillna("").astype(str).reset_index(drop=True)
