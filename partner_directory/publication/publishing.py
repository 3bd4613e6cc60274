"""The office's way from a new partner list to the published one: draft, check, compare, place, publish.

Staff work on a :class:`~partner_directory.publication.drafts.Draft` (from an uploaded
file or from the published list). :func:`evaluate` turns it into a
:class:`Candidate` — checked, compared with the published version it started
from, with what still needs placing and what could hurt — after every change.
Each step is a pure function, so the staff page only shows widgets, and the
whole path is tested without a browser.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from partner_directory.errors import InputTooLargeError, InvalidValueError, RiskyPublishError, UnreadableFileError
from partner_directory.geo.gazetteer.places import Place
from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.geo.geocoding.base import APPROXIMATE
from partner_directory.geo.geocoding.chain import Geocoder
from partner_directory.publication.drafts import Draft
from partner_directory.publication.store import Store, Version
from partner_directory.publication.version_id import content_version
from partner_directory.sheet.compare import Diff, compare
from partner_directory.sheet.export import csv_bytes, export_columns
from partner_directory.sheet.guard import file_name_refusal
from partner_directory.sheet.limits import MB
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.schema import COLUMNS, COMPUTED_COLUMNS, DERIVED_COLUMNS, GEOCODE_COLUMNS, HeaderMapping
from partner_directory.sheet.table import LoadedTable, SourceInfo
from partner_directory.sheet.validation import Report, check, file_headers
from partner_directory.text import fold

#: Columns that say where an office is; when one changes, old geocoded coordinates no longer hold.
PLACE_COLUMNS: tuple[str, ...] = ("address", "postal_code", "city", "country")
COORDINATE_COLUMNS: tuple[str, ...] = ("latitude", "longitude")
#: Where coordinates came from when the directory computed them (not typed by a person).
COMPUTED_SOURCES: frozenset[str] = frozenset({"gazetteer", "cache", "online", "none"})
#: The geocoder's doubts about a placement, kept with the draft for staff (never published: computed columns).
NOTE_COLUMNS: tuple[str, ...] = ("geocode_note", "geocode_suggestions")
#: Share of the published offices a publish may remove without asking first (``max_removed_share``).
DEFAULT_MAX_REMOVED_SHARE = 0.2


@dataclass(frozen=True)
class Risks:
    """What a publish could destroy, so that the page asks before it.

    ``removed`` of the ``published`` offices go; ``missing`` names columns the
    published list has and the draft lacks, with how many matched offices
    would lose a value; ``blanked`` names columns whose values the draft
    empties, with how many offices.
    """

    removed: int = 0
    published: int = 0
    max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE
    missing: dict[str, int] = field(default_factory=dict)
    blanked: dict[str, int] = field(default_factory=dict)

    @property
    def removes_too_many(self) -> bool:
        return self.published > 0 and self.removed > self.max_removed_share * self.published

    @property
    def any(self) -> bool:
        return self.removes_too_many or bool(self.missing) or bool(self.blanked)


@dataclass(frozen=True)
class Candidate:
    """A draft checked and compared with the published version it started from.

    ``table`` is the checked table to publish, ``published`` the table of
    ``base_version``; publishing is refused if that is no longer the
    published one. ``unplaced`` are positions of new offices and of offices
    whose place changed that have not been placed yet.
    """

    draft: Draft
    table: pd.DataFrame
    report: Report
    diff: Diff
    published: pd.DataFrame
    unplaced: tuple[int, ...]
    risks: Risks

    @property
    def base_version(self) -> str | None:
        return self.draft.base_version

    @property
    def origin(self) -> str:
        return self.draft.origin

    @property
    def geocoded(self) -> bool:
        """Every office that needs a place has been placed (or tried)."""
        return not self.unplaced

    @property
    def publishable(self) -> bool:
        return self.report.ok and self.geocoded and not self.diff.empty


# -- reading what is published ------------------------------------------------------------------


def _empty_table() -> pd.DataFrame:
    return check(load_bytes(b"partner_name,country,city\n", filename="empty.csv")).table


def table_of(data: bytes | None, *, filename: str = "partners.csv") -> pd.DataFrame:
    """The checked table of a published file's bytes (empty for ``None`` or an unreadable file)."""
    if data is None:
        return _empty_table()
    try:
        return check(load_bytes(data, filename=filename)).table
    except UnreadableFileError:
        return _empty_table()


def published_table(store: Store) -> tuple[pd.DataFrame, str | None]:
    """The published list as a checked table (empty when nothing is published) and its version."""
    data = store.read_published()
    return table_of(data, filename=store.name), None if data is None else content_version(data)


#: Checked tables of published versions, by content version: a version never changes, and every
#: edit of a draft compares with the same one (checking 10,000 offices takes a good part of a second).
_VERSION_TABLES: OrderedDict[str, pd.DataFrame] = OrderedDict()
_VERSION_TABLES_KEPT = 4
_VERSION_TABLES_LOCK = threading.Lock()


def version_table(store: Store, version: str | None) -> pd.DataFrame:
    """The checked table of ``version`` (the published file, else from the history; empty for ``None``).

    Shared by callers (kept for the next call): read it, do not change it.
    """
    if version is None:
        return _empty_table()
    with _VERSION_TABLES_LOCK:
        if version in _VERSION_TABLES:
            _VERSION_TABLES.move_to_end(version)
            return _VERSION_TABLES[version]
    data = store.read_content(version)
    if data is None:
        # Neither published nor in the history: compare with what is published.
        return table_of(store.read_published(), filename=store.name)
    table = table_of(data, filename=store.name)
    with _VERSION_TABLES_LOCK:
        _VERSION_TABLES[version] = table
        while len(_VERSION_TABLES) > _VERSION_TABLES_KEPT:
            _VERSION_TABLES.popitem(last=False)
    return table


# -- making a draft -----------------------------------------------------------------------------


def _draft_columns(columns: Iterable[str]) -> list[str]:
    known = {*COLUMNS, *GEOCODE_COLUMNS, *DERIVED_COLUMNS, *COMPUTED_COLUMNS}
    extras = [c for c in columns if c not in known]
    return [*COLUMNS, *dict.fromkeys(extras), *GEOCODE_COLUMNS, *NOTE_COLUMNS]


def _text_rows(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    rows = pd.DataFrame(
        {c: frame[c] if c in frame.columns else "" for c in columns}, index=range(len(frame)), dtype=object
    )
    return rows.fillna("").astype(str).reset_index(drop=True)


def draft_from_upload(
    data: bytes, filename: str, *, base_version: str | None, max_bytes: int
) -> tuple[Draft | None, Report]:
    """Read an uploaded file into a draft; ``(None, report)`` when the file as a whole is unusable.

    The rows themselves are checked by :func:`evaluate`; the report returned
    with a draft holds only what concerns the whole file (nothing).

    Raises :class:`UnreadableFileError` (one sentence) for a file over
    ``max_bytes``, one that is not a table at all, or a name with control
    characters (:func:`~partner_directory.sheet.guard.file_name_refusal`); nothing is written.
    The draft keeps the values as typed (the check normalises them on the way
    to publication) and the file's own headers, to name columns as the file does.
    """
    refused = file_name_refusal(filename)
    if refused is not None:  # the same rule as the server's upload route (sheet.guard), for every other way in
        raise UnreadableFileError(refused.code, characters=refused.characters)
    if len(data) > max_bytes:
        raise InputTooLargeError("too_big", name=filename, size=f"{len(data) / MB:.1f}", limit=f"{max_bytes / MB:g}")
    loaded = load_bytes(data, filename=filename)
    mapping = loaded.mapping
    if mapping.duplicates or mapping.missing or loaded.frame.empty:  # the file as a whole (cheap to see)
        checked = check(loaded)
        if any(problem.row is None for problem in checked.report.errors):
            return None, checked.report
    frame = loaded.frame.copy()
    # Spreadsheets give coordinates and geocoding columns as text too; whatever the file had is kept.
    columns = _draft_columns(frame.columns)
    headers = tuple(
        (column, header.strip() or column)
        for header, column in zip(loaded.mapping.headers, loaded.mapping.columns, strict=True)
    )
    draft = Draft(
        rows=_text_rows(frame, columns),
        row_numbers=tuple(loaded.row_numbers),
        origin="upload",
        base_version=base_version,
        filename=filename,
        headers=headers,
        long_rows=tuple(loaded.long_rows),
    )
    return draft, Report(rows=len(frame), problems=[], headers=file_headers(mapping))


def draft_from_published(store: Store) -> Draft:
    """A draft of the published list itself, to edit in place."""
    table, version = published_table(store)
    columns = _draft_columns(table.columns)
    numbers = [int(n) for n in table["source_row"]] if "source_row" in table.columns else []
    present = [c for c in table.columns if c in columns]
    return Draft(
        rows=_text_rows(table, columns),
        row_numbers=tuple(numbers) if len(numbers) == len(table) else tuple(range(2, len(table) + 2)),
        origin="edit",
        base_version=version,
        headers=tuple((c, c) for c in present),
    )


# -- changing a draft ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def apply_edits(
    draft: Draft,
    *,
    edited: Mapping[int, Mapping[str, Any]] | None = None,
    added: Iterable[Mapping[str, Any]] = (),
    deleted: Iterable[int] = (),
) -> Draft:
    """Apply the editor's changes (positions refer to ``draft.rows``); return the new draft.

    A changed address, postal code, city or country drops coordinates the
    directory computed for the old place (they are placed again); coordinates
    typed into the editor are kept as ``manual``.
    """
    rows = draft.rows.copy()
    columns = list(rows.columns)
    touched: set[int] = set()
    for position, changes in (edited or {}).items():
        position = int(position)
        if not 0 <= position < len(rows):
            continue
        before = rows.iloc[position].to_dict()
        for column, value in changes.items():
            if column in columns:
                rows.iat[position, columns.index(column)] = _cell(value)
        after = rows.iloc[position].to_dict()
        touched.add(draft.row_numbers[position])
        _after_place_edit(rows, position, columns, before, after)
    keep = [i for i in range(len(rows)) if i not in {int(d) for d in deleted}]
    numbers = [draft.row_numbers[i] for i in keep]
    rows = rows.iloc[keep].reset_index(drop=True)
    new_rows = []
    next_number = max([*draft.row_numbers, 1]) + 1
    for values in added:
        new_rows.append({c: _cell(values.get(c)) for c in columns})
        numbers.append(next_number)
        next_number += 1
    if new_rows:
        rows = pd.concat([rows, pd.DataFrame(new_rows, columns=columns, dtype=object)], ignore_index=True)
    long_rows = tuple((row, count) for row, count in draft.long_rows if row in numbers and row not in touched)
    return replace(draft, rows=rows, row_numbers=tuple(numbers), long_rows=long_rows)


def _after_place_edit(
    rows: pd.DataFrame, position: int, columns: list[str], before: dict[str, Any], after: dict[str, Any]
) -> None:
    def put(column: str, value: str) -> None:
        rows.iat[position, columns.index(column)] = value

    coordinates_typed = any(before.get(c) != after.get(c) for c in COORDINATE_COLUMNS)
    if coordinates_typed:
        if after.get("latitude") and after.get("longitude"):
            put("geocode_source", "manual")
            put("geocode_precision", "address")
        else:
            put("geocode_source", "")
            put("geocode_precision", "")
        return
    place_changed = any(before.get(c) != after.get(c) for c in PLACE_COLUMNS)
    if place_changed and before.get("geocode_source") in COMPUTED_SOURCES:
        for column in (*COORDINATE_COLUMNS, *GEOCODE_COLUMNS, *NOTE_COLUMNS):
            if column in columns:
                put(column, "")


def keep_published_values(candidate: Candidate) -> Draft:
    """Fill the columns the draft lacks with the published values of matched offices.

    Coordinates are kept only where the office's place did not change. The
    columns then count as the draft's own (they are no longer missing).
    """
    draft = candidate.draft
    rows = draft.rows.copy()
    missing = missing_columns(candidate)
    published = candidate.published
    for column in missing:
        if column not in rows.columns:
            rows[column] = ""
    columns = list(rows.columns)
    for old, new in candidate.diff.matches:
        before = published.iloc[old]
        for column in missing:
            if column in COORDINATE_COLUMNS:
                continue
            if not rows.iat[new, columns.index(column)]:
                rows.iat[new, columns.index(column)] = _cell(before.get(column))
        compared = [c for c in PLACE_COLUMNS if c not in missing]  # a missing postal code is kept, not a move
        if (
            any(c in missing for c in COORDINATE_COLUMNS)
            and before.get("latitude")
            and before.get("longitude")
            and _same_place(before, candidate.table.iloc[new], compared)
        ):
            for column in (*COORDINATE_COLUMNS, *GEOCODE_COLUMNS):
                rows.iat[new, columns.index(column)] = _cell(before.get(column))
    headers = (*draft.headers, *((column, column) for column in missing))
    return replace(draft, rows=rows, headers=headers)


def _same_place(before: Mapping[str, Any], after: Mapping[str, Any], columns: Iterable[str] = PLACE_COLUMNS) -> bool:
    return all(fold(_cell(before.get(c))) == fold(_cell(after.get(c))) for c in columns)


def place(candidate: Candidate, geocoder: Geocoder, *, progress: Callable[[int, int], None] | None = None) -> Draft:
    """Place the offices that need it (new ones and those whose place changed); return the new draft."""
    positions = list(candidate.unplaced)
    if not positions:
        return candidate.draft
    placed, _summary = geocoder.geocode_table(candidate.table, rows=positions, progress=progress)
    return _write_places(candidate.draft, placed, positions)


def _write_places(draft: Draft, placed: pd.DataFrame, positions: Iterable[int]) -> Draft:
    rows = draft.rows.copy()
    columns = list(rows.columns)
    for position in positions:
        for column in (*COORDINATE_COLUMNS, *GEOCODE_COLUMNS, *NOTE_COLUMNS):
            if column in columns and column in placed.columns:
                rows.iat[position, columns.index(column)] = _cell(placed.iloc[position][column])
    return replace(draft, rows=rows)


def place_by_hand(draft: Draft, coordinates: Mapping[int, tuple[float, float]]) -> Draft:
    """Set coordinates typed or picked by staff (by row position); kept as ``manual`` from then on.

    Raises :class:`InvalidValueError` for coordinates out of range.
    """
    rows = draft.rows.copy()
    columns = list(rows.columns)
    for position, (latitude, longitude) in coordinates.items():
        if any(math.isnan(v) for v in (latitude, longitude)):
            continue
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            partner = rows.iloc[position]["partner_name"] or rows.iloc[position]["partner_id"]
            raise InvalidValueError("bad_coordinates", latitude=latitude, longitude=longitude, partner=partner)
        values = {
            "latitude": f"{latitude:.6f}".rstrip("0").rstrip("."),
            "longitude": f"{longitude:.6f}".rstrip("0").rstrip("."),
            "geocode_source": "manual",
            "geocode_precision": "address",
            **dict.fromkeys(NOTE_COLUMNS, ""),  # placed by a person: no doubt left
        }
        for column, value in values.items():
            if column in columns:
                rows.iat[position, columns.index(column)] = value
    return replace(draft, rows=rows)


def rebase(draft: Draft, store: Store) -> Draft:
    """Compare the draft with the version published now (after someone else published)."""
    return replace(draft, base_version=store.current_version())


# -- judging a draft ----------------------------------------------------------------------------


def evaluate(draft: Draft, store: Store, *, max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE) -> Candidate:
    """Check the draft, compare it with its base version, and say what needs placing and what could hurt."""
    return evaluate_against(draft, version_table(store, draft.base_version), max_removed_share=max_removed_share)


def evaluate_against(
    draft: Draft, published: pd.DataFrame, *, max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE
) -> Candidate:
    """:func:`evaluate` with the published table given."""
    headers = draft.header_map
    frame = draft.rows
    mapping = HeaderMapping(
        headers=tuple(headers.get(c, c) for c in frame.columns), columns=tuple(frame.columns), duplicates=()
    )
    loaded = LoadedTable(
        frame=frame,
        mapping=mapping,
        row_numbers=list(draft.row_numbers),
        source=SourceInfo(format="draft"),
        long_rows=list(draft.long_rows),
    )
    checked = check(loaded)
    table = _carry_over_places(checked.table, published)
    diff = compare(published, table)
    unplaced = _unplaced(table, diff)
    candidate = Candidate(
        draft=draft,
        table=table,
        report=checked.report,
        diff=diff,
        published=published,
        unplaced=unplaced,
        risks=Risks(),
    )
    return replace(candidate, risks=_risks(candidate, max_removed_share))


def _carry_over_places(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Keep the computed coordinates of offices whose place did not change, so they are not placed again."""
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
        if before.get("geocode_source") in COMPUTED_SOURCES - {"none"} and _same_place(before, row):
            for column in (*COORDINATE_COLUMNS, *GEOCODE_COLUMNS):
                new.iat[position, new.columns.get_loc(column)] = before.get(column) or ""
    return new


def _unplaced(table: pd.DataFrame, diff: Diff) -> tuple[int, ...]:
    moved = {
        position
        for position, change in zip(diff.changed_positions, diff.changed, strict=True)
        if any(c in change.fields for c in PLACE_COLUMNS)
    }
    unplaced = []
    for position in sorted({*diff.added_positions, *moved}):
        row = table.iloc[position]
        if not (row.get("latitude") and row.get("longitude")) and not row.get("geocode_source"):
            unplaced.append(position)
    return tuple(unplaced)


def missing_columns(candidate: Candidate) -> list[str]:
    """Columns the published list fills for matched offices that the draft does not have at all."""
    own = set(candidate.draft.header_map)
    published = candidate.published
    matched_old = [old for old, _new in candidate.diff.matches]
    ignored = {*DERIVED_COLUMNS, *GEOCODE_COLUMNS, *COMPUTED_COLUMNS}
    missing = []
    for column in published.columns:
        if column in own or column in ignored:
            continue
        values = published[column].iloc[matched_old] if matched_old else published[column].iloc[0:0]
        if any(_cell(v) for v in values):
            missing.append(column)
    return missing


def _risks(candidate: Candidate, max_removed_share: float) -> Risks:
    diff = candidate.diff
    missing = set(missing_columns(candidate))
    lost: dict[str, int] = {}
    blanked: dict[str, int] = {}
    for change in diff.changed:
        for column, (old, new) in change.fields.items():
            if old and not new:
                target = lost if column in missing else blanked
                target[column] = target.get(column, 0) + 1
    if "partner_id" in missing:  # not compared as a field: offices matched by name and city get new ids
        published, table = candidate.published, candidate.table
        lost["partner_id"] = sum(
            1
            for old, new in diff.matches
            if _cell(published.iloc[old]["partner_id"]) != _cell(table.iloc[new]["partner_id"])
        )
    return Risks(
        removed=len(diff.removed),
        published=len(candidate.published),
        max_removed_share=max_removed_share,
        missing={c: n for c, n in lost.items() if n},
        blanked=blanked,
    )


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


# -- publishing ---------------------------------------------------------------------------------


def publish(candidate: Candidate, store: Store, *, author: str, confirmed: bool = False) -> Version:
    """Publish the candidate (refused by the store when it is stale; see :meth:`Store.publish`).

    Raises :class:`UnreadableFileError` while errors remain or offices wait to
    be placed, and :class:`RiskyPublishError` when the publish could hurt
    (:attr:`Candidate.risks`) and ``confirmed`` is not set.
    """
    if not candidate.report.ok:
        raise UnreadableFileError("has_errors")
    if candidate.unplaced:
        raise UnreadableFileError("not_placed", count=len(candidate.unplaced))
    if candidate.risks.any and not confirmed:
        raise RiskyPublishError("risky_publish")
    columns = export_columns(candidate.table, extra=GEOCODE_COLUMNS)
    data = csv_bytes(candidate.table, columns=columns)
    return store.publish(
        data,
        author=author,
        base_version=candidate.base_version,
        summary=candidate.origin,
        counts=candidate.diff.counts(),
        rows=len(candidate.table),
        base_rows=len(candidate.published),
    )


def restore_risks(
    store: Store, version: Version, *, base_version: str | None, max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE
) -> Risks:
    """What restoring ``version`` over ``base_version`` could destroy: the same rule as a publish (:class:`Risks`).

    Offices of the published list the old version lacks are removed; values it
    lacks in offices both hold are emptied.
    """
    current = version_table(store, base_version)
    diff = compare(current, table_of(store.read_version(version.id)))
    blanked: dict[str, int] = {}
    for change in diff.changed:
        for column, (old, new) in change.fields.items():
            if old and not new:
                blanked[column] = blanked.get(column, 0) + 1
    return Risks(
        removed=len(diff.removed), published=len(current), max_removed_share=max_removed_share, blanked=blanked
    )


def restore(
    store: Store,
    version: Version,
    *,
    author: str,
    base_version: str | None,
    confirmed: bool = False,
    max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE,
) -> Version:
    """Publish ``version`` again, recording its true counts against the published list and its rows.

    Guarded like a publish: raises :class:`RiskyPublishError` when the restore
    could hurt (:func:`restore_risks`) and ``confirmed`` is not set.
    """
    risks = restore_risks(store, version, base_version=base_version, max_removed_share=max_removed_share)
    if risks.any and not confirmed:
        raise RiskyPublishError("risky_restore")
    data = store.read_version(version.id)
    current = version_table(store, base_version)
    restored = table_of(data)
    added, changed, removed = compare(current, restored).counts()
    return store.restore(
        version.id,
        author=author,
        base_version=base_version,
        counts=(added, changed, removed),
        rows=len(restored),
        base_rows=len(current),
        restored_from=version.file,
    )
