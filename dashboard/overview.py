"""The Overview: the network at a glance -- counts, offices by continent and country, where members go."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.settings import settings
from dashboard.text import local_time, say
from partner_directory.errors import PartnerDirectoryError
from partner_directory.geo.countries import country_name
from partner_directory.i18n import t, tn
from partner_directory.search.ranking import rank_counts
from partner_directory.visits.register import VisitFilter
from partner_directory.visits.report import anonymised_totals

#: The Overview's country chart shows at least this many countries (ties at the cut kept whole).
TOP_COUNTRIES = 15
UNKNOWN = "?"


def metrics(lang: str) -> pd.DataFrame | None:
    """The directory's counts and when it was published; its table, or ``None`` when it has no office."""
    found = data.directory()
    data.show_directory_problem(found, lang)
    columns = st.columns(5)
    columns[0].metric(t("overview.partners", lang), found.partners)
    columns[1].metric(t("overview.offices", lang), found.offices)
    columns[2].metric(t("overview.countries", lang), found.countries)
    columns[3].metric(t("overview.approximate", lang), found.approximate, help=t("overview.approximate_help", lang))
    columns[4].metric(t("overview.unplaced", lang), found.unplaced)
    published = data.published_at()  # the publish time from the history, not the file's modification time
    if published is not None:
        st.caption(say("overview.updated", lang, date=local_time(published)))
    return found.table if found.offices else None


def by_place(table: pd.DataFrame, lang: str) -> None:
    """Offices by continent and by country, as bars, most first."""
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
                say(
                    "overview.not_shown",
                    lang,
                    countries=tn("count.countries", by_country.hidden, lang),
                    most=by_country.hidden_most,
                )
            )


def _continent(code: str, lang: str) -> str:
    return t("overview.unknown", lang) if code == UNKNOWN else t(f"search.continent.{code}", lang)


def _bars(counts: dict[str, int], lang: str) -> None:
    """Horizontal bars in the order given (most first), not Altair's alphabetical order."""
    label = t("overview.offices", lang)
    frame = pd.DataFrame({"name": list(counts), label: list(counts.values())})
    st.bar_chart(frame, x="name", y=label, x_label="", horizontal=True, sort=False)


@st.cache_data(ttl=60, show_spinner=False)
def _where_members_go(url: str) -> pd.DataFrame:
    # Every member's Overview reads it; a minute old is new enough for totals, and spares the database.
    today = settings().today or dt.date.today()  # a visit marked completed before its first day uses nothing yet
    return anonymised_totals(data.register().find(VisitFilter(direction="outgoing", status="completed")), today=today)


def where_members_go(lang: str) -> None:
    """Where members go: completed visits per partner cluster, no company or person (nothing when none)."""
    try:
        table = _where_members_go(settings().database_url)
    except PartnerDirectoryError:
        return  # the Overview works without the register
    if table.empty:
        return
    st.subheader(t("visits.ui.where_members_go", lang), anchor=False)
    st.caption(say("visits.ui.where_members_go_help", lang, visits=int(table["visits"].sum())))
    st.bar_chart(table.set_index("partner_name")["visits"].rename(t("report.column.visits", lang)), horizontal=True)
