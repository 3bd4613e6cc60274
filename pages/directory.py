"""Members' page: search, filters, the map and the list, the partner card and the visit request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit_folium import st_folium

import member_auth
import ui
import visit_form
from partner_directory.countries import country_name
from partner_directory.errors import ConfigurationError
from partner_directory.i18n import t, tn
from partner_directory.languages import language_name
from partner_directory.links import email_href, safe_href
from partner_directory.loosening import loosening_sentence, loosenings
from partner_directory.mapfile import OfficeFile, write_office_file
from partner_directory.mapview import (
    CLICK_RETURNED_OBJECTS,
    OfficeData,
    TileConfig,
    build_map,
    clicked_partner_id,
    office_data,
)
from partner_directory.schema import SERVICES, split_list
from partner_directory.search import Criteria, SearchIndex, SearchResult, facet_values, format_radius, search

FILTER_KEYS = {
    "countries": "f_country",
    "continents": "f_continent",
    "sectors": "f_sector",
    "services": "f_service",
    "languages": "f_language",
}
SELECTED = "selected_partner"
LIST_ROW_HEIGHT = 35  # Streamlit's data grid rows, for a list no taller than its rows
LIST_MAX_HEIGHT = 420
APPROXIMATE_PRECISIONS = frozenset({"city", "country"})
# What the list shows (and all it receives): with a place, the distance too.
LIST_COLUMNS = ("partner", "city", "country", "services")
NEAR_LIST_COLUMNS = ("partner", "city", "country", "distance", "services")


def _restore_from_url() -> None:
    """On a session's first run, put the search from the URL into the widgets (a shared link)."""
    if st.session_state.get("_restored"):
        return
    st.session_state["_restored"] = True
    criteria = Criteria.from_query_params(
        st.query_params.to_dict()
        | {key: st.query_params.get_all(key) for key in ("country", "continent", "sector", "service", "language")}
    )
    st.session_state["q"] = criteria.text
    st.session_state["near"] = criteria.near
    st.session_state["radius"] = int(criteria.radius_km or 300)
    for field, key in FILTER_KEYS.items():
        st.session_state[key] = list(getattr(criteria, field))
    if st.query_params.get("partner"):
        st.session_state[SELECTED] = st.query_params["partner"]


def _pick(partner: str | None, memory: str) -> None:
    """Select ``partner`` when the map or the list reports a new pick.

    ``memory`` remembers the last pick of that widget, because both keep
    reporting it on every rerun: only a change selects, so a later pick in the
    other widget is not overridden.
    """
    if partner is None:
        st.session_state.pop(memory, None)
        return
    if partner == st.session_state.get(memory):
        return
    st.session_state[memory] = partner
    if partner != st.session_state.get(SELECTED):
        st.session_state[SELECTED] = partner
        st.rerun()


def _clear() -> None:
    st.session_state["q"] = ""
    st.session_state["near"] = ""
    st.session_state["radius"] = 300
    for key in FILTER_KEYS.values():
        st.session_state[key] = []
    st.session_state.pop(SELECTED, None)


def _close_card() -> None:
    """The card was dismissed: forget the pick, keep the search (widgets and URL)."""
    st.session_state.pop(SELECTED, None)
    st.query_params.pop("partner", None)


def _criteria() -> Criteria:
    return Criteria(
        text=st.session_state.get("q", ""),
        near=st.session_state.get("near", ""),
        radius_km=float(st.session_state.get("radius") or 300) if st.session_state.get("near") else None,
        **{field: tuple(st.session_state.get(key) or ()) for field, key in FILTER_KEYS.items()},
    )


def _search_form(index: SearchIndex, lang: str) -> None:
    facets = facet_values(index, language=lang)
    # Keep only options that exist, so a stale link cannot break a widget.
    allowed = {
        "f_country": [code for code, _ in facets.countries],
        "f_continent": [code for code, _ in facets.continents],
        "f_sector": list(facets.sectors),
        "f_service": [code for code, _ in facets.services],
        "f_language": [code for code, _ in facets.languages],
    }
    for key, options in allowed.items():
        st.session_state[key] = [value for value in st.session_state.get(key, []) if value in options]
    names = {
        "f_country": dict(facets.countries),
        "f_continent": dict(facets.continents),
        "f_service": dict(facets.services),
        "f_language": dict(facets.languages),
    }

    top = st.columns([3, 2, 1])
    top[0].text_input(t("ui.search", lang), key="q", placeholder=t("ui.search_placeholder", lang))
    top[1].text_input(t("ui.near", lang), key="near", placeholder=t("ui.near_placeholder", lang))
    top[2].number_input(t("ui.radius", lang), key="radius", min_value=1, max_value=20000, step=50)
    filters = st.columns(5)
    for column, (key, label) in zip(
        filters,
        [
            ("f_country", "ui.country"),
            ("f_continent", "ui.continent"),
            ("f_sector", "ui.sector"),
            ("f_service", "ui.service"),
            ("f_language", "ui.language"),
        ],
        strict=True,
    ):
        column.multiselect(
            t(label, lang),
            options=allowed[key],
            key=key,
            placeholder=t("ui.any", lang),
            format_func=(lambda value, key=key: names[key].get(value, value)) if key in names else str,
        )


def _share(criteria: Criteria, lang: str) -> None:
    params: dict[str, str | list[str]] = dict(criteria.to_query_params())
    params["lang"] = lang
    if st.session_state.get(SELECTED):
        params["partner"] = st.session_state[SELECTED]
    st.query_params.from_dict(params)


def _short_distance(text: object) -> str:
    """``"≈ 57 km (from the city centre)"`` -> ``"≈ 57 km"``: the words in brackets are the column's help."""
    return str(text or "").split(" (", 1)[0]


def _list_table(rows: pd.DataFrame, lang: str, *, near: bool) -> pa.Table:
    """The list as a member sees it -- its shown columns only -- made once per search, ready for the grid.

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
        columns["distance"] = (
            [_short_distance(text) for text in rows["distance_text"]]
            if "distance_text" in rows
            else [f"{value:.0f} km" for value in rows["distance_km"]]
        )
    # Short words, so that all five fit beside the other columns at 1280 px.
    columns["services"] = [
        ", ".join(t(f"list.service.{s}", lang) for s in split_list(v) if s in SERVICES) for v in rows["services"]
    ]
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def _offices_for_map(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    return rows.assign(
        latitude=rows["lat"], longitude=rows["lon"], country_name=[country_name(c, lang) for c in rows["country"]]
    )


# -- what every member asking the same gets: shared across sessions, bounded ---------------------------------------
# A member's rerun with criteria some member already used (the whole directory, a
# cleared search, a popular word) costs a dictionary look-up instead of a search and
# two tables. Keyed by the published version and what the session may see, so a
# publish or a signed-in member never meets another's view. The map's offices are
# a file the browser fetches once per published version (partner_directory/mapfile.py):
# a rerun sends which of them to show, not 2 MB of data.

_LOG = logging.getLogger(__name__)


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
def _found(view: tuple[str, bool], public: bool, criteria: Criteria, lang: str, _index: SearchIndex) -> Found:
    result = search(_index, criteria, language=lang)
    rows = result.rows
    positions = pd.DataFrame({"partner_id": rows["partner_id"], "latitude": rows["lat"], "longitude": rows["lon"]})
    return Found(
        result,
        positions,
        _list_table(rows, lang, near=bool(criteria.near)),
        _map_data(view, public, rows, result.positions, lang, _index),
        ui.nearby_cities(positions),
    )


def _card(table: pd.DataFrame, partner_id: str, lang: str) -> None:
    """Open the partner's card in a dialog: in view wherever the pick was made, focus inside it."""
    match = table[table["partner_id"] == partner_id]
    if match.empty:
        st.session_state.pop(SELECTED, None)
        return
    office = match.iloc[0]
    # A dialog's title is plain text with some markdown: escape the name.
    st.dialog(ui.md(office["partner_name"]) or partner_id, width="large", on_dismiss=_close_card)(_card_body)(
        table, office, lang
    )


def _card_body(table: pd.DataFrame, office: pd.Series, lang: str) -> None:
    offices = table[table["partner_name"].str.casefold() == str(office["partner_name"]).casefold()]
    left, right = st.columns([3, 2])
    with left:
        place = ", ".join(
            p
            for p in (
                office["office_name"],
                office["address"],
                office["postal_code"],
                office["city"],
                country_name(office["country"], lang),
            )
            if p
        )
        st.markdown(f"📍 {ui.md(place)}")
        if office["geocode_precision"] in APPROXIMATE_PRECISIONS:
            st.caption(t("ui.approximate", lang))
        if office["description"]:
            st.markdown(ui.md(office["description"]))
        rows = [
            (t("search.col.precision", lang), t(f"search.precision.{office['geocode_precision'] or 'none'}", lang)),
            (t("ui.sector", lang), office["sectors"]),
            (t("ui.language", lang), ", ".join(language_name(c, lang) for c in split_list(office["languages"]))),
            (t("ui.contact", lang), office["contact_name"]),
            (t("ui.phone", lang), office["contact_phone"]),
            (t("ui.bra_since", lang), office["bra_since"]),
            (t("ui.last_verified", lang), office["last_verified"] or t("ui.never", lang)),
        ]
        for label, value in rows:
            if value:
                st.markdown(f"**{ui.md(label)}:** {ui.md(value)}")
        links = st.columns(2)
        email_link = email_href(office["contact_email"]) if office["contact_email"] else None
        if email_link:
            links[0].link_button("✉️ " + ui.md(office["contact_email"]), email_link)
        website_link = safe_href(office["website"])
        if website_link:
            links[1].link_button(f"🌐 {t('ui.website', lang)}", website_link)
        offered = split_list(office["services"])
        st.markdown(f"**{ui.md(t('ui.services_offered', lang))}**")
        # In words, not only as marks: a screen reader and a colour-blind reader get the same.
        for key, services in (
            ("card.services.offered", [s for s in SERVICES if s in offered]),
            ("card.services.not_offered", [s for s in SERVICES if s not in offered]),
        ):
            if services:
                names = ", ".join(t(f"service.{s}", lang) for s in services)
                mark = "✅" if key.endswith(".offered") else "▫️"
                st.markdown(f"{mark} **{ui.md(t(key, lang))}:** {ui.md(names)}")
        if len(offices) > 1:
            st.markdown(f"**{ui.md(tn('ui.all_offices', len(offices), lang))}**")
            st.dataframe(
                pd.DataFrame(
                    {
                        t("ui.col.office", lang): offices["office_name"],
                        t("ui.col.city", lang): offices["city"],
                        t("ui.col.country", lang): [country_name(c, lang) for c in offices["country"]],
                        t("ui.col.contact", lang): offices["contact_name"],
                    }
                ),
                hide_index=True,
            )
    with right:
        visit_form.visit_form(office, offered, lang)
    # An explicit close beside the dialog's own ×/Escape: a button press always reaches the server,
    # while a dismissal made during a run can be lost by Streamlit (the card closes, the pick stays).
    # A button in a dialog reruns only the dialog; the whole page must run again to close it.
    if st.button(t("card.close", lang), key="close_card"):
        _close_card()
        st.rerun()


def page() -> None:
    lang = ui.language()
    st.title(t("ui.title", lang), anchor=False)
    # In the members' mode, a visitor who is not signed in gets a table and an index without contact data.
    found = member_auth.directory()
    ui.show_directory_problem(found, lang)
    index = member_auth.search_index()
    member_auth.member_box(lang)
    _restore_from_url()
    # Streamlit forgets the values of a page's widgets while another page is shown.
    for key, default in (("q", ""), ("near", ""), ("radius", 300)):
        st.session_state.setdefault(key, default)
    _search_form(index, lang)
    criteria = _criteria()
    view = (found.version, member_auth.sees_contacts())
    shown = _found(view, member_auth.sees_only_public(), criteria, lang, index)
    result = shown.result
    line = st.columns([5, 1])
    with line[0]:
        st.markdown(f"**{ui.md(result.description)}**")
        if criteria.near and result.place is not None:
            radius = format_radius(criteria.radius_km or 300)
            st.caption(t("ui.near_place", lang, place=result.place.name, radius=radius))
    line[1].button(t("ui.clear", lang), on_click=_clear, width="stretch", key="clear")
    for problem in result.problems:
        st.warning(ui.md(problem))
    if not result.offices and not criteria.is_empty:  # say which one filter to loosen
        st.info(ui.md(loosening_sentence(loosenings(index, criteria), criteria, language=lang)))

    rows = result.rows
    config = ui.settings()
    try:
        tiles = TileConfig(config.tile_url, config.tile_attribution) if config.tile_url else None
    except ConfigurationError as error:  # a bad tile setting must not cost members the map
        st.warning(ui.md(error.message(lang)))
        tiles = None
    selected = st.session_state.get(SELECTED)
    the_map = build_map(
        shown.map_data, language=lang, tiles=tiles, selected_id=selected, place_labels=shown.place_labels
    )
    clicked = st_folium(
        the_map,
        key="map",
        height=ui.MAP_HEIGHT,
        use_container_width=True,
        returned_objects=list(CLICK_RETURNED_OBJECTS),
    )
    # A new click selects the partner and reruns at once, so the map is rebuilt
    # with the selection now rather than on the next click (which it would eat).
    _pick(clicked_partner_id(clicked, shown.positions), "_last_map_click")

    if len(rows):
        st.caption(t("ui.list_keys", lang))
    listing = shown.listing
    event = st.dataframe(
        listing,
        key="list",
        hide_index=True,
        height=min(LIST_MAX_HEIGHT, LIST_ROW_HEIGHT * (listing.num_rows + 1) + 3),
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "partner": st.column_config.TextColumn(t("ui.col.partner", lang)),
            "city": st.column_config.TextColumn(t("ui.col.city", lang)),
            "country": st.column_config.TextColumn(t("ui.col.country", lang)),
            "distance": st.column_config.TextColumn(
                t("ui.col.distance", lang), help=t("ui.distance_approximate", lang)
            ),
            "services": st.column_config.TextColumn(t("ui.col.services", lang)),
        },
        column_order=list(NEAR_LIST_COLUMNS if criteria.near else LIST_COLUMNS),
    )
    selected_rows = event.selection.rows if event is not None else []
    in_range = selected_rows and selected_rows[0] < len(rows)
    _pick(rows.iloc[selected_rows[0]]["partner_id"] if in_range else None, "_last_list_pick")
    ui.member_downloads(
        rows, lang=lang, with_distance=bool(criteria.near) and result.place is not None, places=st.columns(2)
    )
    # The long introduction after the results: on a phone, members see the partners first.
    st.caption(t("ui.intro", lang))
    _share(criteria, lang)
    selected = st.session_state.get(SELECTED)
    if selected:
        _card(found.table, selected, lang)


ui.require_app_navigation(default_page=True)
page()
