"""The office's backup download: one ZIP with the published list, its history and the visits register.

Everything the office keeps, in files any program opens: ``partners.csv``
(the published list as it is on disk), ``history/`` (every published version
and the change log) and ``visits/visits.csv`` with ``visits/visit_events.csv``
(see :func:`partner_directory.visits.register.backup_files`). Reading happens while
staff work, so a file that vanishes in the meantime is left out, never a
reason to fail.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

from partner_directory.visits.register import Register, backup_files

#: The largest history file put into a backup (a stray huge file must not exhaust memory).
MAX_FILE_BYTES = 200 * 1024 * 1024


def backup_zip(
    *,
    data_file: Path,
    history_dir: Path,
    register: Register | None,
    now: dt.datetime | None = None,
    published: Mapping[str, bytes] | None = None,
) -> bytes:
    """The ZIP's bytes. ``register`` may be ``None`` when the database cannot be reached (then it is left out
    and ``visits/MISSING.txt`` says so, so the backup never looks complete when it is not).

    ``published`` holds the published list's files as the office's database gives
    them (``partners.csv`` and ``history/…``); without it they are read from
    ``data_file`` and ``history_dir``."""
    stamp = (now or dt.datetime.now(dt.UTC)).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)

        if published is not None:
            for name, file_content in published.items():
                add(name, file_content)
        data = None if published is not None else _read(Path(data_file))
        if data is not None:
            add("partners.csv", data)
        folder = Path(history_dir)
        if published is None and folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    content = _read(path)
                    if content is not None:
                        add("history/" + path.relative_to(folder).as_posix(), content)
        if register is None:
            add("visits/MISSING.txt", b"The visits register could not be read when this backup was made.\n")
        else:
            for name, content in backup_files(register).items():
                add(f"visits/{name}", content)
    return buffer.getvalue()


def _read(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
