"""The data every page reads, cached per process: the store, the published directory, its search index, the register.

Everything durable is in the office's database (``partner_directory.storage``);
a process keeps only caches it can rebuild from it. Which list is published is
asked of the database at every run (one small query on the publish counter's
row, :meth:`Store.state`), so a list published through any app server is what a
member on any other sees at the next click; the directory and its search index
are keyed by the published content's id and shared read-only by every
session (``st.cache_resource``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import streamlit as st

from dashboard import heap
from dashboard.settings import settings
from partner_directory.errors import PartnerDirectoryError
from partner_directory.geo.geocoding.cache import DatabaseGeocodeCache
from partner_directory.geo.geocoding.chain import Geocoder
from partner_directory.i18n import t
from partner_directory.publication.file_store import carry_over
from partner_directory.publication.placed import kept_bytes, published_directory
from partner_directory.publication.published import Directory, empty_table
from partner_directory.publication.store import Store
from partner_directory.search.engine import SearchIndex
from partner_directory.storage.database import office_database_url
from partner_directory.visits.register import Register

log = logging.getLogger(__name__)

# Imported early in every start (app.py's first imports): the rest of the imports and the first
# version's data are built without the collector's full passes over them (dashboard.heap).
heap.pause_collection()

#: Seconds after a version's index is made that its words are indexed in the background (a search
#: with words before then indexes them at once).
INDEX_WORDS_AFTER_SECONDS = 3.0


@st.cache_resource(show_spinner=False)
def _store(url: str, data_file: str, history_dir: str, drafts_dir: str, cache_file: str, lock_timeout: float) -> Store:
    # One engine per process and database, migrated once; the file store of earlier versions in the
    # data folder is carried over once, on the first start with a database that holds no list yet.
    # A failure is not cached: the next run tries again.
    found = Store.open(url, lock_timeout=lock_timeout)
    carry_over(found, data_file=Path(data_file), history_dir=Path(history_dir), drafts_dir=Path(drafts_dir))
    DatabaseGeocodeCache(found.database).copy_from(Path(cache_file))
    return found


def store() -> Store:
    """The published list's store in the office's database; raises ``DatabaseError`` when it cannot be opened."""
    config = settings()
    return _store(
        office_database_url(config),
        str(config.data_file),
        str(config.history_dir),
        str(config.drafts_dir),
        str(config.geocode_cache),
        config.lock_timeout,
    )


@st.cache_resource(max_entries=4, show_spinner=False)
def _directory(url: str, version: str | None) -> Directory:
    # Keyed on the content's id: what another process published shows at the next interaction.
    # cache_resource (not cache_data): the table is shared read-only, so the search index built
    # for it is reused across reruns instead of rebuilt for a copy.
    # Checked and placed once for every server and start: kept in the office's database.
    return published_directory(store(), version, geocoder=Geocoder.offline(cache=geocode_cache()))


def kept_for_version(version: str, kind: str, make: Callable[[], bytes], *, code: tuple[str, ...] = ()) -> bytes:
    """What ``make()`` derives from the published ``version``, made once for every server (``publication.placed``)."""
    try:
        database = store().database
    except PartnerDirectoryError:
        return make()
    return kept_bytes(database, version, kind, make, code=code)


def geocode_cache() -> DatabaseGeocodeCache:
    """The geocoding cache in the office's database (shared by every app server)."""
    return DatabaseGeocodeCache(store().database)


@st.cache_resource(max_entries=4, show_spinner=False)
def _search_index(url: str, version: str | None) -> SearchIndex:
    # Built exactly as the search command builds it: with the offline gazetteer, so "Munich"
    # and "Monachium" find the office typed as "München".
    return index_of(_directory(url, version).table)


def index_of(table: pd.DataFrame, **options: Any) -> SearchIndex:
    """The search index of ``table`` (``SearchIndex.build``'s options), its words indexed in the background.

    Filters, facets and distances are ready at once; the free-text part (most of the
    building: seconds at 100,000 offices) is built by a thread of its own, so a new
    version's first page does not wait for it, and a search with words waits only for
    what is left of it.
    """
    index = SearchIndex.build(table, text_later=True, **options)
    # A moment later: the first page's own run, which asked for the index, need not share the processor.
    words = threading.Timer(INDEX_WORDS_AFTER_SECONDS, _prepare_words, args=(index,))
    words.name, words.daemon = "search-index-words", True
    words.start()
    return index


def _prepare_words(index: SearchIndex) -> None:
    index.prepare_text()
    # The Polish analyser, which the first search with words consults (0.05 s to create, once per process).
    from partner_directory.search.inflection import base_forms

    base_forms("Wiedniu")


def _key() -> tuple[str, str | None]:
    config = settings()
    url = office_database_url(config)
    # One small query per run (well under a millisecond): what any process published shows at the next click.
    return url, store().state().version


def directory() -> Directory:
    """The published directory, checked and placed, cached until another version is published.

    All of it, contact data too: a page shows a session what ``dashboard.visibility`` hands it.
    When the database cannot be reached the directory is empty and says so.
    """
    try:
        return _directory(*_key())
    except PartnerDirectoryError as error:
        log.error("The published list cannot be read: %s", error)
        return _unavailable()


def search_index(found: Directory) -> SearchIndex:
    """The search index of ``found`` (what :func:`directory` gave this run), built once per published version.

    Taking the directory rather than asking the database again: one query per run for which version is
    published, not one per thing that depends on it.
    """
    if found.problem == "directory.problem.database":
        return SearchIndex.build(found.table)
    try:
        return _search_index(office_database_url(settings()), found.version or None)
    except PartnerDirectoryError:
        return SearchIndex.build(_unavailable().table)


def _unavailable() -> Directory:
    from partner_directory.geo.geocoding.chain import GeocodeSummary
    from partner_directory.sheet.validation import Report

    return Directory(empty_table(), Report(0, []), GeocodeSummary(), None, "", "directory.problem.database")


def show_directory_problem(found: Directory, lang: str) -> None:
    """Say in one sentence why there is nothing to show, when that is the case."""
    if found.problem:
        st.info(t(found.problem, lang))


def published_at() -> dt.datetime | None:
    """When the published list was published, from the history (``None`` when it never was from this app)."""
    try:
        return store().published_at()
    except PartnerDirectoryError:
        return None


def nearby_cities(latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64]) -> list[Any]:
    """The gazetteer's larger cities near the offices at ``latitudes``/``longitudes`` (degrees; NaN: not placed),
    for map labels.

    A zoomed map without tiles then still names the places around its offices.
    Empty when the gazetteer cannot be loaded: the labels are a help, never a reason to fail.
    """
    from partner_directory.geo.gazetteer.queries import default_gazetteer

    if latitudes.size == 0:
        return []
    try:
        return default_gazetteer().cities_near(latitudes, longitudes)
    except (OSError, ValueError):
        return []


def register() -> Register:
    """The register in the office's database (the store's engine); raises ``DatabaseError`` when it cannot be opened."""
    return Register(store().database)
