"""The office's draft: kept in the session and on the server, offered again after a sign-in, evaluated against the published list.

Every change to the draft (upload or edit) is kept on the server
(``partner_directory.publication.drafts``), so a reload, a lost connection or a
restart loses nothing; after the next sign-in the page offers to continue it.
Widget keys (stable): ``draft_continue``, ``draft_discard``, ``discard_draft``.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, upload_guard
from dashboard.settings import settings
from dashboard.text import local_time, md, say
from partner_directory.errors import DraftTooBigError
from partner_directory.i18n import t
from partner_directory.publication import publishing
from partner_directory.publication.drafts import Draft, DraftStore

DRAFT = "staff_draft"
DRAFT_AUTHOR = "staff_draft_author"  # who is signed in, whose draft the session holds
CANDIDATE = "staff_candidate"
DECIDED = "staff_draft_decided"  # the saved draft was continued or discarded in this session
CONFIRM = "staff_confirm"  # the draft whose risky publish awaits a yes or no
NOTICE = "staff_notice"
WARNING = "staff_warning"


def draft_store() -> DraftStore:
    """The drafts kept in the office's database, one per author, each within the drafts' size limit."""
    config = settings()
    return DraftStore(data.store().database, max_bytes=int(config.draft_max_mb * upload_guard.BYTES_PER_MB))


def evaluate(draft: Draft) -> publishing.Candidate:
    """``draft`` checked and compared with the published list: what the review and the publish show."""
    return publishing.evaluate(draft, data.store(), max_removed_share=settings().max_removed_share)


def set_draft(draft: Draft, author: str, lang: str) -> None:
    """Make ``draft`` the session's draft and keep it on the server."""
    try:
        draft = draft_store().save(draft, author=author)
    except DraftTooBigError as error:
        st.session_state[WARNING] = error.message(lang)
    except OSError as error:
        st.session_state[WARNING] = t("office.draft_not_kept", lang, reason=error.strerror or error)
    st.session_state[DRAFT] = draft
    st.session_state[DRAFT_AUTHOR] = author
    st.session_state[CANDIDATE] = evaluate(draft)
    st.session_state[DECIDED] = True
    st.session_state.pop(CONFIRM, None)


def candidate() -> publishing.Candidate | None:
    """The session's draft, evaluated (once per change of the draft); ``None`` without a draft."""
    draft = st.session_state.get(DRAFT)
    if draft is None:
        return None
    evaluated = st.session_state.get(CANDIDATE)
    if evaluated is None or evaluated.draft is not draft:
        evaluated = st.session_state[CANDIDATE] = evaluate(draft)
    return evaluated


def forget_draft(author: str) -> None:
    """Discard ``author``'s draft, in the session and on the server."""
    draft_store().discard(author)
    for key in (DRAFT, CANDIDATE, CONFIRM):
        st.session_state.pop(key, None)
    st.session_state[DECIDED] = True


def describe(draft: Draft, lang: str) -> str:
    """Where the draft came from, in a few words: the file uploaded, or an edit, and its rows."""
    if draft.origin == "upload":
        return t("office.draft_upload", lang, name=draft.filename, rows=len(draft.rows))
    return t("office.draft_edit", lang, rows=len(draft.rows))


def saved_when(draft: Draft) -> str:
    """When the draft was last kept: the time today, else the date and time."""
    saved = draft.saved_at
    if saved is None:
        return "—"
    text = local_time(saved)
    today = local_time(dt.datetime.now(dt.UTC))[:10]
    return text[11:] if text[:10] == today else text


def offer_saved_draft(author: str, lang: str) -> bool:
    """Offer the draft kept on the server after a sign-in; ``True`` while the offer waits for an answer."""
    if st.session_state.get(DECIDED) or DRAFT in st.session_state:
        return False
    saved = draft_store().load(author)
    if saved is None:
        st.session_state[DECIDED] = True
        return False
    with st.container(border=True):
        st.info(say("office.draft_offer", lang, when=saved_when(saved), what=describe(saved, lang)))
        left, right, _ = st.columns([2, 2, 3])
        if left.button(
            say("office.draft_continue", lang, when=saved_when(saved)), key="draft_continue", type="primary"
        ):
            st.session_state[DRAFT] = saved
            st.session_state[DRAFT_AUTHOR] = author
            st.session_state[DECIDED] = True
            st.rerun()
        if right.button(t("office.draft_discard", lang), key="draft_discard"):
            forget_draft(author)
            st.session_state[NOTICE] = t("office.draft_discarded", lang)
            st.rerun()
    return True


def start(author: str) -> None:
    """A new sign-in (maybe someone else's) gets its own draft: forget the session's draft of another author."""
    if st.session_state.get(DRAFT_AUTHOR) != author:
        for key in (DRAFT, CANDIDATE, CONFIRM, DECIDED):
            st.session_state.pop(key, None)
        st.session_state[DRAFT_AUTHOR] = author


def show_messages() -> None:
    """What the last step said before it reran the page: a notice, a warning.

    Always one container, with or without a message: the tabs below keep their
    place in the page, so Streamlit does not redraw them on the first tab after a save.
    """
    with st.container():
        if NOTICE in st.session_state:
            st.success(md(st.session_state.pop(NOTICE)))  # sentences may carry a typed name
        if WARNING in st.session_state:
            st.warning(md(st.session_state.pop(WARNING)))


def candidate_header(candidate: publishing.Candidate, author: str, lang: str) -> None:
    """The draft's heading, its discard button (key ``discard_draft``) and when it was kept."""
    header = st.columns([5, 1])
    header[0].header(say("staff.candidate", lang, origin=describe(candidate.draft, lang)), anchor=False)
    if header[1].button(t("office.draft_discard", lang), key="discard_draft"):
        forget_draft(author)
        st.session_state[NOTICE] = t("office.draft_discarded", lang)
        st.rerun()
    st.caption(say("office.draft_kept", lang, when=saved_when(candidate.draft)))
