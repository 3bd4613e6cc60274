"""Office staff's page (``/staff``): the sign-in form, then upload or edit, check, compare, place, publish, history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import staff_auth
import ui
import visits_ui
from partner_directory import publishing
from partner_directory.countries import country_name
from partner_directory.errors import PartnerDirectoryError, PublishConflictError, StoreLockedError
from partner_directory.export import csv_bytes
from partner_directory.geocoding import Geocoder, describe_note
from partner_directory.i18n import t, tn
from partner_directory.schema import COLUMNS, GEOCODE_COLUMNS
from partner_directory.store import Store
from partner_directory.validation import ERROR

CANDIDATE = "staff_candidate"
NOTICE = "staff_notice"


def _store() -> Store:
    config = ui.settings()
    return Store(config.data_file, history_dir=config.history_dir, lock_timeout=config.lock_timeout)


def _geocoder() -> Geocoder:
    # A new chain for each geocoding run: Nominatim's rule "do not retry a failed
    # query" and the give-up after connection failures hold for one run, not for
    # the server's lifetime (the network may come back).
    return Geocoder.from_settings(ui.settings())


def _report(candidate: publishing.Candidate, lang: str) -> None:
    report = candidate.report
    file_level = [p for p in report.errors if p.row is None]
    if file_level:
        for problem in file_level:
            st.error(ui.md(problem.message(lang)))
        return
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
        st.error(t("staff.errors_block", lang))
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


def _diff(candidate: publishing.Candidate, lang: str) -> None:
    diff = candidate.diff
    added, changed, removed = diff.counts()
    st.subheader(t("staff.compare", lang), anchor=False)
    if diff.empty:
        st.info(t("staff.no_changes", lang))
        return
    st.markdown(t("staff.diff_summary", lang, added=added, changed=changed, removed=removed))
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
                            t("staff.col.field", lang): field,
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
            "partner_id": table["partner_id"],
            t("staff.col.partner", lang): table["partner_name"],
            t("staff.col.city", lang): table["city"],
            t("staff.col.country", lang): [country_name(code, lang) for code in table["country"]],
        }
    )


def _places(candidate: publishing.Candidate, lang: str) -> publishing.Candidate:
    st.subheader(t("staff.places", lang), anchor=False)
    if not candidate.geocoded:
        if st.button(t("staff.geocode", lang), key="geocode", type="primary"):
            bar = st.progress(0.0, text=t("staff.geocoding", lang))
            candidate = publishing.geocode(
                candidate, _geocoder(), progress=lambda done, total: bar.progress(done / max(total, 1))
            )
            bar.empty()
            st.session_state[CANDIDATE] = candidate
            st.rerun()  # show the result without the button that is no longer needed
        return candidate
    attention = publishing.needs_attention(candidate.table)
    if attention.empty:
        st.success(t("staff.all_placed", lang))
        return candidate
    st.warning(t("staff.attention", lang, count=len(attention)))
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
                "latitude": pd.to_numeric(attention["lat"], errors="coerce"),
                "longitude": pd.to_numeric(attention["lon"], errors="coerce"),
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
            "precision": st.column_config.TextColumn(t("staff.col.precision", lang)),
            "note": st.column_config.TextColumn(t("geocoding.col.note", lang)),
            "partner_name": st.column_config.TextColumn(t("staff.col.partner", lang)),
            "city": st.column_config.TextColumn(t("staff.col.city", lang)),
        },
    )
    _suggestions(candidate, attention, lang)
    if st.button(t("staff.save_coordinates", lang), key="save_coordinates"):
        changes = {}
        for row, original in zip(editor.to_dict("records"), attention.to_dict("records"), strict=True):
            latitude, longitude = row["latitude"], row["longitude"]
            if (
                pd.notna(latitude)
                and pd.notna(longitude)
                and (latitude, longitude) != (original["lat"], original["lon"])
            ):
                changes[row["partner_id"]] = (float(latitude), float(longitude))
        try:
            candidate = publishing.apply_manual_coordinates(candidate, changes)
        except PartnerDirectoryError as error:
            st.error(ui.md(error.message(lang)))
        else:
            st.session_state[CANDIDATE] = candidate
            st.success(t("staff.coordinates_saved", lang, count=len(changes)))
    return candidate


def _suggestions(candidate: publishing.Candidate, attention: pd.DataFrame, lang: str) -> None:
    """Pick a place the gazetteer suggests for an office, instead of typing coordinates."""
    from partner_directory.gazetteer import default_gazetteer

    with st.expander(t("staff.suggest", lang)):
        labels = {
            row["partner_id"]: f"{row['partner_name']} · {row['city'] or row['address']}"
            for row in attention.to_dict("records")
        }
        office = st.selectbox(
            t("staff.suggest_office", lang), options=list(labels), format_func=labels.get, key="suggest_office"
        )
        row = attention[attention["partner_id"] == office]
        places = publishing.suggested_places(row.iloc[0].to_dict(), default_gazetteer()) if len(row) else []
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
        if st.button(t("staff.use_place", lang), key="use_place"):
            place = places[choice]
            st.session_state[CANDIDATE] = publishing.apply_manual_coordinates(
                candidate, {office: (place.latitude, place.longitude)}
            )
            st.session_state[NOTICE] = t("staff.coordinates_saved", lang, count=1)
            st.rerun()


def _publish(candidate: publishing.Candidate, author: str, lang: str) -> None:
    st.subheader(t("staff.publish", lang), anchor=False)
    if not candidate.report.ok:
        st.info(t("staff.fix_first", lang))
    elif not candidate.geocoded:
        st.info(t("staff.geocode_first", lang))
    elif candidate.diff.empty:
        st.info(t("staff.no_changes", lang))
    if st.button(t("staff.publish_button", lang), type="primary", disabled=not candidate.publishable, key="publish"):
        try:
            version = publishing.publish(candidate, _store(), author=author)
        except PublishConflictError:
            st.error(t("staff.conflict", lang))
        except StoreLockedError:
            st.error(t("staff.locked", lang))
        except (OSError, PartnerDirectoryError) as error:
            st.error(
                t(
                    "staff.publish_failed",
                    lang,
                    reason=error.message(lang) if isinstance(error, PartnerDirectoryError) else error.strerror or error,
                )
            )
        else:
            st.session_state.pop(CANDIDATE, None)
            st.session_state[NOTICE] = t(
                "staff.published", lang, version=version.id, offices=tn("count.offices", version.rows, lang)
            )
            st.rerun()


def _upload_tab(lang: str) -> None:
    config = ui.settings()
    uploaded = st.file_uploader(
        t("staff.upload", lang),
        key="upload",  # any file: a wrong one gets our own sentence in the chosen language
        help=t("staff.upload_help", lang, mb=f"{config.upload_max_mb:g}"),
    )
    if uploaded is None:
        return
    marker = (uploaded.name, uploaded.size, getattr(uploaded, "file_id", ""))
    if st.session_state.get("_upload_marker") != marker:
        st.session_state["_upload_marker"] = marker
        try:
            st.session_state[CANDIDATE] = publishing.prepare_upload(
                uploaded.getvalue(), uploaded.name, _store(), max_bytes=int(config.upload_max_mb * 1_000_000)
            )
        except PartnerDirectoryError as error:
            st.session_state.pop(CANDIDATE, None)
            st.error(ui.md(error.message(lang)))


def _edit_tab(lang: str) -> None:
    store = _store()
    table, _ = publishing.published_table(store)
    editable = publishing.editable(table)
    st.caption(t("staff.edit_help", lang))
    edited = st.data_editor(
        editable, num_rows="dynamic", key="editor", hide_index=True, width="stretch", disabled=list(GEOCODE_COLUMNS)
    )
    if st.button(t("staff.check_edits", lang), key="check_edits"):
        try:
            st.session_state[CANDIDATE] = publishing.prepare_edit(edited, store)
        except PartnerDirectoryError as error:
            st.error(ui.md(error.message(lang)))


def _history_tab(author: str, lang: str) -> None:
    store = _store()
    versions = store.versions()
    current = store.current_version()
    if not versions:
        st.info(t("staff.no_history", lang))
        return
    for version in versions:
        with st.container(border=True):
            columns = st.columns([4, 1, 1])
            when = version.created[:19].replace("T", " ")
            summary = _summary(version.summary, lang)
            label = t(
                "staff.version_line",
                lang,
                when=when,
                author=version.author,
                summary=summary,
                added=version.added,
                changed=version.changed,
                removed=version.removed,
            )
            columns[0].markdown(("✅ " if version.id == current else "") + ui.md(label))
            columns[1].download_button(
                t("staff.download", lang),
                lambda v=version.id: store.read_version(v),
                file_name=f"partners-{version.id}.csv",
                mime="text/csv",
                on_click="ignore",
                key=f"download-{version.file}",
            )
            if version.id != current and columns[2].button(t("staff.restore", lang), key=f"restore-{version.file}"):
                try:
                    store.restore(version.id, author=author, base_version=current)
                except PublishConflictError:
                    st.error(t("staff.conflict", lang))
                except StoreLockedError:
                    st.error(t("staff.locked", lang))
                else:
                    st.session_state[NOTICE] = t("staff.restored", lang, when=when)
                    st.rerun()


def _summary(summary: str, lang: str) -> str:
    if summary.startswith("restore:"):
        return t("staff.summary.restore", lang, version=summary.split(":", 1)[1])
    return t(f"staff.summary.{summary}", lang) if summary in {"upload", "edit", "initial"} else summary


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
    st.title(t("staff.title", lang), anchor=False)
    top = st.columns([5, 1])
    top[0].caption(t("staff.signed_in_as", lang, name=author, date=dt.date.today().isoformat()))
    top[1].button(t("staff.sign_out", lang), on_click=staff_auth.sign_out, key="sign_out")
    if NOTICE in st.session_state:
        st.success(st.session_state.pop(NOTICE))
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
    with upload:
        _upload_tab(lang)
    with edit:
        _edit_tab(lang)
    with history:
        _history_tab(author, lang)
    with downloads:
        _downloads_tab(lang)
    with visits:
        visits_ui.register_tab(author, lang)
    with report:
        visits_ui.report_tab(lang)
    candidate = st.session_state.get(CANDIDATE)
    if candidate is None:
        return
    st.divider()
    st.header(t("staff.candidate", lang, origin=t(f"staff.summary.{candidate.origin}", lang)), anchor=False)
    _report(candidate, lang)
    if any(p.row is None for p in candidate.report.errors):
        return
    _diff(candidate, lang)
    candidate = _places(candidate, lang)
    _publish(candidate, author, lang)


ui.require_app_navigation()
page()
