"""What the members' page shows for a search, made once and shared by every session asking the same.

A member's rerun with criteria some member already used (the whole directory, a
cleared search, a popular word) costs a dictionary look-up instead of a search and
two tables. Keyed by the published version and what the session may see, so a
publish or a signed-in member never meets another's view. The map's offices are a
file the browser fetches once per published version (partner_directory/maps/office_file.py):
a rerun sends which of them to show, not 2 MB of data. Kept out of the page script,
which Streamlit runs afresh at every rerun: its caches and classes are made once here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import ui
from partner_directory.geo.countries import country_name
from partner_directory.i18n import t
from partner_directory.maps.office_file import OfficeFile, write_office_file
from partner_directory.maps.rows import OfficeData, office_data
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import SearchResult, search
from partner_directory.search.index import SearchIndex
from partner_directory.sheet.schema import SERVICES, split_list

_LOG = logging.getLogger(__name__)


def _short_distance(text: object) -> str:
    """``"≈ 57 km (from the city centre)"`` -> ``"≈ 57 km"``: the words in brackets are the column's help."""
    return str(text or "").split(" (", 1)[0]


def list_table(rows: pd.DataFrame, lang: str, *, near: bool) -> pa.Table:
    """The list as a member sees it -- its shown columns only -- made once per search, ready for the grid.

    Partner, city, country, (with a place) distance and services, in that order.
    The grid receives nothing it does not show: contact data, sectors and
    precision are in the card and the downloads. Arrow, because Streamlit then
    sends the table without converting it at every rerun.
    """
    columns: dict[str, Any] = {
        "partner": rows["partner_name"].tolist(),
        "city": rows["city"].tolist(),
        "country": [country_name(code, lang) for code in rows["country"]],
    }
    if near:
        # Honest about approximate placement: "≈ 57 km", "under 10 km", never "0.0 km"; the
        # column's help and the card say what the approximation means. Short, so that every
        # column fits at 1280 px.
        columns["distance"] = [_short_distance(text) for text in rows["distance_text"]]
    # Short words, so that all five fit beside the other columns at 1280 px.
    columns["services"] = [
        ", ".join(t(f"list.service.{s}", lang) for s in split_list(v) if s in SERVICES) for v in rows["services"]
    ]
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def _offices_for_map(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    return rows.assign(
        latitude=rows["lat"], longitude=rows["lon"], country_name=[country_name(c, lang) for c in rows["country"]]
    )


@dataclass(frozen=True)
class Found:
    """What a search shows: the result, the list, the map's data, where the offices are and the places to name."""

    result: SearchResult
    positions: pd.DataFrame  # partner_id, latitude, longitude (for map clicks)
    listing: pa.Table
    map_data: OfficeData
    place_labels: list[Any]


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _office_file(view: tuple[str, bool], lang: str, _index: SearchIndex) -> OfficeFile | None:
    """The map file of every office in the published list (public data only), or ``None`` if it cannot be written."""
    try:
        return write_office_file(_offices_for_map(_index.table, lang), language=lang)
    except OSError as error:  # a read-only install: the offices travel inside the map's page
        _LOG.warning("The map file could not be written (%s); map data goes inside the page.", error)
        return None


def _map_data(
    view: tuple[str, bool], public: bool, rows: pd.DataFrame, positions: Any, lang: str, index: SearchIndex
) -> OfficeData:
    """The map's data for ``rows``: a view of the shared file when the session sees only public data."""
    office_file = _office_file(view, lang, index) if public else None
    if office_file is not None:
        try:
            office_file.ensure()
            return office_file.view(positions)
        except OSError as error:
            _LOG.warning("The map file could not be written again (%s); map data goes inside the page.", error)
    return office_data(_offices_for_map(rows, lang), language=lang)


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def found(view: tuple[str, bool], public: bool, criteria: Criteria, lang: str, _index: SearchIndex) -> Found:
    """What the page shows for ``criteria`` in ``lang``: shared by every session with the same ``view``.

    ``view`` is the published version and whether the session sees contact data;
    ``public`` whether it sees no more than a visitor who is not signed in (then the
    map's offices come from the shared file).
    """
    result = search(_index, criteria, language=lang)
    rows = result.rows
    positions = pd.DataFrame({"partner_id": rows["partner_id"], "latitude": rows["lat"], "longitude": rows["lon"]})
    return Found(
        result,
        positions,
        list_table(rows, lang, near=bool(criteria.near)),
        _map_data(view, public, rows, result.positions, lang, _index),
        ui.nearby_cities(positions),
    )
