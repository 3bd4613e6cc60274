"""Streamlit's floor: the five widgets the load journeys use, with nothing computed or drawn.

``streamlit run bench/floor_app.py``. It has the directory's widget keys
(``q``, ``near``, ``radius``, ``f_service``, ``clear``) and service labels, so
the same journeys of ``bench/bench_load.py`` drive it. Whatever it costs per
interaction is Streamlit's own (the session, the script run, the websocket, the
agent API), so the app's rate is reported as a share of this page's, measured
in the same run. Not part of the product.
"""

from __future__ import annotations

import streamlit as st

SERVICE_LABELS = ["Desk", "Meeting room", "Internet access", "Local introductions", "Events"]


def clear() -> None:
    for key in ("q", "near", "f_service"):
        st.session_state.pop(key, None)
    st.session_state["radius"] = 300


st.text_input("Search", key="q")
st.text_input("Near", key="near")
st.number_input("Within km", min_value=1, value=300, key="radius")
st.multiselect("Service", SERVICE_LABELS, key="f_service")
st.button("Clear all", key="clear", on_click=clear)
