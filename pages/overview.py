"""Members' page: the network at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import ui, visits_ui
from partner_directory.geo.countries import country_name
from partner_directory.i18n import t, tn
from partner_directory.search.ranking import rank_counts

#: The Overview's country chart shows at least this many countries (ties at the cut kept whole).
TOP_COUNTRIES = 15
UNKNOWN = "?"


def page() -> None:
    lang = ui.language()
    st.title(t("overview.title", lang), anchor=False)
    found = ui.directory()
    ui.show_directory_problem(found, lang)
    metrics = st.columns(5)
    metrics[0].metric(t("overview.partners", lang), found.partners)
    metrics[1].metric(t("overview.offices", lang), found.offices)
    metrics[2].metric(t("overview.countries", lang), found.countries)
    metrics[3].metric(t("overview.approximate", lang), found.approximate, help=t("overview.approximate_help", lang))
    metrics[4].metric(t("overview.unplaced", lang), found.unplaced)
    published = ui.published_at()  # the publish time from the history, not the file's modification time
    if published is not None:
        st.caption(t("overview.updated", lang, date=ui.local_time(published)))
    if not found.offices:
        return
    table = found.table
    by_continent = rank_counts(
        [c or UNKNOWN for c in table["continent"]], limit=len(table), name=lambda c: _continent(c, lang)
    )
    by_country = rank_counts(table["country"], limit=TOP_COUNTRIES, name=lambda code: country_name(code, lang))
    left, right = st.columns(2)
    with left:
        st.subheader(t("overview.by_continent", lang), anchor=False)
        _bars({_continent(c, lang): n for c, n in by_continent.shown}, lang)
    with right:
        st.subheader(t("overview.by_country", lang), anchor=False)
        _bars({country_name(code, lang): n for code, n in by_country.shown}, lang)
        if by_country.hidden:
            st.caption(
                t(
                    "overview.not_shown",
                    lang,
                    countries=tn("count.countries", by_country.hidden, lang),
                    most=by_country.hidden_most,
                )
            )
    visits_ui.overview_totals(lang)  # where members go: anonymised counts from the visits register


def _continent(code: str, lang: str) -> str:
    return t("overview.unknown", lang) if code == UNKNOWN else t(f"search.continent.{code}", lang)


def _bars(counts: dict[str, int], lang: str) -> None:
    """Horizontal bars in the order given (most first), not Altair's alphabetical order."""
    label = t("overview.offices", lang)
    frame = pd.DataFrame({"name": list(counts), label: list(counts.values())})
    st.bar_chart(frame, x="name", y=label, x_label="", horizontal=True, sort=False)


ui.require_app_navigation()
page()
