"""The data every page reads, cached per process: the store, the published directory, its search index, the register.

Keyed by the published file's content, so a file the office publishes shows at
the next interaction; shared read-only by every session (``st.cache_resource``),
so the search index built for a table is reused across reruns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.settings import settings
from partner_directory.i18n import t
from partner_directory.publication.published import Directory, content_version, load_directory
from partner_directory.publication.store import Store
from partner_directory.search.engine import SearchIndex
from partner_directory.visits.register import Register


@st.cache_resource(show_spinner=False)
def _repaired(data_file: str, history_dir: str, lock_timeout: float) -> list[str]:
    # Once per server start (and per data file): finish or undo a publish a crash interrupted.
    return Store(Path(data_file), history_dir=Path(history_dir), lock_timeout=lock_timeout).repair()


def store() -> Store:
    """The published file's store; the first use after a start repairs what a crashed publish left."""
    config = settings()
    _repaired(str(config.data_file), str(config.history_dir), config.lock_timeout)
    return Store(config.data_file, history_dir=config.history_dir, lock_timeout=config.lock_timeout)


@st.cache_resource(max_entries=4, show_spinner=False)
def _directory(path: str, version: str, cache_path: str) -> Directory:
    # Keyed on the content's version: a file the office publishes shows at the next interaction.
    # cache_resource (not cache_data): the table is shared read-only, so the search index built
    # for it is reused across reruns instead of rebuilt for a copy.
    return load_directory(Path(path), cache_path=cache_path)


@st.cache_resource(max_entries=4, show_spinner=False)
def _search_index(path: str, version: str, cache_path: str) -> SearchIndex:
    # Built exactly as the search command builds it: with the offline gazetteer, so "Munich"
    # and "Monachium" find the office typed as "München".
    return SearchIndex.build(_directory(path, version, cache_path).table)


@st.cache_resource(max_entries=8, show_spinner=False)
def _content_version(path: str, identity: tuple[int, int, int, int]) -> str:
    # Hashed once per identity of the file, not at every rerun: publishing replaces the file
    # (a new inode), and an edit in place changes its size or modification time.
    try:
        return content_version(Path(path).read_bytes())
    except OSError:
        return "missing"


def _key() -> tuple[str, str, str]:
    config = settings()
    path = Path(config.data_file)
    try:
        found = path.stat()  # follows a symlink to the published file
    except OSError:
        return str(path), "missing", str(config.geocode_cache)
    identity = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)
    return str(path), _content_version(str(path), identity), str(config.geocode_cache)


def directory() -> Directory:
    """The published directory, checked and placed, cached until the file's content changes.

    All of it, contact data too: a page shows a session what ``dashboard.visibility`` hands it.
    """
    return _directory(*_key())


def search_index() -> SearchIndex:
    """The search index of :func:`directory`'s table, built once per published version."""
    return _search_index(*_key())


def show_directory_problem(found: Directory, lang: str) -> None:
    """Say in one sentence why there is nothing to show, when that is the case."""
    if found.problem:
        st.info(t(found.problem, lang))


def published_at() -> dt.datetime | None:
    """When the published list was published, from the history (``None`` when it never was from this app)."""
    try:
        return store().published_at()
    except OSError:
        return None


def nearby_cities(offices: pd.DataFrame) -> list[Any]:
    """The gazetteer's larger cities near ``offices`` (``lat``/``lon`` or ``latitude``/``longitude``), for map labels.

    A zoomed map without tiles then still names the places around its offices.
    Empty when the gazetteer cannot be loaded: the labels are a help, never a reason to fail.
    """
    from partner_directory.geo.gazetteer.queries import default_gazetteer

    if offices.empty:
        return []
    latitudes = offices["latitude"] if "latitude" in offices else offices["lat"]
    longitudes = offices["longitude"] if "longitude" in offices else offices["lon"]
    try:
        return default_gazetteer().cities_near(
            pd.to_numeric(latitudes, errors="coerce").to_numpy(dtype=float, na_value=float("nan")),
            pd.to_numeric(longitudes, errors="coerce").to_numpy(dtype=float, na_value=float("nan")),
        )
    except (OSError, ValueError):
        return []


@st.cache_resource(show_spinner=False)
def _register(url: str) -> Register:
    # One engine per process, shared by every session; a failure is not cached, the next run tries again.
    return Register.open(url)


def register() -> Register:
    """The register of ``PARTNER_DIRECTORY_DATABASE_URL``; raises ``DatabaseError`` when it cannot be opened."""
    return _register(settings().database_url)
