"""The session's settings and language: read once per process, chosen once per session, switched in the sidebar.

:func:`language` is called first by every page, so it also prepares the run:
the package's log goes to the server's log, forged widget states are dropped
(``dashboard.navigation``) and the server's upload limit is the app's
(``dashboard.upload_guard``).
"""

from __future__ import annotations

import logging

import streamlit as st

from dashboard import navigation, upload_guard
from dashboard.text import error_text
from partner_directory.config import Settings
from partner_directory.errors import ConfigurationError
from partner_directory.i18n import LANGUAGES, normalise_language

LANGUAGE_KEY = "lang"
SWITCH_KEY = "language_switch"


@st.cache_resource
def settings() -> Settings:
    """The settings from the environment (``PARTNER_DIRECTORY_*``); a bad value stops with a sentence."""
    try:
        return Settings.from_env()
    except ConfigurationError as error:
        st.error(error_text(error, language()))
        st.stop()
        raise  # unreachable: st.stop() ends the script


def _attach_log() -> None:
    """Send the package's log (details behind every sentence on a page) to the server's log, once."""
    logger = logging.getLogger("partner_directory")
    if any(getattr(h, "_partner_directory_server_log", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()  # the server's stderr: its log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._partner_directory_server_log = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _apply_upload_guard() -> None:
    try:
        upload_max_mb = Settings.from_env().upload_max_mb
    except ConfigurationError:
        return  # the page says what is wrong with the setting
    upload_guard.apply(upload_max_mb)


def language() -> str:
    """The chosen language: the switch, else the URL's ``lang``, else the browser's language.

    Called first by every page, so it also drops forged widget states
    (see :func:`dashboard.navigation.drop_forged_widget_states`) and makes the
    server's upload limit the app's (see ``dashboard.upload_guard``).
    """
    _attach_log()
    navigation.drop_forged_widget_states()
    _apply_upload_guard()
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = normalise_language(
            st.query_params.get(LANGUAGE_KEY) or getattr(st.context, "locale", None)
        )
    return str(st.session_state[LANGUAGE_KEY])


def language_switch() -> str:
    """The language switch in the sidebar; returns the chosen language (also kept in the URL).

    The widget shows the session's language as its default rather than holding
    it: Streamlit may give a sidebar widget a new identity once the navigation
    is known, and a widget that owned the value would then show nothing.
    """
    current = language()

    def changed() -> None:
        chosen = st.session_state.get(SWITCH_KEY)
        if chosen in LANGUAGES:
            st.session_state[LANGUAGE_KEY] = chosen

    st.sidebar.segmented_control(
        "Language / Język",
        options=list(LANGUAGES),
        format_func=lambda code: {"en": "English", "pl": "Polski"}[code],
        default=current,
        required=True,
        key=SWITCH_KEY,
        on_change=changed,
        label_visibility="collapsed",
    )
    st.query_params[LANGUAGE_KEY] = st.session_state[LANGUAGE_KEY]
    return str(st.session_state[LANGUAGE_KEY])
