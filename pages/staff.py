"""Office staff's page (``/staff``): the sign-in form, then a draft that is never lost — checked, compared, placed, published.

Every change to the draft (upload or edit) is kept on the server, so a reload, a
lost connection or a restart loses nothing (see ``dashboard.office.drafts``).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import navigation, settings, signin
from dashboard.office import datacheck, drafts, editing, history, outbox, places, publish, report, review, visits
from dashboard.text import failures_as_sentences, md
from partner_directory.i18n import t


def page() -> None:
    lang = settings.language()
    author = signin.current_staff()
    if author is None:  # not signed in, or the session is new: the sign-in form, at this same address
        signin.sign_in_form(lang)
        return
    drafts.start(author)
    st.title(t("staff.title", lang), anchor=False)
    top = st.columns([5, 1])
    top[0].caption(t("staff.signed_in_as", lang, name=md(author), date=dt.date.today().isoformat()))
    top[1].button(t("staff.sign_out", lang), on_click=signin.sign_out, key="sign_out")
    drafts.show_messages()
    if drafts.offer_saved_draft(author, lang):
        return
    tabs = st.tabs(
        [
            t("staff.tab.upload", lang),
            t("staff.tab.edit", lang),
            t("staff.tab.history", lang),
            t("staff.tab.downloads", lang),
            t("visits.ui.tab_register", lang),
            t("visits.ui.tab_report", lang),
            t("data_check.ui.tab", lang),
            t("mail_sending.tab", lang),
        ]
    )
    # Each step on its own: a failure in one is a sentence there, and the other steps still work.
    steps = [
        ("upload", lambda: editing.upload_tab(author, lang)),
        ("edit", lambda: editing.edit_tab(author, lang)),
        ("history", lambda: history.history_tab(author, lang)),
        ("downloads", lambda: history.downloads_tab(lang)),
        ("visits", lambda: visits.register_tab(author, lang)),
        ("bra_report", lambda: report.report_tab(lang)),
        ("data_check", lambda: datacheck.data_check_tab(author, lang)),
        ("outbox", lambda: outbox.outbox_tab(lang)),
    ]
    for tab, (step, show) in zip(tabs, steps, strict=True):
        with tab, failures_as_sentences(step, lang):
            show()
    with failures_as_sentences("draft", lang):
        candidate = drafts.candidate()
    if candidate is None:
        return
    st.divider()
    drafts.candidate_header(candidate, author, lang)
    with failures_as_sentences("report", lang):
        review.report(candidate, lang)
    with failures_as_sentences("compare", lang):
        review.diff(candidate, author, lang)
    with failures_as_sentences("places", lang):
        places.places(candidate, author, lang)
    with failures_as_sentences("publish", lang):
        publish.publish(candidate, author, lang)


navigation.require_app_navigation()
with failures_as_sentences("page", settings.language()):
    page()
