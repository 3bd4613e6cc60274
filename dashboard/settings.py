"""The session's settings and language: read once per process, chosen once per session, switched in the sidebar.

:func:`language` is called first by every page, so it also prepares the run:
the package's log goes to the server's log, forged widget states are dropped
(``dashboard.navigation``) and the server's upload limit is the app's
(``dashboard.upload_guard``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import Any

import streamlit as st

from dashboard import navigation, upload_guard
from dashboard.text import error_text
from partner_directory.config import Settings
from partner_directory.errors import ConfigurationError
from partner_directory.i18n import LANGUAGES, OWN_NAMES, normalise_language

LANGUAGE_KEY = "lang"
SWITCH_KEY = "language_switch"


# -- the secrets file ---------------------------------------------------------------------------------------

SECRETS_LOOK_EVERY_SECONDS = 2.0
_secrets_seen: list[Any] = [-SECRETS_LOOK_EVERY_SECONDS, False]  # when last looked, whether a file was there


def _secrets_file_exists() -> bool:
    """Whether a secrets file exists, looked up at most every two seconds (a run asks a dozen times)."""
    now = time.monotonic()
    if now - _secrets_seen[0] >= SECRETS_LOOK_EVERY_SECONDS:
        _secrets_seen[:] = [now, any(os.path.exists(path) for path in st.get_option("secrets.files"))]
    return bool(_secrets_seen[1])


def secret(section: str, key: str | None = None) -> Any:
    """``st.secrets[section][key]`` (or the whole section), or ``None`` when it is not configured.

    With no secrets file at all, ``st.secrets`` searches for one and raises at
    every call -- several calls a run, 8 % of a loaded server's time -- so a
    missing file is seen with a ``stat`` instead. Secrets given in memory
    (AppTest's ``at.secrets``) are read as they are.
    """
    if not navigation.secrets_in_memory() and not _secrets_file_exists():
        return None
    try:
        value: Any = st.secrets.get(section)
        if key is not None:
            value = value.get(key) if hasattr(value, "get") else None
        return value
    except Exception:  # a malformed secrets.toml: treated as not configured
        return None


# -- the settings -------------------------------------------------------------------------------------------


def with_secrets(found: Settings) -> Settings:
    """``found`` with what only the secrets file holds: the SMTP password (``[smtp] password``).

    The environment's ``PARTNER_DIRECTORY_SMTP_PASSWORD`` wins when both are set.
    The password is never shown: ``Settings`` leaves it out of its ``repr``.
    """
    if found.smtp_password:
        return found
    password = secret("smtp", "password")
    return dataclasses.replace(found, smtp_password=str(password)) if password else found


@st.cache_resource
def settings() -> Settings:
    """The settings from the environment (``PARTNER_DIRECTORY_*``) and the secrets file; a bad value stops with a sentence."""
    try:
        return with_secrets(Settings.from_env())
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
        format_func=OWN_NAMES.__getitem__,
        default=current,
        required=True,
        key=SWITCH_KEY,
        on_change=changed,
        label_visibility="collapsed",
    )
    st.query_params[LANGUAGE_KEY] = st.session_state[LANGUAGE_KEY]
    return str(st.session_state[LANGUAGE_KEY])
