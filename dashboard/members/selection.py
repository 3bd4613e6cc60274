"""Which partner's card is open: picked on the map or in the list, kept in the session and the page's address.

A pick belongs to a partner, never to a row position. The list reports its
selection as row positions, and keeps reporting them after the rows under them
have changed (a new search, "Clear all"): such a stale selection is forgotten
the moment the list shows other rows, so a card never opens for whichever
partner now fills the row (issue 18, defect 1).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import streamlit as st

SELECTED = "selected_partner"
# The open card's partner in the page's address: shared links open it, and the map reads it there.
SELECTION_PARAMETER = "partner"
#: The list's widget key, and the session keys remembering what it showed and its last pick.
LIST_KEY = "list"
LIST_MEMORY = "_last_list_pick"
_LIST_SHOWN = "_list_shown"


def _no_list_selection() -> dict[str, dict[str, list[object]]]:
    return {"selection": {"rows": [], "columns": [], "cells": []}}


def list_partner(rows: Sequence[int], shown: Sequence[str]) -> str | None:
    """The partner a list selection names: its first row's partner among ``shown``, or ``None``.

    >>> list_partner([1], ["a", "b"])
    'b'
    >>> list_partner([2], ["a", "b"]) is None
    True
    """
    if not rows:
        return None
    position = rows[0]
    return shown[position] if 0 <= position < len(shown) else None


def forget_stale_list_selection(shown: Sequence[str]) -> None:
    """Before the list is drawn: if it now shows other partners than at its last drawing, drop its selection.

    Call it before ``st.dataframe(key=LIST_KEY)`` in the same run (Streamlit
    accepts a dataframe's selection from Session State only before the widget
    is drawn).
    """
    fingerprint = tuple(shown)
    if st.session_state.get(_LIST_SHOWN) == fingerprint:
        return
    if _LIST_SHOWN in st.session_state:
        st.session_state[LIST_KEY] = _no_list_selection()
    st.session_state[_LIST_SHOWN] = fingerprint
    st.session_state.pop(LIST_MEMORY, None)


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
    """The card was dismissed: forget the pick, keep the search (widgets and URL).

    A callback (``on_dismiss``, ``on_click``): it runs before the page is drawn,
    so the list's tick can be taken away too, and a second click on the same
    row opens its card again.
    """
    st.session_state.pop(SELECTED, None)
    st.query_params.pop(SELECTION_PARAMETER, None)
    if LIST_MEMORY in st.session_state:
        st.session_state.pop(LIST_MEMORY, None)
        st.session_state[LIST_KEY] = _no_list_selection()


def selected(known: Collection[str]) -> str | None:
    """The partner whose card is open, if any; a partner not among ``known`` (a stale or made-up link) is forgotten.

    Call it before the page's address is written, so that an unknown partner
    leaves the address too.
    """
    partner = st.session_state.get(SELECTED) or None
    if partner is not None and partner not in known:
        st.session_state.pop(SELECTED, None)
        return None
    return partner
