"""Members' page: the network at a glance."""

from __future__ import annotations

import streamlit as st

from dashboard import navigation, overview, settings
from partner_directory.i18n import t


def page() -> None:
    lang = settings.language()
    st.title(t("overview.title", lang), anchor=False)
    table = overview.metrics(lang)
    if table is None:
        return
    overview.by_place(table, lang)
    overview.where_members_go(lang)  # anonymised counts from the visits register


navigation.require_app_navigation()
page()
