"""The yearly BRA usage report for the coordinator, and the anonymised totals members may see.

A visit counts in the year it starts. *Used* means completed: a completed
visit counts once, with its actual days (its planned days when staff gave
none). Requested and confirmed visits are counted apart as still open;
cancelled ones only in the status counts. Of the requests mailed to hosts,
the report counts those the host confirmed through the link, and says in a
sentence how many are still unanswered. Outgoing visits are our members at
partners' offices, incoming ones partners' members with us; both are reported
per partner cluster and per member company.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from partner_directory.geo.countries import country_name
from partner_directory.i18n import t, tn
from partner_directory.sheet.export import text_cell
from partner_directory.visits.register import DIRECTIONS, STATUSES, Visit, people_csv
from partner_directory.visits.rules import may_complete

PARTNER_COLUMNS = ("partner_name", "country", "outgoing_visits", "outgoing_days", "incoming_visits", "incoming_days")
COMPANY_COLUMNS = ("member_company", "direction", "visits", "days", "partners")
TOTAL_KEYS = (
    "outgoing_visits",
    "outgoing_days",
    "incoming_visits",
    "incoming_days",
    "open_visits",
    *(f"status_{s}" for s in STATUSES),
    "host_confirmed",
    "unanswered",
)


#: In these first months of a year the coordinator hands in last year's report, so it opens on that year.
HANDING_IN_MONTHS = 3


def default_report_year(years: Iterable[int], *, today: dt.date) -> int:
    """The year the report opens on: the last complete year or the current one, never a future one.

    ``years`` are the years that have visits. Last year is shown while its report
    is being handed in (:data:`HANDING_IN_MONTHS`) or when this year has no visit yet.

    >>> default_report_year([2027, 2026], today=dt.date(2026, 12, 4))  # January requests already in
    2026
    >>> default_report_year([2026, 2027], today=dt.date(2027, 1, 15))
    2026
    """
    with_visits = set(years)
    last = today.year - 1
    if last in with_visits and (today.month <= HANDING_IN_MONTHS or today.year not in with_visits):
        return last
    return today.year


@dataclass(frozen=True)
class YearReport:
    """One year's use of the agreement.

    ``by_partner`` has :data:`PARTNER_COLUMNS` (most days first),
    ``by_company`` has :data:`COMPANY_COLUMNS`, ``totals`` has :data:`TOTAL_KEYS`.
    """

    year: int
    by_partner: pd.DataFrame
    by_company: pd.DataFrame
    totals: dict[str, int]


def used(visit: Visit, *, today: dt.date | None = None) -> bool:
    """Whether ``visit`` counts as used: completed, and (given ``today``) its days have begun.

    A visit marked completed before its first day (by hand, before the rule
    :func:`~partner_directory.visits.rules.may_complete` held) uses nothing yet.
    """
    return visit.status == "completed" and (today is None or may_complete(visit.start, today=today))


def year_report(visits: Sequence[Visit], year: int, *, today: dt.date | None = None) -> YearReport:
    """Count ``visits`` that start in ``year`` (visits of other years are ignored); see :func:`used`."""
    in_year = [v for v in visits if v.start.year == year]
    used_visits = [v for v in in_year if used(v, today=today)]
    partners: dict[str, dict[str, object]] = {}
    for visit in used_visits:
        entry = partners.setdefault(
            visit.partner_name,
            {"partner_name": visit.partner_name, "country": visit.country, **dict.fromkeys(PARTNER_COLUMNS[2:], 0)},
        )
        entry[f"{visit.direction}_visits"] = int(entry[f"{visit.direction}_visits"]) + 1  # type: ignore[call-overload]
        entry[f"{visit.direction}_days"] = int(entry[f"{visit.direction}_days"]) + visit.days_used  # type: ignore[call-overload]
        entry["country"] = entry["country"] or visit.country
    by_partner = pd.DataFrame(list(partners.values()), columns=list(PARTNER_COLUMNS))
    if len(by_partner):
        by_partner["total_days"] = by_partner["outgoing_days"] + by_partner["incoming_days"]
        by_partner = by_partner.sort_values(
            ["total_days", "partner_name"], ascending=[False, True], key=_sort_key
        ).drop(columns="total_days")
    companies: dict[tuple[str, str], dict[str, object]] = {}
    hosts: dict[tuple[str, str], set[str]] = {}
    for visit in used_visits:
        key = (visit.member_company, visit.direction)
        entry = companies.setdefault(
            key, {"member_company": visit.member_company, "direction": visit.direction, "visits": 0, "days": 0}
        )
        entry["visits"] = int(entry["visits"]) + 1  # type: ignore[call-overload]
        entry["days"] = int(entry["days"]) + visit.days_used  # type: ignore[call-overload]
        hosts.setdefault(key, set()).add(visit.partner_name)
    for key, entry in companies.items():
        entry["partners"] = len(hosts[key])
    by_company = pd.DataFrame(list(companies.values()), columns=list(COMPANY_COLUMNS))
    if len(by_company):
        by_company = by_company.sort_values(
            ["direction", "days", "member_company"], ascending=[False, False, True], key=_sort_key
        )
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    for direction in DIRECTIONS:
        totals[f"{direction}_visits"] = sum(1 for v in used_visits if v.direction == direction)
        totals[f"{direction}_days"] = sum(v.days_used for v in used_visits if v.direction == direction)
    for status in STATUSES:
        totals[f"status_{status}"] = sum(1 for v in in_year if v.status == status)
    totals["open_visits"] = totals["status_requested"] + totals["status_confirmed"] + totals["status_proposed"]
    totals["host_confirmed"] = sum(1 for v in in_year if v.direction == "outgoing" and v.host_answer == "confirmed")
    totals["unanswered"] = sum(1 for v in in_year if v.unanswered)
    return YearReport(year, by_partner.reset_index(drop=True), by_company.reset_index(drop=True), totals)


def answers_sentence(report: YearReport, language: str = "en") -> str:
    """What hosts confirmed through the link, and how many requests mailed to hosts are still unanswered.

    >>> answers_sentence(YearReport(2026, pd.DataFrame(), pd.DataFrame(), {"host_confirmed": 2, "unanswered": 1}))
    'Outgoing requests of this year that hosts confirmed through the link in the mail: 2. 1 request mailed to a host is still unanswered.'
    """
    unanswered = report.totals.get("unanswered", 0)
    waiting = tn("report.unanswered", unanswered, language) if unanswered else t("report.unanswered.none", language)
    return t("report.host_confirmed", language, count=report.totals.get("host_confirmed", 0)) + " " + waiting


def _sort_key(column: pd.Series) -> pd.Series:
    return column.str.casefold() if column.dtype == object else column


def chart_data(report: YearReport, language: str = "en") -> pd.DataFrame:
    """Days used per partner, outgoing and incoming, indexed by partner: ready for a stacked bar chart."""
    data = report.by_partner.set_index("partner_name")[["outgoing_days", "incoming_days"]]
    return data.rename(
        columns={
            "outgoing_days": t("report.outgoing_days", language),
            "incoming_days": t("report.incoming_days", language),
        }
    )


def anonymised_totals(
    visits: Sequence[Visit], *, year: int | None = None, today: dt.date | None = None
) -> pd.DataFrame:
    """Where members go: completed outgoing visits and days per host partner and country.

    No company, person, date or note leaves this function, only counts per
    partner cluster (which is public in the directory anyway).
    """
    rows: dict[str, dict[str, object]] = {}
    for visit in visits:
        if visit.direction != "outgoing" or not used(visit, today=today):
            continue
        if year is not None and visit.start.year != year:
            continue
        entry = rows.setdefault(
            visit.partner_name, {"partner_name": visit.partner_name, "country": visit.country, "visits": 0, "days": 0}
        )
        entry["visits"] = int(entry["visits"]) + 1  # type: ignore[call-overload]
        entry["days"] = int(entry["days"]) + visit.days_used  # type: ignore[call-overload]
    table = pd.DataFrame(list(rows.values()), columns=["partner_name", "country", "visits", "days"])
    if len(table):
        table = table.sort_values(["visits", "partner_name"], ascending=[False, True], key=_sort_key)
    return table.reset_index(drop=True)


def heading(report: YearReport, language: str = "en", *, cluster: str = "", issued: dt.date | None = None) -> str:
    """The line under the report's title: whose report, the period it covers and the date of issue."""
    return t(
        "report.heading",
        language,
        cluster=cluster,
        start=dt.date(report.year, 1, 1).isoformat(),
        end=dt.date(report.year, 12, 31).isoformat(),
        issued=(issued or dt.date(report.year, 12, 31)).isoformat(),
    )


def partner_table(report: YearReport, language: str = "en") -> pd.DataFrame:
    """The per-partner table as people read it: countries named in ``language``, headers in ``language``."""
    table = report.by_partner.assign(country=[country_name(str(c), language) for c in report.by_partner["country"]])
    return table.rename(columns={c: t(f"report.column.{c}", language) for c in PARTNER_COLUMNS})


def report_xlsx(report: YearReport, language: str = "en", *, cluster: str = "", issued: dt.date | None = None) -> bytes:
    """The report as an Excel workbook in ``language``: a summary, per partner with a bar chart, per company.

    The summary names the home ``cluster``, the period and the date ``issued``.
    Names are stored as text cells (never formulas), countries by name, counts
    as numbers so the chart and the coordinator's own sums work.
    """
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    workbook = Workbook()
    summary = workbook.active
    summary.title = t("report.sheet.summary", language)[:31]
    _append(summary, [t("report.title", language, year=report.year)])
    _append(summary, [heading(report, language, cluster=cluster, issued=issued)])
    for key in TOTAL_KEYS:
        _append(summary, [t(f"report.total.{key}", language), report.totals[key]])
    summary.column_dimensions["A"].width = 48

    partners = workbook.create_sheet(t("report.sheet.partners", language)[:31])
    _append(partners, [t(f"report.column.{c}", language) for c in PARTNER_COLUMNS])
    for row in partner_table(report, language).itertuples(index=False):
        _append(partners, list(row))
    partners.column_dimensions["A"].width = 40
    partners.column_dimensions["B"].width = 18
    if len(report.by_partner):
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = t("report.chart_title", language, year=report.year)
        chart.x_axis.title = t("report.column.partner_name", language)
        chart.y_axis.title = t("report.days", language)
        last = len(report.by_partner) + 1
        for column in (4, 6):  # outgoing_days, incoming_days
            chart.add_data(Reference(partners, min_col=column, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(partners, min_col=1, min_row=2, max_row=last))
        _fit(chart, report, language)
        partners.add_chart(chart, "H2")

    companies = workbook.create_sheet(t("report.sheet.companies", language)[:31])
    _append(companies, [t(f"report.column.{c}", language) for c in COMPANY_COLUMNS])
    for row in report.by_company.itertuples(index=False):
        values = list(row)
        values[1] = t(f"visits.direction.{values[1]}", language)
        _append(companies, values)
    companies.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


#: A chart's size in centimetres per row of bars and per character of the longest name (openpyxl's units).
CHART_CM_PER_BAR = 0.9
CHART_CM_PER_CHARACTER = 0.22


def _fit(chart: Any, report: YearReport, language: str) -> None:
    """Size ``chart`` so that every partner's name, the legend and the titles are shown whole."""
    from openpyxl.chart.layout import Layout, ManualLayout

    names = [str(n) for n in report.by_partner["partner_name"]]
    legend = [t("report.outgoing_days", language), t("report.incoming_days", language)]
    longest = max(len(n) for n in names)
    chart.x_axis.delete = False  # openpyxl hides both axes, and with them every label, unless told
    chart.y_axis.delete = False
    chart.legend.position = "b"  # below the bars: its words do not take the bars' width
    chart.height = max(9.0, 4.5 + CHART_CM_PER_BAR * len(names))
    title = t("report.chart_title", language, year=report.year)
    chart.width = max(18.0, CHART_CM_PER_CHARACTER * max(len(title), sum(len(w) for w in legend) + 6) + 2)
    share = min(0.6, max(0.15, CHART_CM_PER_CHARACTER * longest / chart.width))  # the names' share of the width
    chart.layout = Layout(manualLayout=ManualLayout(x=share, y=0.1, w=0.95 - share, h=0.65))


def _append(sheet: object, values: list[object]) -> None:
    # Counts as numbers (the chart and the coordinator's sums need them); every name through the one text cell.
    row = [
        value if isinstance(value, int | float) and not isinstance(value, bool) else text_cell(sheet, str(value))
        for value in values
    ]
    sheet.append(row)  # type: ignore[attr-defined]


def report_csv(report: YearReport, language: str = "en", *, cluster: str = "", issued: dt.date | None = None) -> bytes:
    """The report as guarded CSV in ``language`` (``;`` in Polish, countries by name), ready to hand in.

    First the title, whose report it is with the period and the date ``issued``
    (:func:`heading`) and the totals, one per line; an empty line; then the
    per-partner table with its header. One file, UTF-8 with one BOM, CRLF.
    """
    summary = pd.DataFrame(
        [[heading(report, language, cluster=cluster, issued=issued), ""]]
        + [[t(f"report.total.{key}", language), str(report.totals[key])] for key in TOTAL_KEYS],
        columns=[t("report.title", language, year=report.year), ""],
    )
    table = people_csv(partner_table(report, language).astype(str), language)
    return people_csv(summary, language) + b"\r\n" + table.removeprefix(codecs.BOM_UTF8)
