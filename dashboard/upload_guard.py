"""What the Streamlit server itself accepts, made to match the app: uploads from signed-in staff, within the app's limit.

Streamlit's upload route (``PUT /_stcore/upload_file/<session>/<file>``)
takes a file for any open session, up to ``server.maxUploadSize`` (200 MB by
default) — an anonymous member's session too, though only the staff page has an
uploader. Here, once per process:

- ``server.maxUploadSize`` is set to the app's own limit
  (``PARTNER_DIRECTORY_UPLOAD_MAX_MB``, whole MB of 1024 × 1024 bytes), which
  the upload route reads for every request, and the staff page's uploader states
  the same number (``st.file_uploader(max_upload_size=…)``);
- the server's store of uploaded files refuses (HTTP 403) a file for a session
  that is not signed in as staff, so nothing an anonymous session sends is kept;
- it refuses (HTTP 400, a sentence in English and Polish) a file whose name
  holds a control character such as NUL, or is empty
  (:func:`partner_directory.sheet.guard.file_name_refusal`), so no such name
  reaches a page, a draft or a log.

The route still reads a request up to the limit before refusing it; a proxy in
front should cap request bodies too (see the README).

Streamlit's private API: the server's store and the session's id come from
``dashboard.navigation`` (the fence), and the store's ``add_file`` method is
wrapped here -- an internal method of Streamlit's upload manager, since no
public hook lets an app refuse an upload. An upgrade of Streamlit must check it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from dashboard import navigation
from partner_directory.i18n import LANGUAGES, t
from partner_directory.sheet.guard import file_name_refusal

_log = logging.getLogger("partner_directory.server_guard")
_lock = threading.Lock()
_staff_sessions: set[str] = set()
_GUARD_MARK = "_partner_directory_upload_guard"
BYTES_PER_MB = 1024 * 1024


def upload_limit_mb(upload_max_mb: float) -> int:
    """The upload limit in the whole MB Streamlit counts in (at least 1)."""
    return max(1, int(upload_max_mb))


def apply(upload_max_mb: float) -> None:
    """Make the server's upload limit the app's and let only signed-in staff sessions upload."""
    from streamlit import config

    limit = upload_limit_mb(upload_max_mb)
    if config.get_option("server.maxUploadSize") != limit:
        config.set_option("server.maxUploadSize", limit)
    manager = navigation.upload_manager()
    if manager is None or getattr(manager, _GUARD_MARK, False):
        return
    with _lock:
        if getattr(manager, _GUARD_MARK, False):
            return
        original = manager.add_file  # private: the upload route stores every file through this method

        def add_file(session_id: str, file: Any) -> None:
            with _lock:
                allowed = session_id in _staff_sessions
            if not allowed:
                from starlette.exceptions import HTTPException

                _log.warning("Refused an upload of %s bytes from a session that is not signed in", len(file.data))
                raise HTTPException(status_code=403, detail="Uploads are for signed-in office staff only.")
            refused = file_name_refused(str(getattr(file, "name", "")))
            if refused is not None:
                from starlette.exceptions import HTTPException

                _log.warning("Refused an upload whose file name holds control characters or is empty")
                raise HTTPException(status_code=400, detail=refused)
            original(session_id, file)

        manager.add_file = add_file
        setattr(manager, _GUARD_MARK, True)


def file_name_refused(name: str) -> str | None:
    """The sentence, in every language of the app, refusing an uploaded file's ``name``; ``None`` when it is fine.

    The upload route does not know the session's language, so the sentence is
    given in each (English / Polish). The rule is :func:`file_name_refusal`'s.
    """
    refusal = file_name_refusal(name)
    if refusal is None:
        return None
    return " / ".join(t(f"error.{refusal.code}", language, characters=refusal.characters) for language in LANGUAGES)


def mark_session(*, staff: bool) -> None:
    """Record whether this session is signed in as staff (only those may upload)."""
    session = navigation.session_id()
    if session is None:
        return
    with _lock:
        if staff:
            _staff_sessions.add(session)
        else:
            _staff_sessions.discard(session)
