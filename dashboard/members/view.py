"""The members' search and what it found, as one ``st.fragment``: a search reruns this part, not the page's frame.

The frame (``pages/directory.py``: the title, the sign-in box, the introduction,
the card) runs when the page opens, when a card opens or closes, on a sign-in
and on the language switch. A change of the search box, the place, the radius, a
filter or "Clear all" reruns only :func:`search_and_results`, which reads the
published list again itself, so a member's next search sees a new publication.
Anything the frame shows that such a rerun changes -- a new published version,
the open card -- makes it rerun the whole page (``st.rerun``).
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, heap, navigation, pacing, visibility
from dashboard.members import results, search, selection

#: The published version and the open card as the frame last drew them.
_FRAME_DREW = "_directory_frame"


def frame_drew(version: str, partner: str | None) -> None:
    """Remember what the frame drew, so that a fragment rerun that changes it reruns the whole page."""
    st.session_state[_FRAME_DREW] = (version, partner)


@st.fragment
def search_and_results(lang: str) -> None:
    """The search form, the sentence of what it found, the map and the list (and the page's address)."""
    rerun_alone = navigation.fragment_rerun()
    if rerun_alone:
        pacing.pace()  # app.py paces the whole page; a fragment rerun skips app.py
    # In the members' mode, a visitor who is not signed in gets a table and an index without contact data.
    found = visibility.directory()
    data.show_directory_problem(found, lang)
    index = visibility.search_index(found)
    search.search_form(index, lang)
    criteria = search.criteria()
    view = (found.version, visibility.sees_contacts())
    public = visibility.sees_only_public()
    shown = results.found(view, public, criteria, lang, index)
    heap.keep_out_of_collection(found.version)  # the version's table, index and views: built by now
    results.summary(shown, criteria, lang)
    results.offices_map(shown, view, public, criteria, lang)
    results.offices_list(shown, criteria, lang)
    partner = selection.selected(results.partners(view, found.table))
    search.share(criteria, lang)
    if rerun_alone and st.session_state.get(_FRAME_DREW) != (found.version, partner):
        st.rerun()  # a new publication, or the card closed by "Clear all": the frame must follow
