"""The published versions (download, restore) and the office's downloads (the list, the template, the backup).

Widget keys (stable): ``download-<file>``, ``restore-<file>`` (and ``restore_confirm``, ``restore_cancel`` when a
restore could hurt), ``published_csv``,
``published_xlsx``, ``template``, ``backup_zip``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard import data, downloads
from dashboard.office import drafts, review
from dashboard.office.visits import backup_button
from dashboard.settings import settings
from dashboard.text import error_text, local_time, md
from partner_directory.errors import PublishConflictError, RiskyPublishError, StoreLockedError
from partner_directory.i18n import t
from partner_directory.publication import publishing
from partner_directory.publication.store import Version
from partner_directory.sheet.export import csv_bytes
from partner_directory.sheet.schema import COLUMNS
from partner_directory.sheet.validation import column_label
from partner_directory.text import slugify

RESTORE_CONFIRM = "staff_restore_confirm"  # the version file whose risky restore awaits a yes or no


def version_name(version: Version) -> str:
    """A version as people name it: when it was published and by whom."""
    return f"{local_time(version.created_at)} · {version.author}"


def history_tab(author: str, lang: str) -> None:
    """Every published version, newest first: download it, or restore it as the published list."""
    store = data.store()
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
            columns[0].markdown(("✅ " if is_current else "") + md(label))
            when = version.created_at.strftime("%Y%m%d-%H%M")
            columns[1].download_button(
                t("staff.download", lang),
                functools.partial(store.read_version, version.id),
                file_name=f"partners-{when}-{slugify(version.author) or 'office'}.csv",
                mime="text/csv",
                on_click="ignore",
                key=f"download-{version.file}",
            )
            if (current is None or version.id != current.id) and columns[2].button(
                t("staff.restore", lang), key=f"restore-{version.file}"
            ):
                _ask_or_restore(version, author, lang)
            if st.session_state.get(RESTORE_CONFIRM) == version.file:
                _confirm_restore(version, author, lang)


def _ask_or_restore(version: Version, author: str, lang: str) -> None:
    """Restore ``version`` at once, or first ask when it could hurt (the rule of a publish)."""
    store = data.store()
    risks = publishing.restore_risks(
        store, version, base_version=store.current_version(), max_removed_share=settings().max_removed_share
    )
    if risks.any:
        st.session_state[RESTORE_CONFIRM] = version.file
        st.rerun()
    _restore(version, author, lang, confirmed=False)


def _confirm_restore(version: Version, author: str, lang: str) -> None:
    """The yes-or-no of a restore that could hurt, with what it would do."""
    store = data.store()
    risks = publishing.restore_risks(
        store, version, base_version=store.current_version(), max_removed_share=settings().max_removed_share
    )
    with st.container(border=True):
        st.warning(t("office.restore_confirm", lang))
        for sentence in review.sentences_of_risks(risks, lambda column: column_label(column, lang), lang):
            st.markdown("- " + md(sentence))
        left, right, _ = st.columns([2, 2, 3])
        if left.button(t("office.restore_anyway", lang), key="restore_confirm", type="primary"):
            st.session_state.pop(RESTORE_CONFIRM, None)
            _restore(version, author, lang, confirmed=True)
        if right.button(t("office.restore_cancel", lang), key="restore_cancel"):
            st.session_state.pop(RESTORE_CONFIRM, None)
            st.session_state[drafts.NOTICE] = t("office.not_restored", lang)
            st.rerun()


def _restore(version: Version, author: str, lang: str, *, confirmed: bool) -> None:
    store = data.store()
    try:
        restored = publishing.restore(
            store,
            version,
            author=author,
            base_version=store.current_version(),
            confirmed=confirmed,
            max_removed_share=settings().max_removed_share,
        )
    except PublishConflictError:
        st.error(t("staff.conflict", lang))
    except StoreLockedError:
        st.error(t("staff.locked", lang))
    except RiskyPublishError as error:  # the list changed between the question and the click: ask again
        st.session_state[RESTORE_CONFIRM] = version.file
        st.error(error_text(error, lang))
    else:
        st.session_state[drafts.NOTICE] = t(
            "office.restored_counts",
            lang,
            version=version_name(version),
            added=restored.added,
            changed=restored.changed,
            removed=restored.removed,
        )
        st.rerun()


def _summary(version: Version, by_file: Mapping[str, Version], lang: str) -> str:
    if version.summary.startswith("restore:"):
        restored = by_file.get(version.restored_from)
        name = version_name(restored) if restored is not None else version.summary.split(":", 1)[1]
        return t("office.summary.restore", lang, version=name)
    if version.summary in {"upload", "edit", "initial"}:
        return t(f"staff.summary.{version.summary}", lang)
    return version.summary


def downloads_tab(lang: str) -> None:
    """The published list as CSV and Excel, the empty template, and the office's backup."""
    store = data.store()
    table, _ = publishing.published_table(store)
    cols = st.columns(3)
    downloads.table_downloads(
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
    backup_button(lang)
