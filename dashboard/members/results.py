"""What the members' page shows for a search: made once and shared by every session asking the same, then drawn.

A member's rerun with criteria some member already used (the whole directory, a
cleared search, a popular word) costs a dictionary look-up instead of a search and
two tables. Keyed by the published version and what the session may see, so a
publish or a signed-in member never meets another's view. The map's offices are a
file the browser fetches once per published version (partner_directory/maps/office_file.py):
a rerun sends which of them to show, not 2 MB of data, and a search does not mount a new map:
the map of the version's whole file stays, and is told which rows to show
(``maps.building.search_script``, ``map_frame``). Kept out of the page script,
which Streamlit runs afresh at every rerun: its caches and classes are made once here.

Widget keys (stable, for outside tools): ``map`` (the map), ``list`` (the list),
``download_xlsx`` and ``download_csv``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import data, downloads
from dashboard.members.map_frame import MOUNTED_MAP, MapFrame, prepare
from dashboard.members.memo import PerObject
from dashboard.members.search import clear
from dashboard.members.selection import (
    LIST_KEY,
    LIST_MEMORY,
    SELECTION_PARAMETER,
    forget_stale_list_selection,
    list_partner,
    pick,
)
from dashboard.settings import settings
from dashboard.style import DOWNLOADS_ROW_KEY, LIST_WIDTHS, MAP_FRAME_KEY, MAP_HEIGHT, SUMMARY_ROW_KEY
from dashboard.text import error_text, md, say
from partner_directory.errors import ConfigurationError
from partner_directory.geo.countries import country_name
from partner_directory.i18n import t, tn
from partner_directory.maps.building import build_map, search_script
from partner_directory.maps.clicks import CLICK_RETURNED_OBJECTS, clicked_partner_id
from partner_directory.maps.elements import TileConfig
from partner_directory.maps.office_file import OfficeFile, map_texts, texts_bytes, texts_from, write_office_file
from partner_directory.maps.rows import OfficeData, office_data
from partner_directory.search.criteria import DEFAULT_RADIUS_KM, LIST_MAX_ROWS, Criteria
from partner_directory.search.engine import SearchResult, search
from partner_directory.search.index import SearchIndex
from partner_directory.search.loosening import loosening_sentence, loosenings
from partner_directory.search.sentence import format_distances, format_kilometres
from partner_directory.sheet.schema import SERVICES, split_list

LIST_ROW_HEIGHT = 35  # Streamlit's data grid rows, for a list no taller than its rows
LIST_MAX_HEIGHT = 420

_LOG = logging.getLogger(__name__)


def list_table(rows: pd.DataFrame, lang: str, *, near: bool) -> pa.Table:
    """The list as a member sees it -- its shown columns only -- ready for the grid.

    Partner, city, country, (with a place) distance and services, in that order.
    The grid receives nothing it does not show: contact data, sectors and
    precision are in the card and the downloads. Arrow, because Streamlit then
    sends the table without converting it at every rerun.
    """
    columns: dict[str, Any] = {
        "partner": rows["partner_name"].tolist(),
        "city": rows["city"].tolist(),
        "country": _each_distinct(rows["country"], lambda code: country_name(code, lang)),
    }
    if near:
        columns["distance"] = _distances(rows, lang)
    # Short words, so that all five fit beside the other columns at 1280 px.
    columns["services"] = _each_distinct(
        rows["services"], lambda v: ", ".join(t(f"list.service.{s}", lang) for s in split_list(v) if s in SERVICES)
    )
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def _each_distinct(values: pd.Series, word: Any) -> Any:
    """``[word(value) for value in values]``, worded once per distinct value (the whole list: 100,000 rows, a few hundred values)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.array([word(value) for value in distinct.tolist()] or [""], dtype=object)[codes]


def _distances(rows: pd.DataFrame, lang: str) -> list[str]:
    # Honest about approximate placement: "≈ 57 km", "under 10 km", never "0.0 km"; the
    # column's help and the card say what the approximation means. Short, so that every
    # column fits at 1280 px.
    return format_distances(rows["distance_km"], rows["geocode_precision"], lang, short=True)


def _whole_list(view: tuple[str, bool], lang: str, index: SearchIndex) -> pa.Table:
    """The list of every office of the published list ``view`` (no distances): made once per version and language."""
    return _WHOLE_LISTS.get(index, (view, lang), lambda: _make_whole_list(view, lang, index))


# Each made by st.cache_resource (one maker per key, even when many sessions ask at once) and then kept
# beside the index, where a new search finds it by a look-up, without hashing its arguments again. A map
# file that could not be written (None) is not kept there: the maker's cache tries again when its ttl is over.
_WHOLE_LISTS: PerObject[pa.Table] = PerObject(max_entries=4)
_OFFICE_FILES: PerObject[OfficeFile | None] = PerObject(max_entries=4)
_WHOLE_MAPS: PerObject[WholeMap | None] = PerObject(max_entries=4)


def _written(made: object) -> bool:
    return made is not None


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _make_whole_list(view: tuple[str, bool], lang: str, _index: SearchIndex) -> pa.Table:
    return list_table(_index.table, lang, near=False)


def found_list(view: tuple[str, bool], result: SearchResult, lang: str, index: SearchIndex, *, near: bool) -> pa.Table:
    """The list for ``result`` (its first ``LIST_MAX_ROWS`` offices): rows taken from the version's whole list, distances added.

    The same table as ``list_table(result.head(LIST_MAX_ROWS), lang, near=near)``, without
    translating every row's country and services at every search (60 ms at
    10,000 offices, most of a search that is not yet cached).
    """
    shown = result.positions[:LIST_MAX_ROWS]  # the list shows no more: the rest is never worded
    listing = _whole_list(view, lang, index).take(pa.array(shown, type=pa.int64()))
    if near:  # the result's own placements: no rows taken from the table
        distances = pa.array(result.worded_distances(LIST_MAX_ROWS, short=True), type=pa.string())
        listing = listing.add_column(listing.column_names.index("services"), "distance", distances)
    return listing


def _offices_for_map(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    return rows.assign(
        latitude=rows["lat"],
        longitude=rows["lon"],
        country_name=_each_distinct(rows["country"], lambda code: country_name(code, lang)),
    )


#: Where the map puts each office of a published list (its placement, ``lat``/``lon``), as float arrays.
_MAP_POINTS: PerObject[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = PerObject(max_entries=1)


def _map_points(index: SearchIndex) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The latitude and longitude the map shows for each row of ``index``'s table (NaN: not on the map).

    The map's, not the search's (``SearchIndex.latitudes`` also reads an unplaced office's own coordinate
    text, for distances): the map's place names are for the offices it shows. Once per published list.
    """

    def degrees(column: str) -> npt.NDArray[np.float64]:
        values = pd.to_numeric(index.table[column], errors="coerce")
        return np.asarray(values.to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)

    return _MAP_POINTS.get(index, "points", lambda: (degrees("lat"), degrees("lon")))


@dataclass(frozen=True)
class WholeMap:
    """Every office of a published list's map file, as the map that stays mounted across searches shows them."""

    data: OfficeData  # the whole file: the map's script is the same for every search
    positions: pd.DataFrame  # partner_id, latitude, longitude of every office (a click after any search)


@dataclass(frozen=True)
class Found:
    """What a search shows: the result, the list, the map's data, where the offices are and the places to name.

    Kept per search for every session (up to :data:`FOUND_PER_INDEX` per published list): it holds
    the result's positions, not its rows, which the downloads take when clicked (:attr:`SearchResult.rows`).
    """

    result: SearchResult
    listing: pa.Table  # the first LIST_MAX_ROWS offices found
    listed_partners: tuple[str, ...]  # the partner of each row of the list, in its order
    map_data: OfficeData
    place_labels: list[Any]
    whole_map: WholeMap | None = None  # the mounted map, when the offices come from the version's file
    map_update: str | None = None  # what the mounted map is told: the rows found, the view, the places
    #: Which one filter to loosen, in a sentence, when nothing was found for a search that asked for something.
    loosen: str = ""

    @property
    def positions(self) -> pd.DataFrame:
        """partner_id, latitude, longitude of the offices found (for clicks on a map made for this search)."""
        return _positions(self.result)


def _positions(result: SearchResult) -> pd.DataFrame:
    return pd.DataFrame(
        {"partner_id": result.column("partner_id"), "latitude": result.column("lat"), "longitude": result.column("lon")}
    )


def _office_file(view: tuple[str, bool], lang: str, index: SearchIndex) -> OfficeFile | None:
    """The map file of every office in the published list (public data only), or ``None`` if it cannot be written."""
    return _OFFICE_FILES.get(index, (view, lang), lambda: _make_office_file(view, lang, index), keep=_written)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _make_office_file(view: tuple[str, bool], lang: str, _index: SearchIndex) -> OfficeFile | None:
    offices = _offices_for_map(_index.table, lang)
    # Made once per version for every server (seconds at 100,000 offices); each server writes its own files.
    # The table is the whole list or the one without contacts (``view[1]``), as access.visibility decides.
    kind = f"map-files:{lang}:{'contacts' if view[1] else 'public'}"
    kept = data.kept_for_version(
        view[0],
        kind,
        lambda: texts_bytes(map_texts(offices, language=lang)),
        code=("maps", "i18n.py", "translations", "access/visibility.py", "geo/countries.py"),
    )
    try:
        try:
            return write_office_file(offices, language=lang, texts=texts_from(kept))
        except ValueError as error:  # a kept value that does not fit: made here again
            _LOG.warning("The kept map files do not fit (%s); made again.", error)
            return write_office_file(offices, language=lang)
    except OSError as error:  # a read-only install: the offices travel inside the map's page
        _LOG.warning("The map file could not be written (%s); map data goes inside the page.", error)
        return None


def _whole_map(view: tuple[str, bool], lang: str, index: SearchIndex) -> WholeMap | None:
    """The map of every office of the published list ``view`` (public data only): once per version and language."""
    return _WHOLE_MAPS.get(index, (view, lang), lambda: _make_whole_map(view, lang, index), keep=_written)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _make_whole_map(view: tuple[str, bool], lang: str, _index: SearchIndex) -> WholeMap | None:
    office_file = _office_file(view, lang, _index)
    if office_file is None:
        return None
    table = _index.table
    positions = pd.DataFrame({"partner_id": table["partner_id"], "latitude": table["lat"], "longitude": table["lon"]})
    return WholeMap(office_file.view(np.arange(len(table))), positions)


def _map_data(view: tuple[str, bool], public: bool, result: SearchResult, lang: str, index: SearchIndex) -> OfficeData:
    """The map's data for the offices ``result`` found: a view of the shared file when the session sees only public data."""
    office_file = _office_file(view, lang, index) if public else None
    if office_file is not None:
        try:
            office_file.ensure()
            return office_file.view(result.positions)
        except OSError as error:
            _LOG.warning("The map file could not be written again (%s); map data goes inside the page.", error)
    return office_data(_offices_for_map(result.rows, lang), language=lang)


#: Searches kept per published index: every member's first word is one of a few dozen common ones, and
#: "Clear all" or an opened page is the whole list; sixteen were dropped before the next member asked.
FOUND_PER_INDEX = 64
_FOUND: PerObject[Found] = PerObject(max_entries=FOUND_PER_INDEX)
_PARTNERS: PerObject[frozenset[str]] = PerObject(max_entries=4)


def found(view: tuple[str, bool], public: bool, criteria: Criteria, lang: str, index: SearchIndex) -> Found:
    """What the page shows for ``criteria`` in ``lang``: shared by every session with the same ``view``.

    ``view`` is the published version and whether the session sees contact data;
    ``public`` whether it sees no more than a visitor who is not signed in (then the
    map's offices come from the shared file). Kept beside ``index`` (:mod:`dashboard.members.memo`),
    which is the published list's own: a new publication starts afresh.
    """
    return _FOUND.get(index, (view, public, criteria, lang), lambda: _search(view, public, criteria, lang, index))


def _search(view: tuple[str, bool], public: bool, criteria: Criteria, lang: str, _index: SearchIndex) -> Found:
    result = search(_index, criteria, language=lang)
    map_data = _map_data(view, public, result, lang, _index)
    latitudes, longitudes = _map_points(_index)
    place_labels = data.nearby_cities(latitudes[result.positions], longitudes[result.positions])
    # Offices from the version's file: the map of the whole file stays mounted and shows these rows.
    whole_map = _whole_map(view, lang, _index) if map_data.url is not None else None
    return Found(
        result,
        found_list(view, result, lang, _index, near=bool(criteria.near)).slice(0, LIST_MAX_ROWS),
        tuple(result.column("partner_id", LIST_MAX_ROWS)),
        map_data,
        place_labels,
        whole_map,
        None if whole_map is None else search_script(MOUNTED_MAP, map_data, place_labels=place_labels),
        loosening_sentence(loosenings(_index, criteria), criteria, language=lang)
        if not result.offices and not criteria.is_empty
        else "",
    )


def partners(view: tuple[str, bool], table: pd.DataFrame) -> frozenset[str]:
    """Every partner of the published list ``view`` names (a card may open for these only): once per version."""
    return _PARTNERS.get(table, view, lambda: frozenset(table["partner_id"]))


# -- drawing it -------------------------------------------------------------------------------------------------


def summary(shown: Found, criteria: Criteria, lang: str) -> None:
    """What the search found, in a sentence, the clear button beside it, and what to loosen when nothing was."""
    result = shown.result
    # One horizontal container (5 : 1, style.PAGE_STYLE), not two columns: fewer elements at every rerun.
    line = st.container(horizontal=True, key=SUMMARY_ROW_KEY, gap="small", wrap=False)
    if result.measured_from:  # the domain says whether a distance was used ("near Polska": none)
        sentence = line.container()
        sentence.markdown(f"**{md(result.description)}**")
        radius = format_kilometres(criteria.radius_km or DEFAULT_RADIUS_KM, lang)
        sentence.caption(say("ui.near_place", lang, place=result.measured_from, radius=radius))
    else:
        line.markdown(f"**{md(result.description)}**")
    line.button(t("ui.clear", lang), on_click=clear, width="stretch", key="clear")
    for problem in result.problems:
        st.warning(md(problem))
    if shown.loosen:  # say which one filter to loosen (worded once per search, in found())
        st.info(md(shown.loosen))


def _tiles(lang: str) -> TileConfig | None:
    config = settings()
    try:
        return TileConfig(config.tile_url, config.tile_attribution) if config.tile_url else None
    except ConfigurationError as error:  # a bad tile setting must not cost members the map
        st.warning(error_text(error, lang))
        return None


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _map_frame(
    view: tuple[str, bool], public: bool, criteria: Criteria, lang: str, tiles: TileConfig | None, _shown: Found
) -> MapFrame:
    """The map of a search as streamlit-folium sends it: built and rendered once, shared like :func:`found`."""
    # The selection is not in the map's script: the map reads it from the page's address, so opening
    # or closing a card keeps the member's zoom (a new script would mount a new map).
    the_map = build_map(
        _shown.map_data,
        language=lang,
        tiles=tiles,
        selection_parameter=SELECTION_PARAMETER,
        place_labels=_shown.place_labels,
    )
    return prepare(the_map)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _whole_map_frame(view: tuple[str, bool], lang: str, tiles: TileConfig | None, _whole: WholeMap) -> MapFrame:
    """The map of every office of the version as streamlit-folium sends it: the same for every search."""
    # Not fitted to every office: each search fits the view to its own at once (an animated fit would end later).
    the_map = build_map(
        dataclasses.replace(_whole.data, bounds=None),
        language=lang,
        tiles=tiles,
        selection_parameter=SELECTION_PARAMETER,
    )
    return prepare(the_map)


def offices_map(shown: Found, view: tuple[str, bool], public: bool, criteria: Criteria, lang: str) -> None:
    """The map of the offices found; a click on an office opens its card at once.

    With the offices from the version's file, the map stays mounted across searches
    (a search redraws its clusters, see :mod:`dashboard.members.map_frame`), so the
    click it keeps reporting may be from an earlier search: it is matched against
    every office of the version, where it always names the same partner.
    """
    tiles = _tiles(lang)
    with st.container(key=MAP_FRAME_KEY):  # holds the map's height from its first paint (style.PAGE_STYLE)
        if shown.whole_map is not None and shown.map_update is not None:
            clicked = _whole_map_frame(view, lang, tiles, shown.whole_map).draw(
                key="map",
                height=MAP_HEIGHT,
                returned_objects=CLICK_RETURNED_OBJECTS,
                update=shown.map_update,
            )
            offices = shown.whole_map.positions
        else:  # offices inside the page (a signed-in member's contacts): a new map per search
            frame = _map_frame(view, public, criteria, lang, tiles, shown)
            clicked = frame.draw(key="map", height=MAP_HEIGHT, returned_objects=CLICK_RETURNED_OBJECTS)
            offices = shown.positions
    # A new click selects the partner and reruns at once: the card opens now.
    pick(
        clicked_partner_id(clicked, offices),
        "_last_map_click",
        json.dumps((clicked or {}).get("last_object_clicked"), sort_keys=True),
    )


def offices_list(shown: Found, criteria: Criteria, lang: str) -> None:
    """The list of the offices found (a row picked opens its card), and its downloads."""
    offices = shown.result.offices
    if offices:
        st.caption(t("ui.list_keys", lang))
    if offices > LIST_MAX_ROWS:
        st.caption(md(tn("members_list.first_rows", offices, lang, shown=LIST_MAX_ROWS)))
    listing = shown.listing
    partners = shown.listed_partners
    forget_stale_list_selection(partners)
    event = st.dataframe(
        listing,
        key=LIST_KEY,
        hide_index=True,
        height=min(LIST_MAX_HEIGHT, LIST_ROW_HEIGHT * (listing.num_rows + 1) + 3),
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "partner": st.column_config.TextColumn(t("ui.col.partner", lang), width=LIST_WIDTHS["partner"]),
            "city": st.column_config.TextColumn(t("ui.col.city", lang), width=LIST_WIDTHS["city"]),
            "country": st.column_config.TextColumn(t("ui.col.country", lang), width=LIST_WIDTHS["country"]),
            "distance": st.column_config.TextColumn(
                t("ui.col.distance", lang), help=t("ui.distance_approximate", lang)
            ),
            "services": st.column_config.TextColumn(t("ui.col.services", lang)),
        },
        column_order=listing.column_names,  # what the list shows is all it receives (list_table)
    )
    pick(list_partner(event.selection.rows if event is not None else [], partners), LIST_MEMORY)
    # One row for both buttons (style.PAGE_STYLE: side by side, on a phone one under the other), not two columns.
    row = st.container(horizontal=True, key=DOWNLOADS_ROW_KEY, gap="small", wrap=False)
    downloads.member_downloads(
        lambda: shown.result.rows,  # taken from the published table when a download is clicked
        lang=lang,
        with_distance=bool(criteria.near) and shown.result.place is not None,
        places=(row, row),
    )
