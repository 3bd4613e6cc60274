"""The cache directory, and the tables derived from installed packages kept in it as JSON.

The directory is decided here once (:func:`default_cache_dir`): the gazetteer
keeps its index in it too. This module imports nothing of the project, so
every other one may use it.

Building the spelling tables of countries and languages means reading
pycountry's translation catalogues: most of a second in every process. They
change only with the package or with the rules that build them, so each is
stored once under a version key in the cache directory
(``$PARTNER_DIRECTORY_CACHE_DIR`` or ``~/.cache/partner_directory``) and read
back by later processes in milliseconds. Files of other versions are left
alone: other checkouts sharing the directory may still use them. An unwritable
directory only costs the build in every process.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Environment variable naming the cache directory (the gazetteer's index, these tables).
CACHE_DIR_ENVIRONMENT_VARIABLE = "PARTNER_DIRECTORY_CACHE_DIR"


def default_cache_dir() -> Path:
    """Return ``$PARTNER_DIRECTORY_CACHE_DIR`` or ``~/.cache/partner_directory``.

    Read at every call, so a process that changes the variable sees the change.
    """
    configured = os.environ.get(CACHE_DIR_ENVIRONMENT_VARIABLE)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "partner_directory"


def package_version(name: str) -> str:
    """An installed package's version ("unknown" when it does not say)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def cached_table(name: str, key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Return the table ``name`` stored under ``key``, building and storing it when missing or stale.

    Args:
        name: the file's stem, e.g. ``"countries"``.
        key: the version key; a different key means a different file and a rebuild.
        build: makes the table (JSON-serialisable) when no stored one fits.
    """
    path = default_cache_dir() / f"{name}-{key}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(stored, dict) and stored.get("key") == key and isinstance(stored.get("table"), dict):
            return dict(stored["table"])
    except (OSError, ValueError):
        pass
    table = build()
    _store(path, key, table)
    return table


def _store(path: Path, key: str, table: dict[str, Any]) -> None:
    """Write the table atomically; any failure is ignored (the table is still returned)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump({"key": key, "table": table}, file, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return
