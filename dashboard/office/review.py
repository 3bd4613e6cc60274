"""Reviewing a draft: the validation report, and the comparison with the published list and its risks.

Widget keys (stable): ``errors_table``, ``warnings_table``, ``download_report``,
``keep_published``, ``changes_table``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.office import drafts
from dashboard.text import md, say
from partner_directory.geo.countries import country_name
from partner_directory.i18n import t, tn
from partner_directory.publication import publishing
from partner_directory.sheet.export import csv_bytes
from partner_directory.sheet.validation import ERROR, column_label


def report(candidate: publishing.Candidate, lang: str) -> None:
    """The validation report: a summary, the errors that block, the warnings, and the report as a CSV."""
    report = candidate.report
    frame = report.to_frame(lang)
    severity = t("validation.header.severity", lang)
    errors = frame[frame[severity] == t(f"validation.severity.{ERROR}", lang)]
    warnings = frame[frame[severity] != t(f"validation.severity.{ERROR}", lang)]
    st.markdown(
        say(
            "staff.report_summary",
            lang,
            rows=tn("count.rows", report.rows, lang),
            errors=tn("count.errors", len(errors), lang),
            warnings=tn("count.warnings", len(warnings), lang),
        )
    )
    if len(errors):
        st.error(t("office.errors_block", lang))
        st.dataframe(errors.drop(columns=[severity]), hide_index=True, key="errors_table")
    if len(warnings):
        with st.expander(say("staff.warnings", lang, count=len(warnings)), expanded=not len(errors)):
            st.dataframe(warnings.drop(columns=[severity]), hide_index=True, key="warnings_table")
    st.download_button(
        t("staff.download_report", lang),
        lambda: csv_bytes(frame, columns=list(frame.columns)),
        file_name="validation-report.csv",
        mime="text/csv",
        on_click="ignore",
        key="download_report",
    )


def _label(candidate: publishing.Candidate, column: str, lang: str) -> str:
    return column_label(column, lang, candidate.report.headers)


def risk_sentences(candidate: publishing.Candidate, lang: str) -> list[str]:
    """What could hurt in this publish, one sentence each."""
    return sentences_of_risks(candidate.risks, lambda column: _label(candidate, column, lang), lang)


def sentences_of_risks(risks: publishing.Risks, label: Callable[[str], str], lang: str) -> list[str]:
    """What could hurt in a publish or a restore, one sentence each; ``label`` names a column."""
    sentences = []
    if risks.removes_too_many:
        sentences.append(
            t(
                "office.risk_removed",
                lang,
                removed=risks.removed,
                published=risks.published,
                share=round(100 * risks.removed / risks.published),
                limit=f"{100 * risks.max_removed_share:g}",
            )
        )
    if risks.missing:
        sentences.append(
            t(
                "office.risk_missing",
                lang,
                columns=", ".join(label(c) for c in risks.missing),
                count=max(risks.missing.values()),
            )
        )
    if risks.blanked:
        sentences.append(
            t(
                "office.risk_blanked",
                lang,
                details=", ".join(
                    t("office.in_offices", lang, column=label(c), count=n) for c, n in risks.blanked.items()
                ),
            )
        )
    return sentences


def diff(candidate: publishing.Candidate, author: str, lang: str) -> None:
    """The comparison with the published list: counts, risks, and the offices added, changed and removed."""
    diff = candidate.diff
    added, changed, removed = diff.counts()
    st.subheader(t("staff.compare", lang), anchor=False)
    if diff.empty:
        st.info(t("staff.no_changes", lang))
        return
    st.markdown(say("staff.diff_summary", lang, added=added, changed=changed, removed=removed))
    for sentence in risk_sentences(candidate, lang):
        st.warning(md(sentence))
    if candidate.risks.missing:
        st.button(
            t("office.keep_published", lang),
            key="keep_published",
            on_click=lambda: drafts.set_draft(publishing.keep_published_values(candidate), author, lang),
        )
    if added:
        with st.expander(say("staff.added", lang, count=added)):
            st.dataframe(_rows(diff.added, lang), hide_index=True)
    if changed:
        with st.expander(say("staff.changed", lang, count=changed), expanded=True):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("staff.col.partner", lang): change.partner_name,
                            t("staff.col.field", lang): _label(candidate, field, lang),
                            t("staff.col.old", lang): old,
                            t("staff.col.new", lang): new,
                        }
                        for change in diff.changed
                        for field, (old, new) in change.fields.items()
                    ]
                ),
                hide_index=True,
                key="changes_table",
            )
    if removed:
        with st.expander(say("staff.removed", lang, count=removed)):
            st.dataframe(_rows(diff.removed, lang), hide_index=True)


def _rows(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Whole added or removed rows, shown by id, name, city and country under translated headers."""
    return pd.DataFrame(
        {
            t("field.partner_id", lang): table["partner_id"],
            t("staff.col.partner", lang): table["partner_name"],
            t("staff.col.city", lang): table["city"],
            t("staff.col.country", lang): [country_name(code, lang) for code in table["country"]],
        }
    )
