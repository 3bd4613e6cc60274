"""Which partner's card is open: picked on the map or in the list, kept in the session and the page's address."""

from __future__ import annotations

import streamlit as st

SELECTED = "selected_partner"
# The open card's partner in the page's address: shared links open it, and the map reads it there.
SELECTION_PARAMETER = "partner"


def pick(partner: str | None, memory: str, click: object = None) -> None:
    """Select ``partner`` when the map or the list reports a new pick.

    ``memory`` remembers the last pick of that widget, because both keep
    reporting it on every rerun: only a change selects, so a later pick in the
    other widget is not overridden. ``click`` tells two picks of the same
    partner apart (the map reports a repeated click on one office a hair away:
    the map stays mounted while cards open and close, so a second click on the
    same office must open its card again).
    """
    if partner is None:
        st.session_state.pop(memory, None)
        return
    if (partner, click) == st.session_state.get(memory):
        return
    st.session_state[memory] = (partner, click)
    if partner != st.session_state.get(SELECTED):
        st.session_state[SELECTED] = partner
        st.rerun()


def close_card() -> None:
    """The card was dismissed: forget the pick, keep the search (widgets and URL)."""
    st.session_state.pop(SELECTED, None)
    st.query_params.pop(SELECTION_PARAMETER, None)


def selected() -> str | None:
    """The partner whose card is open, if any."""
    return st.session_state.get(SELECTED) or None
