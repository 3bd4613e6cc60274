"""Getting a draft: a file uploaded, or the published list (or the draft) edited in the table.

Widget keys (stable): ``upload`` (the file), ``editor`` (the table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, upload_guard
from dashboard.office import drafts
from dashboard.settings import settings
from dashboard.text import md, say
from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import t
from partner_directory.publication import publishing
from partner_directory.publication.drafts import Draft
from partner_directory.publication.store import Store
from partner_directory.sheet.schema import GEOCODE_COLUMNS
from partner_directory.sheet.validation import column_label

UPLOAD_MARKER = "_upload_marker"
UPLOAD_PROBLEMS = "_upload_problems"
PUBLISHED_DRAFT = "_published_draft"
ROW, PROBLEMS = "row", "problems"


def upload_tab(author: str, lang: str) -> None:
    """The upload: a file read into a new draft, or a sentence for each reason the whole file cannot be used."""
    config = settings()
    limit_mb = upload_guard.upload_limit_mb(config.upload_max_mb)  # the server refuses more (see server_guard)
    uploaded = st.file_uploader(
        t("staff.upload", lang),
        key="upload",  # any file: a wrong one gets our own sentence in the chosen language
        help=say("staff.upload_help", lang, mb=limit_mb),
        max_upload_size=limit_mb,
    )
    if uploaded is None:
        st.session_state.pop(UPLOAD_PROBLEMS, None)
        return
    marker = (uploaded.name, uploaded.size, getattr(uploaded, "file_id", ""))
    if st.session_state.get(UPLOAD_MARKER) != marker:
        st.session_state[UPLOAD_MARKER] = marker
        st.session_state.pop(UPLOAD_PROBLEMS, None)
        try:
            draft, report = publishing.draft_from_upload(
                uploaded.getvalue(),
                uploaded.name,
                base_version=data.store().current_version(),
                max_bytes=limit_mb * upload_guard.BYTES_PER_MB,
            )
        except PartnerDirectoryError as error:
            st.session_state[UPLOAD_PROBLEMS] = [error.message(lang)]
        else:
            if draft is None:  # the file as a whole cannot be used; a draft in progress stays
                st.session_state[UPLOAD_PROBLEMS] = [
                    p.message(lang, headers=report.headers) for p in report.errors if p.row is None
                ]
            else:
                drafts.set_draft(draft, author, lang)
    for problem in st.session_state.get(UPLOAD_PROBLEMS, []):
        st.error(md(problem))


def _published_draft(store: Store) -> Draft:
    version = store.current_version()
    kept = st.session_state.get(PUBLISHED_DRAFT)
    if kept is None or kept[0] != version:
        kept = st.session_state[PUBLISHED_DRAFT] = (version, publishing.draft_from_published(store))
    return kept[1]


def edit_tab(author: str, lang: str) -> None:
    """The table editor: the draft (or the published list) with each row's problems; every change is kept at once."""
    candidate = drafts.candidate()
    if candidate is None:
        draft = _published_draft(data.store())
        problems: Mapping[int, str] = {}
        st.caption(t("office.edit_published", lang))
    else:
        draft = candidate.draft
        problems = _row_problems(candidate, lang)
        st.caption(say("office.edit_draft", lang, what=drafts.describe(draft, lang)))
    st.caption(t("words.edit_help", lang))  # one true sentence beside "every change is kept on the server"
    view = pd.DataFrame(
        {
            ROW: list(draft.row_numbers),
            PROBLEMS: [problems.get(n, "") for n in draft.row_numbers],
            **{column: draft.rows[column] for column in draft.rows.columns if column not in publishing.NOTE_COLUMNS},
        }
    )
    headers = draft.header_map
    column_config: dict[str, Any] = {
        ROW: st.column_config.NumberColumn(t("validation.header.row", lang), format="%d", width="small"),
        PROBLEMS: st.column_config.TextColumn(t("office.col.problems", lang), width="medium"),
    }
    for column in draft.rows.columns:
        if column in publishing.NOTE_COLUMNS:
            continue
        label = column_label(column, lang)
        own = headers.get(column)
        column_config[column] = st.column_config.TextColumn(
            label, help=say("office.col.file_header", lang, header=own) if own and own != label else None
        )
    st.data_editor(
        view,
        num_rows="dynamic",
        key="editor",
        hide_index=True,
        width="stretch",
        disabled=[ROW, PROBLEMS, *GEOCODE_COLUMNS],
        column_config=column_config,
        on_change=_edits_made,
        args=(draft, author, lang),
    )


def _edits_made(draft: Draft, author: str, lang: str) -> None:
    """The editor changed: apply the change to the draft at once (so report and comparison follow it)."""
    state = st.session_state.get("editor") or {}
    edited = {
        int(position): {c: v for c, v in changes.items() if c not in (ROW, PROBLEMS)}
        for position, changes in (state.get("edited_rows") or {}).items()
    }
    added = [{c: v for c, v in row.items() if c not in (ROW, PROBLEMS)} for row in state.get("added_rows") or []]
    deleted = [int(position) for position in state.get("deleted_rows") or []]
    if not (edited or added or deleted):
        return
    drafts.set_draft(publishing.apply_edits(draft, edited=edited, added=added, deleted=deleted), author, lang)


def _row_problems(candidate: publishing.Candidate, lang: str) -> dict[int, str]:
    """For each spreadsheet row, the columns with an error (❌) or a warning (⚠️), named as the file does."""
    report = candidate.report
    found: dict[int, dict[str, list[str]]] = {}
    for problem in report.problems:
        if problem.row is None:
            continue
        kinds = found.setdefault(problem.row, {"error": [], "warning": []})
        label = report.column_label(problem.column, lang) or t("office.whole_row", lang)
        if label not in kinds[problem.severity]:
            kinds[problem.severity].append(label)
    return {
        row: " ".join(
            part
            for part in (
                "❌ " + ", ".join(kinds["error"]) if kinds["error"] else "",
                "⚠️ " + ", ".join(kinds["warning"]) if kinds["warning"] else "",
            )
            if part
        )
        for row, kinds in found.items()
    }
