"""Members' page: search, filters, the map and the list, the partner card and the visit request."""

from __future__ import annotations

import streamlit as st

from dashboard import navigation, settings, signin, visibility
from dashboard.members import card, results, search, selection, view
from partner_directory.i18n import t


def page() -> None:
    lang = settings.language()
    st.title(t("ui.title", lang), anchor=False)
    signin.member_box(lang)
    search.restore_from_url()
    # A search reruns only this fragment: the form, the sentence, the map, the list and the address.
    view.search_and_results(lang)
    # The long introduction after the results: on a phone, members see the partners first.
    st.caption(t("ui.intro", lang))
    found = visibility.directory()
    partner = selection.selected(results.partners((found.version, visibility.sees_contacts()), found.table))
    view.frame_drew(found.version, partner)
    if partner:
        card.card(found.table, partner, lang)


navigation.require_app_navigation(default_page=True)
page()
