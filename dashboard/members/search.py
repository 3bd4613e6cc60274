"""The members' search: the form, its criteria, and the page's address that shares them.

Widget keys (stable, for outside tools): ``q``, ``near``, ``radius``, the
filters ``f_country``, ``f_continent``, ``f_sector``, ``f_service``,
``f_language`` and the button ``clear``.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.members.memo import PerObject
from dashboard.members.selection import SELECTED, SELECTION_PARAMETER
from dashboard.style import FILTERS_ROW_KEY, WORDS_ROW_KEY
from partner_directory.i18n import t
from partner_directory.search.criteria import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, Criteria
from partner_directory.search.index import SearchIndex, facet_values
from partner_directory.sheet.schema import sector_name

FILTER_KEYS = {
    "countries": "f_country",
    "continents": "f_continent",
    "sectors": "f_sector",
    "services": "f_service",
    "languages": "f_language",
}
#: The radius field holds whole kilometres; it starts at the search's own default.
RADIUS_START = int(DEFAULT_RADIUS_KM)
#: What :func:`share` last wrote into the page's address, and the address it left.
_ADDRESS_WRITTEN = "_address_written"


def restore_from_url() -> None:
    """On a session's first run, put the search from the URL into the widgets (a shared link)."""
    if not st.session_state.get("_restored"):
        st.session_state["_restored"] = True
        criteria = Criteria.from_query_params(st.query_params)  # repeated parameters through its get_all
        st.session_state["q"] = criteria.text
        st.session_state["near"] = criteria.near
        st.session_state["radius"] = int(criteria.radius_km or RADIUS_START)
        for field, key in FILTER_KEYS.items():
            st.session_state[key] = list(getattr(criteria, field))
        if st.query_params.get(SELECTION_PARAMETER):
            st.session_state[SELECTED] = st.query_params[SELECTION_PARAMETER]
    # Streamlit forgets the values of a page's widgets while another page is shown.
    for key, default in (("q", ""), ("near", ""), ("radius", RADIUS_START)):
        st.session_state.setdefault(key, default)


def clear() -> None:
    """Empty the search and close the card."""
    st.session_state["q"] = ""
    st.session_state["near"] = ""
    st.session_state["radius"] = RADIUS_START
    for key in FILTER_KEYS.values():
        st.session_state[key] = []
    st.session_state.pop(SELECTED, None)


def criteria() -> Criteria:
    """The search the widgets hold."""
    return Criteria(
        text=st.session_state.get("q", ""),
        near=st.session_state.get("near", ""),
        radius_km=float(st.session_state.get("radius") or RADIUS_START) if st.session_state.get("near") else None,
        **{field: tuple(st.session_state.get(key) or ()) for field, key in FILTER_KEYS.items()},
    )


@dataclass(frozen=True)
class _FilterOptions:
    allowed: dict[str, list[str]]  # each filter's options, in order
    known: dict[str, frozenset[str]]  # the same, for a membership test
    names: dict[str, dict[str, str]]  # each option's name in the page's language


#: Each filter's options and names, made once per published index and language (not at every rerun).
_OPTIONS: PerObject[_FilterOptions] = PerObject(max_entries=4)


def _filter_options(index: SearchIndex, lang: str) -> _FilterOptions:
    facets = facet_values(index, language=lang)
    allowed = {
        "f_country": [code for code, _ in facets.countries],
        "f_continent": [code for code, _ in facets.continents],
        "f_sector": list(facets.sectors),
        "f_service": [code for code, _ in facets.services],
        "f_language": [code for code, _ in facets.languages],
    }
    names = {
        "f_country": dict(facets.countries),
        "f_continent": dict(facets.continents),
        "f_sector": {sector: sector_name(sector, lang) for sector in facets.sectors},
        "f_service": dict(facets.services),
        "f_language": dict(facets.languages),
    }
    return _FilterOptions(allowed, {key: frozenset(options) for key, options in allowed.items()}, names)


def search_form(index: SearchIndex, lang: str) -> None:
    """The search box, the place and radius, and the five filters (only options that exist)."""
    options = _OPTIONS.get(index, lang, lambda: _filter_options(index, lang))
    allowed, names = options.allowed, options.names
    # Keep only options that exist, so a stale link cannot break a widget.
    for key, known in options.known.items():
        chosen = st.session_state.get(key, [])
        kept = [value for value in chosen if value in known]
        if kept != chosen or key not in st.session_state:
            st.session_state[key] = kept

    # The words, the place and the radius share their row 3 : 2 : 1 (style.PAGE_STYLE), as three columns did.
    top = st.container(horizontal=True, key=WORDS_ROW_KEY, gap="small", wrap=False)
    top.text_input(t("ui.search", lang), key="q", placeholder=t("ui.search_placeholder", lang), width="stretch")
    top.text_input(t("ui.near", lang), key="near", placeholder=t("ui.near_placeholder", lang), width="stretch")
    top.number_input(
        t("ui.radius", lang), key="radius", min_value=1, max_value=int(MAX_RADIUS_KM), step=50, width="stretch"
    )
    # One horizontal container, not five columns: Streamlit sends each column as an element of its own at
    # every rerun (issue 22); style.PAGE_STYLE lays the five out as columns did, side by side or, on a phone,
    # one under another.
    filters = st.container(horizontal=True, key=FILTERS_ROW_KEY, gap="small", wrap=False)
    for key, label in (
        ("f_country", "ui.country"),
        ("f_continent", "ui.continent"),
        ("f_sector", "ui.sector"),
        ("f_service", "ui.service"),
        ("f_language", "ui.language"),
    ):
        filters.multiselect(
            t(label, lang),
            options=allowed[key],
            key=key,
            placeholder=t("ui.any", lang),
            format_func=(lambda value, key=key: names[key].get(value, value)) if key in names else str,
            width="stretch",
        )


def share(criteria: Criteria, lang: str) -> None:
    """Put the search, the language and the open card into the page's address, for a link to share."""
    params: dict[str, str | list[str]] = dict(criteria.to_query_params())
    params["lang"] = lang
    if st.session_state.get(SELECTED):
        params[SELECTION_PARAMETER] = st.session_state[SELECTED]
    # Each write sends the browser a message; most reruns (a card opened, a list sorted) leave the address as it was.
    if st.session_state.get(_ADDRESS_WRITTEN) == (params, _address()):
        return
    st.query_params.from_dict(params)
    st.session_state[_ADDRESS_WRITTEN] = (params, _address())


def _address() -> dict[str, list[str]]:
    return {key: list(st.query_params.get_all(key)) for key in st.query_params}
