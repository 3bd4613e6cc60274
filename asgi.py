"""The app with its own routes: ``streamlit run asgi.py``, as ``make run`` and ``make serve`` do.

``app.py`` stays the page script; this file only adds the app's own routes through
Streamlit's public ``st.App``: ``dashboard.member_cookie`` (the members' sign-in cookie),
``dashboard.data_check`` (a partner confirms its offices) and ``dashboard.host_answer``
(the host's one-click answer to a visit request).
"""

import streamlit as st

from dashboard import data_check, host_answer
from dashboard.member_cookie import routes
from dashboard.signin import member_signing_key

app = st.App("app.py", routes=[*routes(member_signing_key), *data_check.routes(), *host_answer.routes()])
