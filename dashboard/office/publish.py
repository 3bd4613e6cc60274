"""Publishing a draft: what still stands in the way, the confirmation of a risky publish, and what the publish said.

Widget keys (stable): ``rebase``, ``publish``, ``publish_confirm``, ``publish_cancel``.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.office import drafts, history, review
from dashboard.text import error_text, md, say
from partner_directory.errors import (
    ChangeLogError,
    PartnerDirectoryError,
    PublishConflictError,
    RiskyPublishError,
    StoreLockedError,
)
from partner_directory.i18n import t
from partner_directory.publication import publishing


def publish(candidate: publishing.Candidate, author: str, lang: str) -> None:
    """The publish button, what still stands in its way, and the yes-or-no for a risky publish."""
    st.subheader(t("staff.publish", lang), anchor=False)
    store = data.store()
    stale = candidate.base_version != store.current_version()
    if stale:  # the store would refuse it: the way on is to compare with what is published now
        st.warning(t("office.stale", lang))
        if st.button(t("office.rebase", lang), key="rebase"):
            drafts.set_draft(publishing.rebase(candidate.draft, store), author, lang)
            st.rerun()
    if not candidate.report.ok:
        st.info(t("staff.fix_first", lang))
    elif not candidate.geocoded:
        st.info(t("staff.geocode_first", lang))
    elif candidate.diff.empty:
        st.info(t("staff.no_changes", lang))
    if st.session_state.get(drafts.CONFIRM) is candidate.draft:
        with st.container(border=True):
            st.warning(t("office.confirm", lang))
            for sentence in review.risk_sentences(candidate, lang):
                st.markdown("- " + md(sentence))
            left, right, _ = st.columns([2, 2, 3])
            if left.button(t("office.publish_anyway", lang), key="publish_confirm", type="primary"):
                _do_publish(candidate, author, lang, confirmed=True)
            if right.button(t("office.publish_cancel", lang), key="publish_cancel"):
                st.session_state.pop(drafts.CONFIRM, None)
                st.session_state[drafts.NOTICE] = t("office.not_published", lang)
                st.rerun()
        return
    blocked = stale or not candidate.publishable
    if st.button(t("staff.publish_button", lang), type="primary", disabled=blocked, key="publish"):
        if candidate.risks.any:
            st.session_state[drafts.CONFIRM] = candidate.draft
            st.rerun()
        _do_publish(candidate, author, lang, confirmed=False)


def _do_publish(candidate: publishing.Candidate, author: str, lang: str, *, confirmed: bool) -> None:
    try:
        version = publishing.publish(candidate, data.store(), author=author, confirmed=confirmed)
    except ChangeLogError as error:  # live and in the history; only the log entry is missing: say exactly that
        drafts.forget_draft(author)
        st.warning(say("staff.published_without_log", lang, reason=error.message(lang)))
    except PublishConflictError:
        st.error(t("staff.conflict", lang))
    except StoreLockedError:
        st.error(t("staff.locked", lang))
    except RiskyPublishError as error:
        st.error(error_text(error, lang))
    except (OSError, PartnerDirectoryError) as error:
        st.error(
            say(
                "staff.publish_failed",
                lang,
                reason=error.message(lang) if isinstance(error, PartnerDirectoryError) else error.strerror or error,
            )
        )
    else:
        drafts.forget_draft(author)
        st.session_state[drafts.NOTICE] = t(
            "office.published", lang, version=history.version_name(version), rows=version.rows
        )
        st.rerun()
