"""Every run waits for its turn first: a session's and a client's runs are paced (``partner_directory.access.pacing``).

``app.py`` calls :func:`pace` before anything else, so a run over its budget
costs the process a sleep and nothing more. While it waits, a newer request of
the same session ends it at the next yield point (reading the session state is
one: Streamlit then starts the newer run), so a flood is coalesced into its
latest request. Sessions without a network address -- the machine itself, a
local browser, AppTest -- are not paced.
"""

from __future__ import annotations

import logging
import time

import streamlit as st

from dashboard import navigation, signin
from partner_directory.access.pacing import Pacer

_log = logging.getLogger("partner_directory.pacing")
#: Read from the session state after each wait: Streamlit's yield point, where a newer run takes over.
_YIELD_POINT = "_pacing_yield_point"


@st.cache_resource
def pacer() -> Pacer:
    """The budgets of every session and client of this process."""
    return Pacer()


def _client() -> str | None:
    """Whose budget a run counts against: ``signin.client_key`` (the one owner), or ``None`` for the machine."""
    try:
        address = st.context.ip_address
    except Exception:  # no request context (a bare script run)
        return None
    return signin.client_key() if isinstance(address, str) and address else None


def pace() -> None:
    """Wait until this session and its client may run the page (at once, for any member within the budget)."""
    session = navigation.session_id()
    client = _client()
    if session is None or client is None:
        return
    waited = 0.0
    while (wait := pacer().admit(session=session, client=client, now=time.monotonic())) > 0:
        if not waited:
            _log.debug("Pacing session %s of %s: %.3f s", session, client, wait)
        time.sleep(wait)
        waited += wait
        # A newer request of this session, sent while this run waited, ends this run here (and is run instead).
        _ = _YIELD_POINT in st.session_state
