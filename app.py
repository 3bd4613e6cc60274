"""The BRA partner directory (``streamlit run app.py``): navigation and the language switch.

Members' pages are public; the office's data page is offered only to signed-in
staff (and checks again itself, since a page is reachable by its address).
"""

from __future__ import annotations

import streamlit as st

import staff_auth
import ui
from partner_directory.i18n import t

st.set_page_config(page_title=t("ui.title", ui.language()), page_icon="🤝", layout="wide")
ui.page_style()

lang = ui.language_switch()
pages = [
    st.Page("pages/directory.py", title=t("nav.directory", lang), icon="🗺️", default=True, url_path="directory"),
    st.Page("pages/overview.py", title=t("nav.overview", lang), icon="📊", url_path="overview"),
]
if staff_auth.current_staff():
    pages.append(st.Page("pages/staff.py", title=t("nav.staff", lang), icon="🗂️", url_path="staff"))
else:
    pages.append(st.Page("pages/sign_in.py", title=t("nav.sign_in", lang), icon="🔐", url_path="sign-in"))
st.navigation(pages).run()
