"""The app's navigation, and the fence around every use of Streamlit's private API.

Everything here that is not ``st.*`` reaches into Streamlit's internals
(``streamlit.runtime``): nothing public offers it, and the pinned version
(``requirements.txt``) is the one it is written for. After an upgrade of
Streamlit, this module is the one place to look. Each use says why; each
fails quietly (the tests notice) rather than costing a person the page:

- :func:`require_app_navigation` -- ``PagesManager.uses_pages_directory``: a page
  file run on its own switches the server to ``app.py``'s ``st.navigation``;
- :func:`drop_forged_widget_states` -- the script run context's widget states:
  states no browser could have sent are dropped before a widget is drawn;
- :func:`session_id` -- the script run context's session id, which the upload
  guard keys signed-in staff sessions by;
- :func:`upload_manager` -- the server's store of uploaded files, which the
  upload guard (``dashboard.upload_guard``) wraps so that only signed-in staff
  sessions may upload (the wrapping itself, of ``add_file``, is there);
- :func:`agent_session_id` -- the agent API's set of the sessions it drives, so
  the sign-in throttle keys each agent caller apart (they have no address);
- :func:`secrets_in_memory` -- whether ``st.secrets`` holds secrets given in
  memory (AppTest's ``at.secrets``), so a missing secrets file is seen with a
  ``stat`` instead of an exception at every call;
- :func:`fragment_rerun` -- the run context's fragments of this run, so a
  fragment rerun (which skips ``app.py``) is paced too.
"""

from __future__ import annotations

import logging
import runpy
from typing import Any

import streamlit as st

from partner_directory.config import PROJECT_ROOT

_log = logging.getLogger("partner_directory.ui")

APP_SCRIPT = PROJECT_ROOT / "app.py"


def require_app_navigation(*, default_page: bool = False) -> None:
    """Run the calling page only under ``app.py``'s navigation; call it first in every page.

    Because the project has a ``pages/`` folder, a freshly started Streamlit
    server (and AppTest, on every run) starts in the old folder mode: a deep
    link such as ``/staff`` runs the page file on its own, every file in
    ``pages/`` is listed in the sidebar and the language switch is missing.
    Here such a run switches the server to ``st.navigation`` for good (the
    switch ``st.navigation`` itself makes) and runs ``app.py`` in its place, in
    the same run, so the interaction that started it (a click) is not lost.
    The default page (``default_page=True``), which the navigation shows at
    ``/``, starts a new run instead: its folder-mode address does not name a
    page of the navigation, and a run in place would report "Page not found".
    """
    # Private: the folder mode is a class attribute of Streamlit's pages manager; no public switch exists.
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if default_page:
            st.rerun()
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


def drop_forged_widget_states() -> None:
    """Forget widget states a browser could never have sent, before any widget is drawn.

    A browser names every widget state by the id Streamlit generated for the
    widget (``$$ID-…``). A state under any other name (``staff_user=x`` sent
    over the WebSocket by hand) has no widget behind it, and Streamlit raises a
    ``KeyError`` for it as soon as the page draws a widget. Such states are
    dropped here, logged, and never reach the page.
    """
    try:
        # Private: the run context and its session state's widget states; no public API lists them.
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.runtime.state.common import is_element_id

        context = get_script_run_ctx()
        if context is None:
            return
        widget_states = context.session_state._state._new_widget_state
        forged = [
            k for k in list(widget_states.states) if not is_element_id(k) and k not in widget_states.widget_metadata
        ]
    except Exception:  # Streamlit's internals moved: nothing to drop here (the tests notice)
        return
    for key in forged:
        widget_states.states.pop(key, None)
    if forged:
        _log.warning("Dropped widget states no browser sends: %s", ", ".join(repr(k) for k in forged[:10]))


def session_id() -> str | None:
    """The id of the session running this script, or ``None`` outside a session."""
    try:
        # Private: the run context is the only place that names the session (the upload route uses the same id).
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        context = get_script_run_ctx()
        return context.session_id if context is not None else None
    except Exception:
        return None


def upload_manager() -> Any:
    """The server's store of uploaded files, or ``None`` when there is no server (AppTest, a bare run)."""
    try:
        # Private: the runtime singleton holds the store the upload route writes to; the guard wraps it.
        from streamlit.runtime import Runtime

        return Runtime.instance().uploaded_file_mgr if Runtime.exists() else None
    except Exception:  # AppTest and bare runs have no server
        return None


def secrets_in_memory() -> bool:
    """Whether ``st.secrets`` already holds secrets (read from a file, or given in memory as AppTest does)."""
    # Private: ``_secrets`` is loaded once a file was read or secrets were given in memory; ``st.secrets``
    # itself searches the disk and raises at every call when there is no file.
    return getattr(st.secrets, "_secrets", None) is not None


def agent_session_id() -> str | None:
    """The id of this session when the agent API drives it (``POST /_stcore/agent/interact``), else ``None``.

    Such a session has no network address (``st.context.ip_address`` is ``None``
    for every agent caller), so the sign-in throttle keys it by its session.
    """
    try:
        # Private: only the server's agent registry marks the sessions it creates, in this set (the element
        # layer reads it); no browser can add to it, so a browser cannot pose as an agent session.
        from streamlit.elements.lib import agent_spec

        current = session_id()
        marked = agent_spec._agent_session_ids
        return current if current is not None and current in marked else None
    except Exception:
        return None


def fragment_rerun() -> bool:
    """Whether this run reruns only a fragment (``st.fragment``): the entry script did not run, nor its pacing."""
    try:
        # Private: only the run context knows which fragments this run was asked to rerun (none: the whole app).
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        context = get_script_run_ctx()
        return bool(context is not None and context.fragment_ids_this_run)
    except Exception:
        return False
