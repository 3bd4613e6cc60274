"""The app with its own routes (the members' sign-in cookie): ``streamlit run asgi.py``, as ``make run`` and ``make serve`` do.

``app.py`` stays the page script; this file only adds ``dashboard.member_cookie``'s
route through Streamlit's public ``st.App``.
"""

import streamlit as st

from dashboard.member_cookie import routes
from dashboard.signin import member_signing_key

app = st.App("app.py", routes=routes(member_signing_key))
