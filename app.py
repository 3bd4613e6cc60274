"""The BRA partner directory (``streamlit run app.py``): navigation and the language switch.

Members' pages are public. The office has one address, ``/staff``: it shows the
sign-in form to a person who is not signed in and the data page once signed in,
so a reload or a bookmark never meets "Page not found" and staff land on the
data page after signing in (the data page still checks the sign-in itself).
"""

from __future__ import annotations

import streamlit as st

from dashboard import mail_worker, pacing, settings, signin, style
from partner_directory.i18n import t

pacing.pace()  # before any work: a flood of reruns waits its turn here
st.set_page_config(page_title=t("ui.title", settings.language()), page_icon="🤝", layout="wide")
style.page_style()

lang = settings.language_switch()
pages = [
    st.Page("pages/directory.py", title=t("nav.directory", lang), icon="🗺️", default=True, url_path="directory"),
    st.Page("pages/overview.py", title=t("nav.overview", lang), icon="📊", url_path="overview"),
]
signed_in = signin.current_staff() is not None
pages.append(
    st.Page(
        "pages/staff.py",
        title=t("nav.staff" if signed_in else "nav.sign_in", lang),
        icon="🗂️" if signed_in else "🔐",
        url_path="staff",
    )
)
mail_worker.start()  # once per process: the thread that sends the outbox; cheap at every later run
st.navigation(pages).run()
