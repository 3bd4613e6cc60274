"""Office staff's page (``/staff``): the sign-in form, then a draft that is never lost — checked, compared, placed, published.

Every change to the draft (upload or edit) is kept on the server
(``partner_directory.publication.drafts``), so a reload, a lost connection or a restart
loses nothing; after the next sign-in the page offers to continue it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import server_guard, staff_auth, ui, visits_ui
from partner_directory.errors import (
    ChangeLogError,
    DraftTooBigError,
    PartnerDirectoryError,
    PublishConflictError,
    RiskyPublishError,
    StoreLockedError,
)
from partner_directory.geo.countries import country_name
from partner_directory.geo.geocoding.chain import Geocoder, describe_note
from partner_directory.i18n import t, tn
from partner_directory.publication import publishing
from partner_directory.publication.drafts import Draft, DraftStore
from partner_directory.publication.store import Store, Version
from partner_directory.sheet.export import csv_bytes
from partner_directory.sheet.schema import COLUMNS, GEOCODE_COLUMNS
from partner_directory.sheet.validation import ERROR, column_label
from partner_directory.text import slugify

DRAFT = "staff_draft"
DRAFT_AUTHOR = "staff_draft_author"  # who is signed in, whose draft the session holds
CANDIDATE = "staff_candidate"
DECIDED = "staff_draft_decided"  # the saved draft was continued or discarded in this session
CONFIRM = "staff_confirm"  # the draft whose risky publish awaits a yes or no
NOTICE = "staff_notice"
WARNING = "staff_warning"
UPLOAD_MARKER = "_upload_marker"
UPLOAD_PROBLEMS = "_upload_problems"
PUBLISHED_DRAFT = "_published_draft"
ROW, PROBLEMS = "row", "problems"


def _store() -> Store:
    return ui.store()


def _drafts() -> DraftStore:
    config = ui.settings()
    return DraftStore(config.drafts_dir, max_bytes=int(config.draft_max_mb * server_guard.BYTES_PER_MB))


def _geocoder() -> Geocoder:
    # A new chain for each geocoding run: Nominatim's rule "do not retry a failed
    # query" and the give-up after connection failures hold for one run, not for
    # the server's lifetime (the network may come back).
    return Geocoder.from_settings(ui.settings())


# -- the draft in the session and on the server ---------------------------------------------------


def _evaluate(draft: Draft) -> publishing.Candidate:
    return publishing.evaluate(draft, _store(), max_removed_share=ui.settings().max_removed_share)


def _set_draft(draft: Draft, author: str, lang: str) -> None:
    """Make ``draft`` the session's draft and keep it on the server."""
    try:
        draft = _drafts().save(draft, author=author)
    except DraftTooBigError as error:
        st.session_state[WARNING] = error.message(lang)
    except OSError as error:
        st.session_state[WARNING] = t("office.draft_not_kept", lang, reason=error.strerror or error)
    st.session_state[DRAFT] = draft
    st.session_state[DRAFT_AUTHOR] = author
    st.session_state[CANDIDATE] = _evaluate(draft)
    st.session_state[DECIDED] = True
    st.session_state.pop(CONFIRM, None)


def _candidate() -> publishing.Candidate | None:
    draft = st.session_state.get(DRAFT)
    if draft is None:
        return None
    candidate = st.session_state.get(CANDIDATE)
    if candidate is None or candidate.draft is not draft:
        candidate = st.session_state[CANDIDATE] = _evaluate(draft)
    return candidate


def _forget_draft(author: str) -> None:
    _drafts().discard(author)
    for key in (DRAFT, CANDIDATE, CONFIRM):
        st.session_state.pop(key, None)
    st.session_state[DECIDED] = True


def _describe(draft: Draft, lang: str) -> str:
    if draft.origin == "upload":
        return t("office.draft_upload", lang, name=draft.filename, rows=len(draft.rows))
    return t("office.draft_edit", lang, rows=len(draft.rows))


def _saved_when(draft: Draft) -> str:
    saved = draft.saved_at
    if saved is None:
        return "—"
    text = ui.local_time(saved)
    today = ui.local_time(dt.datetime.now(dt.UTC))[:10]
    return text[11:] if text[:10] == today else text


def _offer_saved_draft(author: str, lang: str) -> bool:
    """Offer the draft kept on the server after a sign-in; ``True`` while the offer waits for an answer."""
    if st.session_state.get(DECIDED) or DRAFT in st.session_state:
        return False
    saved = _drafts().load(author)
    if saved is None:
        st.session_state[DECIDED] = True
        return False
    with st.container(border=True):
        st.info(t("office.draft_offer", lang, when=_saved_when(saved), what=_describe(saved, lang)))
        left, right, _ = st.columns([2, 2, 3])
        if left.button(t("office.draft_continue", lang, when=_saved_when(saved)), key="draft_continue", type="primary"):
            st.session_state[DRAFT] = saved
            st.session_state[DRAFT_AUTHOR] = author
            st.session_state[DECIDED] = True
            st.rerun()
        if right.button(t("office.draft_discard", lang), key="draft_discard"):
            _forget_draft(author)
            st.session_state[NOTICE] = t("office.draft_discarded", lang)
            st.rerun()
    return True


# -- getting a draft: upload, or edit ------------------------------------------------------------


def _upload_tab(author: str, lang: str) -> None:
    config = ui.settings()
    limit_mb = server_guard.upload_limit_mb(config.upload_max_mb)  # the server refuses more (see server_guard)
    uploaded = st.file_uploader(
        t("staff.upload", lang),
        key="upload",  # any file: a wrong one gets our own sentence in the chosen language
        help=t("staff.upload_help", lang, mb=limit_mb),
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
                base_version=_store().current_version(),
                max_bytes=limit_mb * server_guard.BYTES_PER_MB,
            )
        except PartnerDirectoryError as error:
            st.session_state[UPLOAD_PROBLEMS] = [error.message(lang)]
        else:
            if draft is None:  # the file as a whole cannot be used; a draft in progress stays
                st.session_state[UPLOAD_PROBLEMS] = [
                    p.message(lang, headers=report.headers) for p in report.errors if p.row is None
                ]
            else:
                _set_draft(draft, author, lang)
    for problem in st.session_state.get(UPLOAD_PROBLEMS, []):
        st.error(ui.md(problem))


def _published_draft(store: Store) -> Draft:
    version = store.current_version()
    kept = st.session_state.get(PUBLISHED_DRAFT)
    if kept is None or kept[0] != version:
        kept = st.session_state[PUBLISHED_DRAFT] = (version, publishing.draft_from_published(store))
    return kept[1]


def _edit_tab(author: str, lang: str) -> None:
    candidate = _candidate()
    if candidate is None:
        draft = _published_draft(_store())
        problems: Mapping[int, str] = {}
        st.caption(t("office.edit_published", lang))
    else:
        draft = candidate.draft
        problems = _row_problems(candidate, lang)
        st.caption(t("office.edit_draft", lang, what=_describe(draft, lang)))
    st.caption(t("staff.edit_help", lang))
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
            label, help=t("office.col.file_header", lang, header=own) if own and own != label else None
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
    _set_draft(publishing.apply_edits(draft, edited=edited, added=added, deleted=deleted), author, lang)


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


# -- the candidate: report, comparison, places, publish -----------------------------------------


def _report(candidate: publishing.Candidate, lang: str) -> None:
    report = candidate.report
    frame = report.to_frame(lang)
    severity = t("validation.header.severity", lang)
    errors = frame[frame[severity] == t(f"validation.severity.{ERROR}", lang)]
    warnings = frame[frame[severity] != t(f"validation.severity.{ERROR}", lang)]
    st.markdown(
        t(
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
        with st.expander(t("staff.warnings", lang, count=len(warnings)), expanded=not len(errors)):
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
    risks = candidate.risks
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
                columns=", ".join(_label(candidate, c, lang) for c in risks.missing),
                count=max(risks.missing.values()),
            )
        )
    if risks.blanked:
        sentences.append(
            t(
                "office.risk_blanked",
                lang,
                details=", ".join(
                    t("office.in_offices", lang, column=_label(candidate, c, lang), count=n)
                    for c, n in risks.blanked.items()
                ),
            )
        )
    return sentences


def _diff(candidate: publishing.Candidate, author: str, lang: str) -> None:
    diff = candidate.diff
    added, changed, removed = diff.counts()
    st.subheader(t("staff.compare", lang), anchor=False)
    if diff.empty:
        st.info(t("staff.no_changes", lang))
        return
    st.markdown(t("staff.diff_summary", lang, added=added, changed=changed, removed=removed))
    for sentence in risk_sentences(candidate, lang):
        st.warning(ui.md(sentence))
    if candidate.risks.missing:
        st.button(
            t("office.keep_published", lang),
            key="keep_published",
            on_click=lambda: _set_draft(publishing.keep_published_values(candidate), author, lang),
        )
    if added:
        with st.expander(t("staff.added", lang, count=added)):
            st.dataframe(_rows(diff.added, lang), hide_index=True)
    if changed:
        with st.expander(t("staff.changed", lang, count=changed), expanded=True):
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
        with st.expander(t("staff.removed", lang, count=removed)):
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


def _places(candidate: publishing.Candidate, author: str, lang: str) -> None:
    st.subheader(t("staff.places", lang), anchor=False)
    if candidate.unplaced:
        st.info(t("office.to_place", lang, count=len(candidate.unplaced)))
        if st.button(t("staff.geocode", lang), key="geocode", type="primary"):
            bar = st.progress(0.0, text=t("staff.geocoding", lang))
            draft = publishing.place(
                candidate, _geocoder(), progress=lambda done, total: bar.progress(done / max(total, 1))
            )
            bar.empty()
            _set_draft(draft, author, lang)
            st.rerun()  # show the result without the button that is no longer needed
        return
    worked_on = {*candidate.diff.added_positions, *candidate.diff.changed_positions}
    attention = publishing.needs_attention(candidate.table)
    attention = attention[attention.index.isin(sorted(worked_on))]  # only the offices this draft adds or changes
    if attention.empty:
        st.success(t("staff.all_placed", lang))
        return
    st.warning(t("staff.attention", lang, count=len(attention)))
    latitude = pd.to_numeric(attention["latitude"], errors="coerce")
    longitude = pd.to_numeric(attention["longitude"], errors="coerce")
    editor = st.data_editor(
        pd.DataFrame(
            {
                "partner_id": attention["partner_id"],
                "partner_name": attention["partner_name"],
                "city": attention["city"],
                "precision": [t(f"staff.precision.{p}", lang) for p in attention["geocode_precision"]],
                "note": [
                    describe_note(str(note or ""), str(places or "").split("; "), lang)
                    for note, places in zip(
                        attention.get("geocode_note", pd.Series("", index=attention.index)),
                        attention.get("geocode_suggestions", pd.Series("", index=attention.index)),
                        strict=True,
                    )
                ],
                "latitude": latitude,
                "longitude": longitude,
            }
        ),
        disabled=["partner_id", "partner_name", "city", "precision", "note"],
        hide_index=True,
        key="manual_coordinates",
        column_config={
            "latitude": st.column_config.NumberColumn(
                t("staff.col.latitude", lang), min_value=-90, max_value=90, format="%.5f"
            ),
            "longitude": st.column_config.NumberColumn(
                t("staff.col.longitude", lang), min_value=-180, max_value=180, format="%.5f"
            ),
            "partner_id": st.column_config.TextColumn(t("field.partner_id", lang)),
            "precision": st.column_config.TextColumn(t("staff.col.precision", lang)),
            "note": st.column_config.TextColumn(t("geocoding.col.note", lang)),
            "partner_name": st.column_config.TextColumn(t("staff.col.partner", lang)),
            "city": st.column_config.TextColumn(t("staff.col.city", lang)),
        },
    )
    _suggestions(candidate, attention, author, lang)
    if st.button(t("staff.save_coordinates", lang), key="save_coordinates"):
        changes = {}
        for position, row, old_latitude, old_longitude in zip(
            attention.index, editor.to_dict("records"), latitude, longitude, strict=True
        ):
            new_latitude, new_longitude = row["latitude"], row["longitude"]
            if (
                pd.notna(new_latitude)
                and pd.notna(new_longitude)
                and (new_latitude, new_longitude)
                != (
                    old_latitude,
                    old_longitude,
                )
            ):
                changes[int(position)] = (float(new_latitude), float(new_longitude))
        try:
            draft = publishing.place_by_hand(candidate.draft, changes)
        except PartnerDirectoryError as error:
            st.error(ui.md(error.message(lang)))
        else:
            _set_draft(draft, author, lang)
            st.session_state[NOTICE] = t("staff.coordinates_saved", lang, count=len(changes))
            st.rerun()


def _suggestions(candidate: publishing.Candidate, attention: pd.DataFrame, author: str, lang: str) -> None:
    """Pick a place the gazetteer suggests for an office, instead of typing coordinates."""
    from partner_directory.geo.gazetteer.queries import default_gazetteer

    with st.expander(t("staff.suggest", lang)):
        labels = {
            int(position): f"{row['partner_name']} · {row['city'] or row['address']}"
            for position, row in zip(attention.index, attention.to_dict("records"), strict=True)
        }
        office = st.selectbox(
            t("staff.suggest_office", lang), options=list(labels), format_func=labels.get, key="suggest_office"
        )
        places = (
            publishing.suggested_places(candidate.table.iloc[office].to_dict(), default_gazetteer())
            if office is not None
            else []
        )
        if not places:
            st.caption(t("staff.no_suggestions", lang))
            return
        choice = st.selectbox(
            t("staff.suggest_place", lang),
            options=range(len(places)),
            key="suggest_place",
            format_func=lambda i: (
                f"{places[i].name} ({places[i].country}, {places[i].population:,} · {places[i].latitude:.3f}, {places[i].longitude:.3f})"
            ),
        )
        if st.button(t("staff.use_place", lang), key="use_place") and office is not None:
            chosen = places[choice]
            _set_draft(
                publishing.place_by_hand(candidate.draft, {office: (chosen.latitude, chosen.longitude)}),
                author,
                lang,
            )
            st.session_state[NOTICE] = t("staff.coordinates_saved", lang, count=1)
            st.rerun()


def _publish(candidate: publishing.Candidate, author: str, lang: str) -> None:
    st.subheader(t("staff.publish", lang), anchor=False)
    store = _store()
    if candidate.base_version != store.current_version():
        st.warning(t("office.stale", lang))
        if st.button(t("office.rebase", lang), key="rebase"):
            _set_draft(publishing.rebase(candidate.draft, store), author, lang)
            st.rerun()
    if not candidate.report.ok:
        st.info(t("staff.fix_first", lang))
    elif not candidate.geocoded:
        st.info(t("staff.geocode_first", lang))
    elif candidate.diff.empty:
        st.info(t("staff.no_changes", lang))
    if st.session_state.get(CONFIRM) is candidate.draft:
        with st.container(border=True):
            st.warning(t("office.confirm", lang))
            for sentence in risk_sentences(candidate, lang):
                st.markdown("- " + ui.md(sentence))
            left, right, _ = st.columns([2, 2, 3])
            if left.button(t("office.publish_anyway", lang), key="publish_confirm", type="primary"):
                _do_publish(candidate, author, lang, confirmed=True)
            if right.button(t("office.publish_cancel", lang), key="publish_cancel"):
                st.session_state.pop(CONFIRM, None)
                st.session_state[NOTICE] = t("office.not_published", lang)
                st.rerun()
        return
    if st.button(t("staff.publish_button", lang), type="primary", disabled=not candidate.publishable, key="publish"):
        if candidate.risks.any:
            st.session_state[CONFIRM] = candidate.draft
            st.rerun()
        _do_publish(candidate, author, lang, confirmed=False)


def _do_publish(candidate: publishing.Candidate, author: str, lang: str, *, confirmed: bool) -> None:
    try:
        version = publishing.publish(candidate, _store(), author=author, confirmed=confirmed)
    except ChangeLogError as error:  # live and in the history; only the log entry is missing: say exactly that
        _forget_draft(author)
        st.warning(ui.md(t("staff.published_without_log", lang, reason=error.message(lang))))
    except PublishConflictError:
        st.error(t("staff.conflict", lang))
    except StoreLockedError:
        st.error(t("staff.locked", lang))
    except RiskyPublishError as error:
        st.error(error.message(lang))
    except (OSError, PartnerDirectoryError) as error:
        st.error(
            t(
                "staff.publish_failed",
                lang,
                reason=error.message(lang) if isinstance(error, PartnerDirectoryError) else error.strerror or error,
            )
        )
    else:
        _forget_draft(author)
        st.session_state[NOTICE] = t("office.published", lang, version=version_name(version), rows=version.rows)
        st.rerun()


# -- history and downloads ----------------------------------------------------------------------


def version_name(version: Version) -> str:
    """A version as people name it: when it was published and by whom."""
    return f"{ui.local_time(version.created_at)} · {version.author}"


def _history_tab(author: str, lang: str) -> None:
    store = _store()
    versions = store.versions()
    current = next((v for v in versions if v.id == store.current_version()), None)
    if not versions:
        st.info(t("staff.no_history", lang))
        return
    by_file = {v.file: v for v in versions}
    for version in versions:
        is_current = current is not None and version.file == current.file
        with st.container(border=True):
            columns = st.columns([4, 1, 1])
            label = t(
                "office.version_line",
                lang,
                name=version_name(version),
                summary=_summary(version, by_file, lang),
                added=version.added,
                changed=version.changed,
                removed=version.removed,
                rows=version.rows,
            )
            columns[0].markdown(("✅ " if is_current else "") + ui.md(label))
            when = version.created_at.strftime("%Y%m%d-%H%M")
            columns[1].download_button(
                t("staff.download", lang),
                lambda v=version.id: store.read_version(v),
                file_name=f"partners-{when}-{slugify(version.author) or 'office'}.csv",
                mime="text/csv",
                on_click="ignore",
                key=f"download-{version.file}",
            )
            if (current is None or version.id != current.id) and columns[2].button(
                t("staff.restore", lang), key=f"restore-{version.file}"
            ):
                try:
                    publishing.restore(store, version, author=author, base_version=store.current_version())
                except PublishConflictError:
                    st.error(t("staff.conflict", lang))
                except StoreLockedError:
                    st.error(t("staff.locked", lang))
                else:
                    st.session_state[NOTICE] = t("office.restored", lang, version=version_name(version))
                    st.rerun()


def _summary(version: Version, by_file: Mapping[str, Version], lang: str) -> str:
    if version.summary.startswith("restore:"):
        restored = by_file.get(version.restored_from)
        name = version_name(restored) if restored is not None else version.summary.split(":", 1)[1]
        return t("office.summary.restore", lang, version=name)
    if version.summary in {"upload", "edit", "initial"}:
        return t(f"staff.summary.{version.summary}", lang)
    return version.summary


def _downloads_tab(lang: str) -> None:
    store = _store()
    table, _ = publishing.published_table(store)
    cols = st.columns(3)
    ui.table_downloads(
        table,
        labels=(t("staff.download_csv", lang), t("staff.download_xlsx", lang)),
        name="partners",
        key="published",
        places=cols[:2],
    )
    template = pd.DataFrame(columns=list(COLUMNS))
    cols[2].download_button(
        t("staff.download_template", lang),
        csv_bytes(template, columns=list(COLUMNS)),
        file_name="partners_template.csv",
        mime="text/csv",
        on_click="ignore",
        key="template",
    )
    visits_ui.backup_button(lang)


def page() -> None:
    lang = ui.language()
    author = staff_auth.current_staff()
    if author is None:  # not signed in, or the session is new: the sign-in form, at this same address
        staff_auth.sign_in_form(lang)
        return
    if st.session_state.get(DRAFT_AUTHOR) != author:  # a new sign-in (maybe someone else): their own draft
        for key in (DRAFT, CANDIDATE, CONFIRM, DECIDED):
            st.session_state.pop(key, None)
        st.session_state[DRAFT_AUTHOR] = author
    st.title(t("staff.title", lang), anchor=False)
    top = st.columns([5, 1])
    top[0].caption(t("staff.signed_in_as", lang, name=ui.md(author), date=dt.date.today().isoformat()))
    top[1].button(t("staff.sign_out", lang), on_click=staff_auth.sign_out, key="sign_out")
    if NOTICE in st.session_state:
        st.success(ui.md(st.session_state.pop(NOTICE)))  # sentences may carry a typed name
    if WARNING in st.session_state:
        st.warning(ui.md(st.session_state.pop(WARNING)))
    if _offer_saved_draft(author, lang):
        return
    upload, edit, history, downloads, visits, report = st.tabs(
        [
            t("staff.tab.upload", lang),
            t("staff.tab.edit", lang),
            t("staff.tab.history", lang),
            t("staff.tab.downloads", lang),
            t("visits.ui.tab_register", lang),
            t("visits.ui.tab_report", lang),
        ]
    )
    # Each step on its own: a failure in one is a sentence there, and the other steps still work.
    with upload, ui.failures_as_sentences("upload", lang):
        _upload_tab(author, lang)
    with edit, ui.failures_as_sentences("edit", lang):
        _edit_tab(author, lang)
    with history, ui.failures_as_sentences("history", lang):
        _history_tab(author, lang)
    with downloads, ui.failures_as_sentences("downloads", lang):
        _downloads_tab(lang)
    with visits, ui.failures_as_sentences("visits", lang):
        visits_ui.register_tab(author, lang)
    with report, ui.failures_as_sentences("bra_report", lang):
        visits_ui.report_tab(lang)
    with ui.failures_as_sentences("draft", lang):
        candidate = _candidate()
    if candidate is None:
        return
    st.divider()
    header = st.columns([5, 1])
    header[0].header(t("staff.candidate", lang, origin=_describe(candidate.draft, lang)), anchor=False)
    if header[1].button(t("office.draft_discard", lang), key="discard_draft"):
        _forget_draft(author)
        st.session_state[NOTICE] = t("office.draft_discarded", lang)
        st.rerun()
    st.caption(t("office.draft_kept", lang, when=_saved_when(candidate.draft)))
    with ui.failures_as_sentences("report", lang):
        _report(candidate, lang)
    with ui.failures_as_sentences("compare", lang):
        _diff(candidate, author, lang)
    with ui.failures_as_sentences("places", lang):
        _places(candidate, author, lang)
    with ui.failures_as_sentences("publish", lang):
        _publish(candidate, author, lang)


ui.require_app_navigation()
with ui.failures_as_sentences("page", ui.language()):
    page()
