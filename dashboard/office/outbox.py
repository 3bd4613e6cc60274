"""The office's outgoing mail: where each message stands (queued, sent, failed with the server's reason), and a retry.

Widgets only; what a status and a reason mean is decided in
``partner_directory.mail`` (``outbox``, ``sending``). Widget keys (stable, for
outside tools): ``outbox_pick`` chooses a message that is not sent,
``outbox_retry`` queues it again at once.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data, mail_worker
from dashboard.settings import settings
from dashboard.text import local_time, md, notice_later, say, show_notice
from partner_directory.i18n import t, tn
from partner_directory.mail import outbox
from partner_directory.mail.outbox import OutboxEntry
from partner_directory.mail.sending import failure_sentence, purpose_name

NOTICE = "_outbox_notice"
#: The most messages the page lists (newest first).
SHOWN = 200


def status_key(entry: OutboxEntry) -> str:
    """The status as the page names it: a queued message that has failed before is ``retrying``."""
    if entry.status == "queued" and entry.attempts:
        return "retrying"
    return entry.status


def outbox_tab(lang: str) -> None:
    """The outbox on the office's page: a sentence on the configuration, the messages, and "try again now"."""
    show_notice(NOTICE)
    config = settings()
    if mail_worker.say_not_configured(lang, staff=True):
        st.caption(
            say(
                "mail_sending.configured",
                lang,
                server=f"{config.smtp_host}:{config.mail_port}",
                sender=config.mail_sender,
            )
        )
    database = data.register().database
    entries = outbox.entries(database, limit=SHOWN)
    if not entries:
        st.caption(t("mail_sending.empty", lang))
        return
    counts = {status: sum(1 for entry in entries if entry.status == status) for status in outbox.STATUSES}
    summary = ", ".join(tn(f"mail_sending.summary.{status}", count, lang) for status, count in counts.items() if count)
    st.caption(tn("mail_sending.shown", len(entries), lang, summary=md(summary)))
    st.dataframe(_table(entries, lang), hide_index=True, width="stretch")
    waiting = [entry for entry in entries if entry.status != "sent"]
    if not waiting:
        st.caption(t("mail_sending.nothing_to_retry", lang))
        return
    # A selectbox's options are plain text (never markdown): the subject is shown as it is.
    labels = {
        entry.id: t(
            "mail_sending.pick_label",
            lang,
            id=entry.id,
            status=t(f"mail_sending.status.{status_key(entry)}", lang),
            subject=entry.subject,
        )
        for entry in waiting
    }
    columns = st.columns([4, 1], vertical_alignment="bottom")
    picked = columns[0].selectbox(
        t("mail_sending.pick", lang),
        list(labels),
        index=None,
        format_func=lambda entry_id: labels.get(entry_id, str(entry_id)),
        placeholder=t("mail_sending.pick_placeholder", lang),
        key="outbox_pick",
    )
    if columns[1].button(t("mail_sending.retry", lang), key="outbox_retry", disabled=picked is None) and picked:
        outbox.retry_now(database, picked, now=dt.datetime.now(dt.UTC))
        mail_worker.wake()
        notice_later(NOTICE, say("mail_sending.retried", lang, id=picked))
        st.rerun()


def _table(entries: list[OutboxEntry], lang: str) -> pd.DataFrame:
    # A table's cells are shown as text by Streamlit: no markdown, so the subject and the server's reason stay text.
    rows = []
    for entry in entries:
        if entry.status == "sent" and entry.sent_at is not None:
            when = local_time(entry.sent_at)
        elif entry.status == "queued":
            when = local_time(entry.next_attempt_at)
        else:
            when = ""
        rows.append(
            {
                t("mail_sending.column.created", lang): local_time(entry.created_at),
                t("mail_sending.column.status", lang): t(f"mail_sending.status.{status_key(entry)}", lang),
                t("mail_sending.column.purpose", lang): purpose_name(entry.purpose, lang),
                t("mail_sending.column.record", lang): entry.record,
                t("mail_sending.column.recipients", lang): ", ".join(entry.recipients),
                t("mail_sending.column.subject", lang): entry.subject,
                t("mail_sending.column.attempts", lang): entry.attempts,
                t("mail_sending.column.when", lang): when,
                t("mail_sending.column.reason", lang): failure_sentence(entry.last_error, lang),
            }
        )
    return pd.DataFrame(rows)
