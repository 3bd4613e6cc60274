"""The app with its own routes (the members' sign-in cookie, the partners' data-check page): ``streamlit run asgi.py``, as ``make run`` and ``make serve`` do.

``app.py`` stays the page script; this file only adds ``dashboard.member_cookie``'s
and ``dashboard.data_check``'s routes through Streamlit's public ``st.App``.
"""

import streamlit as st

from dashboard import data_check
from dashboard.member_cookie import routes
from dashboard.signin import member_signing_key

app = st.App("app.py", routes=[*routes(member_signing_key), *data_check.routes()])
