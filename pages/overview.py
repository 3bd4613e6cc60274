"""Members' page: the network at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from partner_directory.countries import country_name
from partner_directory.i18n import t


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
    by_continent = (
        table.assign(
            continent=[
                t(f"search.continent.{c}", lang) if c else t("overview.unknown", lang) for c in table["continent"]
            ]
        )
        .groupby("continent")["partner_id"]
        .count()
        .sort_values(ascending=False)
    )
    by_country = (
        table.assign(country=[country_name(c, lang) for c in table["country"]])
        .groupby("country")["partner_id"]
        .count()
        .sort_values(ascending=False)
        .head(15)
    )
    left, right = st.columns(2)
    with left:
        st.subheader(t("overview.by_continent", lang), anchor=False)
        st.bar_chart(pd.DataFrame({t("overview.offices", lang): by_continent}), horizontal=True)
    with right:
        st.subheader(t("overview.by_country", lang), anchor=False)
        st.bar_chart(pd.DataFrame({t("overview.offices", lang): by_country}), horizontal=True)


ui.require_app_navigation()
page()
