"""A partner's card: a dialog with the office's place, contacts, services in words, its other offices and the visit form.

Widget keys (stable): ``close_card``; the visit form's are in ``dashboard.members.visit_form``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.members import visit_form
from dashboard.members.selection import SELECTED, close_card
from dashboard.text import md, md_label
from partner_directory.geo.countries import country_name
from partner_directory.geo.geocoding.base import APPROXIMATE
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t
from partner_directory.links import email_href, website_href
from partner_directory.sheet.contract import offered_services, partner_key
from partner_directory.sheet.listing import office_place, offices_heading
from partner_directory.sheet.schema import SERVICES, sector_name, split_list


def card(table: pd.DataFrame, partner_id: str, lang: str) -> None:
    """Open the partner's card in a dialog: in view wherever the pick was made, focus inside it."""
    match = table[table["partner_id"] == partner_id]
    if match.empty:
        st.session_state.pop(SELECTED, None)
        return
    office = match.iloc[0]
    # A dialog's title is plain text with some markdown: escape the name.
    st.dialog(md(office["partner_name"] or partner_id), width="large", on_dismiss=close_card)(_card_body)(
        table, office, lang
    )


def _card_body(table: pd.DataFrame, office: pd.Series, lang: str) -> None:
    offices = table[table["partner_name"].map(partner_key) == partner_key(office["partner_name"])]
    visit_form.sign_in_offer(lang)  # first: on a phone the columns stack, and the form's column comes last
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"📍 {md(office_place(office, lang))}")
        if office["geocode_precision"] in APPROXIMATE:
            st.caption(t("ui.approximate", lang))
        if office["description"]:
            st.markdown(md(office["description"]))
        _facts(office, lang)
        _links(office, lang)
        offered = offered_services(office["services"])
        _services(offered, lang)
        if len(offices) > 1:
            _other_offices(offices, lang)
    with right:
        visit_form.visit_form(office, offered, lang)
    # An explicit close beside the dialog's own ×/Escape: a button press always reaches the server,
    # while a dismissal made during a run can be lost by Streamlit (the card closes, the pick stays).
    # A button in a dialog reruns only the dialog; the whole page must run again to close it.
    # The callback closes the card before any part of the page runs, so a rerun that drops the
    # click's value (the first run of a session, issue 18) cannot keep the card open.
    if st.button(t("card.close", lang), key="close_card", on_click=close_card):
        st.rerun()


def _facts(office: pd.Series, lang: str) -> None:
    rows = [
        (t("search.col.precision", lang), t(f"search.precision.{office['geocode_precision'] or 'none'}", lang)),
        (t("ui.sector", lang), ", ".join(sector_name(s, lang) for s in split_list(office["sectors"]))),
        (t("ui.language", lang), ", ".join(language_name(c, lang) for c in split_list(office["languages"]))),
        (t("ui.contact", lang), office["contact_name"]),
        (t("ui.phone", lang), office["contact_phone"]),
        (t("ui.bra_since", lang), office["bra_since"]),
        (t("ui.last_verified", lang), office["last_verified"] or t("ui.never", lang)),
    ]
    for label, value in rows:
        if value:
            st.markdown(f"**{md(label)}:** {md(value)}")


def _links(office: pd.Series, lang: str) -> None:
    links = st.columns(2)
    email_link = email_href(office["contact_email"]) if office["contact_email"] else None
    if email_link:
        links[0].link_button("✉️ " + md_label(office["contact_email"]), email_link)
    website_link = website_href(office["website"])
    if website_link:
        links[1].link_button(f"🌐 {t('ui.website', lang)}", website_link)


def _services(offered: tuple[str, ...], lang: str) -> None:
    st.markdown(f"**{md(t('ui.services_offered', lang))}**")
    # In words, not only as marks: a screen reader and a colour-blind reader get the same.
    for key, services in (
        ("card.services.offered", [s for s in SERVICES if s in offered]),
        ("card.services.not_offered", [s for s in SERVICES if s not in offered]),
    ):
        if services:
            names = ", ".join(t(f"service.{s}", lang) for s in services)
            st.markdown(f"{'✅' if key.endswith('.offered') else '▫️'} **{md(t(key, lang))}:** {md(names)}")


def _other_offices(offices: pd.DataFrame, lang: str) -> None:
    st.markdown(f"**{md(offices_heading(len(offices), lang))}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("ui.col.office", lang): offices["office_name"],
                t("ui.col.city", lang): offices["city"],
                t("ui.col.country", lang): [country_name(c, lang) for c in offices["country"]],
                t("ui.col.contact", lang): offices["contact_name"],
            }
        ),
        hide_index=True,
    )
