"""The staff's data check: ask partners to check their offices, see where each stands, decide each corrected field.

Widgets only; every decision is in ``partner_directory.publication.datacheck``.
Decided answers become a draft of the published list (``datacheck.apply_answers``),
which then takes the page's usual way below the tabs: review, places, guarded
publish. Nothing a partner sends is published from here.

Widget keys (stable, for outside tools): ``datacheck_all``, ``datacheck_partners``,
``datacheck_start``; ``datacheck_check`` chooses a check; each corrected field
has ``datacheck_decision_<id>`` (accept, edit, reject) and ``datacheck_value_<id>``
(the edited value); ``datacheck_prepare`` puts the decided answers into a draft.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data, mail_worker
from dashboard.office import drafts
from dashboard.settings import settings
from dashboard.text import error_text, md, notice_later, say, show_notice
from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import t, tn
from partner_directory.mail import outbox
from partner_directory.publication import datacheck, publishing
from partner_directory.sheet.validation import column_label
from partner_directory.storage.database import Database

NOTICE = "_datacheck_notice"
UNDECIDED = ""


def _database(lang: str) -> Database | None:
    try:
        return data.register().database
    except PartnerDirectoryError as error:
        st.error(error_text(error, lang))
        return None


def _published() -> pd.DataFrame:
    store = data.store()
    return publishing.version_table(store, store.current_version())


def data_check_tab(author: str, lang: str) -> None:
    """The tab: start a check, then the chosen check's progress and the corrections to review."""
    database = _database(lang)
    if database is None:
        return
    show_notice(NOTICE)
    _start(database, author, lang)
    found = datacheck.checks(database)
    if not found:
        st.info(t("data_check.ui.none_yet", lang))
        return
    chosen = st.selectbox(
        t("data_check.ui.check", lang),
        options=[check.id for check in found],
        format_func=lambda number: _describe(next(c for c in found if c.id == number), lang),
        key="datacheck_check",
    )
    if chosen is None:
        return
    now = dt.datetime.now(dt.UTC)
    entries = datacheck.entries(database, chosen)
    answers = datacheck.field_answers(database, chosen)
    _progress(database, entries, now, lang)
    _review(database, entries, answers, author, lang)
    _prepare(entries, answers, author, lang)


def _describe(check: datacheck.Check, lang: str) -> str:
    return say("data_check.ui.check_option", lang, date=check.started_at.date().isoformat(), name=check.started_by)


def _start(database: Database, author: str, lang: str) -> None:
    st.subheader(t("data_check.ui.start_heading", lang), anchor=False)
    st.caption(
        say(
            "data_check.ui.start_help",
            lang,
            valid=tn("data_check.ui.valid_days", datacheck.LINK_LIFETIME.days, lang),
            after=tn("data_check.ui.after_days", datacheck.REMIND_AFTER_DAYS, lang),
        )
    )
    mail_worker.say_not_configured(lang, staff=True)  # the messages wait in the outbox until it is
    table = _published()
    partners = datacheck.partners_of(table)
    names = {partner.key: partner.name for partner in partners}
    everyone = st.checkbox(t("data_check.ui.all", lang), key="datacheck_all")
    chosen = st.multiselect(
        t("data_check.ui.partners", lang),
        options=list(names),
        format_func=lambda key: names.get(key, key),
        placeholder=t("data_check.ui.partners_placeholder", lang),
        disabled=everyone,
        key="datacheck_partners",
    )
    if not st.button(t("data_check.ui.start", lang), key="datacheck_start", type="primary"):
        return
    if not everyone and not chosen:
        st.warning(t("data_check.ui.nothing_chosen", lang))
        return
    try:
        started = datacheck.start(
            database,
            table,
            keys=None if everyone else chosen,
            by=author,
            now=dt.datetime.now(dt.UTC),
            sender=datacheck.sender_of(settings()),
        )
    except PartnerDirectoryError as error:
        st.error(error_text(error, lang))
        return
    mail_worker.wake()
    missing = ", ".join(started.without_address)
    notice_later(
        NOTICE,
        md(tn("data_check.ui.started", started.mailed, lang))
        + ("  \n" + say("data_check.ui.without_address", lang, names=missing) if missing else ""),
    )
    st.rerun()


def _mail_states(database: Database, entries: list[datacheck.Entry], lang: str) -> dict[str, str]:
    """Where the newest message to each partner stands: queued, sent, or failed with the server's reason."""
    records = {datacheck.record_of(entry.id) for entry in entries}
    newest: dict[str, outbox.OutboxEntry] = {}
    for message in outbox.entries(database, purposes=("data_check", "data_check_reminder"), limit=20_000):
        if message.record in records and message.record not in newest:
            newest[message.record] = message
    states = {}
    for record in records:
        last = newest.get(record)
        if last is None:
            states[record] = t("data_check.mail_status.none", lang)
        else:
            states[record] = t(f"data_check.mail_status.{last.status}", lang, reason=last.last_error)
    return states


def _progress(database: Database, entries: list[datacheck.Entry], now: dt.datetime, lang: str) -> None:
    st.subheader(t("data_check.ui.progress_heading", lang), anchor=False)
    st.markdown(say("data_check.ui.progress", lang, **datacheck.progress(entries, now=now)))
    mails = _mail_states(database, entries, lang)
    rows = []
    for entry in entries:
        state = t(f"data_check.state.{entry.state(now)}", lang)
        if entry.reminded_at is not None and not entry.answer:
            state += " · " + t("data_check.ui.reminded", lang, date=entry.reminded_at.date().isoformat())
        rows.append(
            {
                t("data_check.col.partner", lang): entry.partner_name,
                t("data_check.col.contact", lang): entry.contact_email,
                t("data_check.col.state", lang): state,
                t("data_check.col.mail", lang): mails.get(datacheck.record_of(entry.id), ""),
                t("data_check.col.answered", lang): entry.answered_at.date().isoformat() if entry.answered_at else "",
                t("data_check.col.note", lang): entry.note,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _decided(database: Database, field_id: int, author: str, proposed: str) -> None:
    """A decision widget changed: keep the decision (and an edited value) at once."""
    decision = st.session_state.get(f"datacheck_decision_{field_id}") or UNDECIDED
    value = st.session_state.get(f"datacheck_value_{field_id}", proposed)
    datacheck.decide(database, field_id, decision, by=author, now=dt.datetime.now(dt.UTC), value=str(value or ""))


def _review(
    database: Database,
    entries: list[datacheck.Entry],
    answers: list[datacheck.FieldAnswer],
    author: str,
    lang: str,
) -> None:
    st.subheader(t("data_check.ui.review_heading", lang), anchor=False)
    corrected = [entry for entry in entries if entry.answer == "corrected"]
    if not corrected:
        st.caption(t("data_check.ui.no_corrections", lang))
        return
    offices = _office_names()
    options = [UNDECIDED, *datacheck.DECISIONS]
    labels = {option: t(f"data_check.decision.{option or 'undecided'}", lang) for option in options}
    empty = t("data_check.ui.empty_value", lang)
    for entry in corrected:
        answered = entry.answered_at.date().isoformat() if entry.answered_at else ""
        with st.container(border=True):
            st.markdown(
                "**" + say("data_check.ui.partner_heading", lang, partner=entry.partner_name, date=answered) + "**"
            )
            if entry.note:
                st.caption(say("data_check.ui.partner_note", lang, note=entry.note))
            for answer in (a for a in answers if a.entry_id == entry.id):
                office = offices.get(answer.partner_id, answer.partner_id)
                st.markdown(say("data_check.ui.field", lang, office=office, field=column_label(answer.column, lang)))
                left, right = st.columns(2)
                left.markdown(say("data_check.ui.published", lang, value=answer.published or empty))
                right.markdown(say("data_check.ui.proposed", lang, value=answer.proposed or empty))
                key = f"datacheck_decision_{answer.id}"
                st.radio(
                    t("data_check.ui.decision", lang),
                    options=options,
                    index=options.index(answer.decision) if answer.decision in options else 0,
                    format_func=lambda option: md(labels[option]),
                    horizontal=True,
                    key=key,
                    on_change=_decided,
                    args=(database, answer.id, author, answer.proposed),
                )
                if st.session_state.get(key, answer.decision) == "edited":
                    st.text_input(
                        t("data_check.ui.edited_value", lang),
                        value=answer.decided_value or answer.proposed,
                        key=f"datacheck_value_{answer.id}",
                        on_change=_decided,
                        args=(database, answer.id, author, answer.proposed),
                    )


def _office_names() -> dict[str, str]:
    table = _published()
    names = {}
    for row in table.to_dict("records"):
        place = " — ".join(str(row.get(c) or "") for c in ("partner_name", "office_name", "city") if row.get(c))
        names[str(row.get("partner_id") or "")] = place
    return names


def _prepare(entries: list[datacheck.Entry], answers: list[datacheck.FieldAnswer], author: str, lang: str) -> None:
    st.caption(t("data_check.ui.prepare_help", lang))
    if not st.button(t("data_check.ui.prepare", lang), key="datacheck_prepare"):
        return
    if drafts.candidate() is not None:
        st.warning(t("data_check.ui.draft_in_progress", lang))
        return
    draft, verified = datacheck.apply_answers(publishing.draft_from_published(data.store()), entries, answers)
    if not verified:
        st.info(t("data_check.ui.nothing_to_apply", lang))
        return
    drafts.set_draft(draft, author, lang)
    st.session_state[drafts.NOTICE] = tn("data_check.ui.prepared", verified, lang)
    st.rerun()
