"""Members' page: search, filters, the map and the list, the partner card and the visit request."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import directory_view, member_auth, ui, visit_form
from partner_directory.errors import ConfigurationError
from partner_directory.geo.countries import country_name
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t, tn
from partner_directory.links import email_href, safe_href
from partner_directory.maps.building import build_map
from partner_directory.maps.clicks import CLICK_RETURNED_OBJECTS, clicked_partner_id
from partner_directory.maps.elements import TileConfig
from partner_directory.search.criteria import Criteria, format_radius
from partner_directory.search.index import SearchIndex, facet_values
from partner_directory.search.loosening import loosening_sentence, loosenings
from partner_directory.sheet.schema import SERVICES, split_list

FILTER_KEYS = {
    "countries": "f_country",
    "continents": "f_continent",
    "sectors": "f_sector",
    "services": "f_service",
    "languages": "f_language",
}
SELECTED = "selected_partner"
# The open card's partner in the page's address: shared links open it, and the map reads it there.
SELECTION_PARAMETER = "partner"
LIST_ROW_HEIGHT = 35  # Streamlit's data grid rows, for a list no taller than its rows
LIST_MAX_HEIGHT = 420
APPROXIMATE_PRECISIONS = frozenset({"city", "country"})


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
    if st.query_params.get(SELECTION_PARAMETER):
        st.session_state[SELECTED] = st.query_params[SELECTION_PARAMETER]


def _pick(partner: str | None, memory: str, click: object = None) -> None:
    """Select ``partner`` when the map or the list reports a new pick.

    ``memory`` remembers the last pick of that widget, because both keep
    reporting it on every rerun: only a change selects, so a later pick in the
    other widget is not overridden. ``click`` tells two picks of the same
    partner apart (the map reports a repeated click on one office a hair away:
    the map stays mounted while cards open and close, so a second click on the
    same office must open its card again).
    """
    if partner is None:
        st.session_state.pop(memory, None)
        return
    if (partner, click) == st.session_state.get(memory):
        return
    st.session_state[memory] = (partner, click)
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
    st.query_params.pop(SELECTION_PARAMETER, None)


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
        params[SELECTION_PARAMETER] = st.session_state[SELECTED]
    st.query_params.from_dict(params)


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
    shown = directory_view.found(view, member_auth.sees_only_public(), criteria, lang, index)
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
    # The selection is not in the map's script: the map reads it from the page's address, so opening
    # or closing a card keeps the member's zoom (a new script would mount a new map).
    the_map = build_map(
        shown.map_data,
        language=lang,
        tiles=tiles,
        selection_parameter=SELECTION_PARAMETER,
        place_labels=shown.place_labels,
    )
    clicked = st_folium(
        the_map,
        key="map",
        height=ui.MAP_HEIGHT,
        use_container_width=True,
        returned_objects=list(CLICK_RETURNED_OBJECTS),
    )
    # A new click selects the partner and reruns at once: the card opens now.
    _pick(
        clicked_partner_id(clicked, shown.positions),
        "_last_map_click",
        json.dumps((clicked or {}).get("last_object_clicked"), sort_keys=True),
    )

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
        column_order=listing.column_names,  # what the list shows is all it receives (directory_view.list_table)
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
