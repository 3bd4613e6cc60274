"""Members' page: search, filters, the map and the list, the partner card and the visit request."""

from __future__ import annotations

import streamlit as st

from dashboard import data, navigation, settings, signin, visibility
from dashboard.members import card, results, search, selection
from partner_directory.i18n import t


def page() -> None:
    lang = settings.language()
    st.title(t("ui.title", lang), anchor=False)
    # In the members' mode, a visitor who is not signed in gets a table and an index without contact data.
    found = visibility.directory()
    data.show_directory_problem(found, lang)
    index = visibility.search_index()
    signin.member_box(lang)
    search.restore_from_url()
    search.search_form(index, lang)
    criteria = search.criteria()
    view = (found.version, visibility.sees_contacts())
    shown = results.found(view, visibility.sees_only_public(), criteria, lang, index)
    results.summary(shown, criteria, index, lang)
    results.offices_map(shown, lang)
    results.offices_list(shown, criteria, lang)
    # The long introduction after the results: on a phone, members see the partners first.
    st.caption(t("ui.intro", lang))
    partner = selection.selected(frozenset(found.table["partner_id"]))
    search.share(criteria, lang)
    if partner:
        card.card(found.table, partner, lang)


navigation.require_app_navigation(default_page=True)
page()
