"""Staff sign-in: OpenID Connect (``st.login``) when configured, else the staff password."""

from __future__ import annotations

import math

import streamlit as st

import staff_auth
import ui
from partner_directory.i18n import t


def page() -> None:
    lang = ui.language()
    st.title(t("staff.sign_in_title", lang), anchor=False)
    settings = staff_auth.config()
    if not settings.configured:
        st.warning(t("staff.not_configured", lang))
        st.code(t("staff.configure_howto", lang), language="toml")
        return
    if settings.oidc:
        st.button(t("staff.sign_in_oidc", lang), on_click=st.login, type="primary", key="oidc")
    if settings.password_hash:
        with st.form("sign-in"):
            name = st.text_input(t("staff.your_name", lang), key="staff_name")
            password = st.text_input(t("staff.password", lang), type="password", key="staff_password")
            submitted = st.form_submit_button(t("staff.sign_in", lang), type="primary")
        if submitted:
            outcome = staff_auth.try_password(name, password)
            if outcome == "ok":
                st.rerun()
            seconds = math.ceil(staff_auth.wait_seconds())
            if outcome == "wait":
                st.error(t("office.sign_in_wait", lang, seconds=max(seconds, 1)))
            else:
                st.error(t("staff.sign_in_wrong", lang) + " " + t("office.sign_in_next", lang, seconds=seconds))


page()
