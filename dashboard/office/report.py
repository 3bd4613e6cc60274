"""The yearly BRA usage report on the office's page: the year, totals, a chart and the downloads.

Widgets only; every decision is in ``partner_directory.visits.report``. Widget
keys (stable): the year ``report_year``, downloads ``report_xlsx`` and ``report_csv``.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import downloads
from dashboard.office import visits
from dashboard.office.visits import register_or_say
from dashboard.settings import settings
from dashboard.text import md, say
from partner_directory.i18n import t
from partner_directory.visits.register import VisitFilter
from partner_directory.visits.report import (
    YearReport,
    answers_sentence,
    chart_data,
    default_report_year,
    heading,
    partner_table,
    report_csv,
    report_xlsx,
    year_report,
)


def _days_chart(report: YearReport, lang: str) -> alt.Chart:
    """Days per partner, stacked by direction, with every partner's name and the legend shown whole.

    ``st.bar_chart`` cuts axis labels at 200 pixels and offers no way to widen them; Vega-Lite's
    ``labelLimit=0`` does. Names are drawn as SVG text, never as HTML.
    """
    days = chart_data(report, lang)
    frame = days.reset_index().melt(id_vars="partner_name", var_name="direction", value_name="days")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("partner_name:N", sort=list(days.index), title=None, axis=alt.Axis(labelLimit=0)),
            x=alt.X("days:Q", title=t("report.days", lang), stack=True),
            color=alt.Color("direction:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=0)),
        )
        .properties(height=max(160, 28 * len(days)))
    )


def report_tab(lang: str) -> None:
    """The yearly BRA usage report: the year, totals, a chart and the downloads."""
    found = register_or_say(lang)
    if found is None:
        return
    today = visits.today()
    with_visits = found.choices()["years"]
    years = sorted({today.year, *with_visits}, reverse=True)
    default = default_report_year(with_visits, today=today)
    year = int(st.selectbox(t("visits.ui.year", lang), years, index=years.index(default), key="report_year"))
    report = year_report(found.find(VisitFilter(year=year)), year, today=today)
    cluster = settings().home_cluster_name
    st.subheader(say("report.title", lang, year=year), anchor=False)
    st.caption(md(heading(report, lang, cluster=cluster, issued=today)))
    metrics = st.columns(5)
    for place, key in zip(
        metrics, ("outgoing_visits", "outgoing_days", "incoming_visits", "incoming_days", "open_visits"), strict=True
    ):
        place.metric(t(f"report.total.{key}", lang), report.totals[key])
    st.markdown(md(answers_sentence(report, lang)))  # what hosts confirmed through the link; what waits for an answer
    if len(report.by_partner):
        st.altair_chart(_days_chart(report, lang), width="stretch")
        st.dataframe(partner_table(report, lang), hide_index=True, width="stretch")
        companies = report.by_company.assign(
            direction=[t(f"visits.direction.{d}", lang) for d in report.by_company["direction"]]
        )
        st.dataframe(
            companies.rename(columns=lambda c: t(f"report.column.{c}", lang)), hide_index=True, width="stretch"
        )
    else:
        st.info(say("visits.ui.report_empty", lang, year=year))
    downloads.spreadsheet_downloads(
        st.columns(2),
        key="report",
        file_stem=f"bra-report-{year}-{lang}",
        excel=downloads.Download(
            t("visits.ui.report_xlsx", lang), lambda: report_xlsx(report, lang, cluster=cluster, issued=today)
        ),
        csv=downloads.Download(
            t("visits.ui.report_csv", lang), lambda: report_csv(report, lang, cluster=cluster, issued=today)
        ),
    )
