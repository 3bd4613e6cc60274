"""Streamlit glue shared by the pages: settings, language, cached data, safe text.

Only layout helpers live here; every decision is in ``partner_directory``.
"""

from __future__ import annotations

import datetime as dt
import logging
import runpy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from dashboard import server_guard
from partner_directory import links
from partner_directory.config import PROJECT_ROOT, Settings
from partner_directory.errors import ConfigurationError, PartnerDirectoryError
from partner_directory.i18n import LANGUAGES, normalise_language, t
from partner_directory.publication.published import Directory, content_version, load_directory
from partner_directory.publication.store import Store
from partner_directory.search.index import SearchIndex
from partner_directory.sheet.export import csv_bytes, export_columns, xlsx_bytes
from partner_directory.sheet.schema import GEOCODE_COLUMNS

_log = logging.getLogger("partner_directory.ui")

APP_SCRIPT = PROJECT_ROOT / "app.py"
LANGUAGE_KEY = "lang"
SWITCH_KEY = "language_switch"


def md(text: object) -> str:
    """Escape ``text`` for ``st.markdown``: data never becomes a link, HTML, LaTeX or formatting.

    The rule is :func:`partner_directory.links.markdown_text`'s, the one owner of what may become a link.
    """
    return links.markdown_text(text)


@contextmanager
def failures_as_sentences(step: str, lang: str) -> Iterator[None]:
    """Run one step of a page so that any failure becomes one sentence on the page, the details going to the log.

    The project's own errors are already sentences; anything else (a library's
    parser error, a full disk) is logged with its traceback and shown as
    "“<step>” failed …" in the page's language. ``st.rerun``/``st.stop`` pass
    through (they are not errors). ``step`` names a key ``ui.step.<step>``.
    """
    try:
        yield
    except PartnerDirectoryError as error:
        _log.warning("Step %s: %s", step, error)
        st.error(md(error.message(lang)))
    except Exception:
        _log.exception("Step %s of the page failed", step)
        st.error(t("ui.step_failed", lang, step=t(f"ui.step.{step}", lang)))


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
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if default_page:
            st.rerun()
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


@st.cache_resource
def settings() -> Settings:
    """The settings from the environment (``PARTNER_DIRECTORY_*``); a bad value stops with a sentence."""
    try:
        return Settings.from_env()
    except ConfigurationError as error:
        st.error(error.message(language()))
        st.stop()
        raise  # unreachable: st.stop() ends the script


def drop_forged_widget_states() -> None:
    """Forget widget states a browser could never have sent, before any widget is drawn.

    A browser names every widget state by the id Streamlit generated for the
    widget (``$$ID-…``). A state under any other name (``staff_user=x`` sent
    over the WebSocket by hand) has no widget behind it, and Streamlit raises a
    ``KeyError`` for it as soon as the page draws a widget. Such states are
    dropped here, logged, and never reach the page.
    """
    try:
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


def _apply_server_guard() -> None:
    try:
        upload_max_mb = Settings.from_env().upload_max_mb
    except ConfigurationError:
        return  # the page says what is wrong with the setting
    server_guard.apply(upload_max_mb)


def language() -> str:
    """The chosen language: the switch, else the URL's ``lang``, else the browser's language.

    Called first by every page, so it also drops forged widget states (see :func:`drop_forged_widget_states`)
    and makes the server's upload limit the app's (see ``server_guard``).
    """
    _attach_log()
    drop_forged_widget_states()
    _apply_server_guard()
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
    """The published directory, checked and placed, cached until the file's content changes."""
    return _directory(*_key())


def search_index() -> SearchIndex:
    """The search index of :func:`directory`'s table, built once per published version."""
    return _search_index(*_key())


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    """One download button: what it says, how its file is made (only when clicked), an optional help."""

    label: str
    make: Callable[[], bytes | str]
    help: str | None = None


def spreadsheet_downloads(
    places: Sequence[Any], *, key: str, file_stem: str, excel: Download, csv: Download, primary: bool = False
) -> None:
    """An Excel button in ``places[0]`` and a CSV button in ``places[1]``, keys ``{key}_xlsx`` and ``{key}_csv``.

    The files are made only when clicked, so a rerun does not pay for them;
    ``primary`` marks the Excel button as the main download.
    """
    for place, download, suffix, mime in zip(
        places, (excel, csv), ("xlsx", "csv"), (XLSX_MIME, "text/csv"), strict=True
    ):
        place.download_button(
            download.label,
            download.make,
            file_name=f"{file_stem}.{suffix}",
            mime=mime,
            on_click="ignore",
            type="primary" if primary and suffix == "xlsx" else "secondary",
            width="stretch",
            help=download.help,
            key=f"{key}_{suffix}",
        )


def table_downloads(
    table: pd.DataFrame, *, labels: tuple[str, str], name: str, key: str, places: Sequence[Any]
) -> None:
    """A CSV and an Excel download of ``table`` (canonical columns, geocoding columns too).

    ``labels`` are the CSV's and the Excel's; ``places`` are the two containers
    (e.g. columns) the buttons go into, CSV first.
    """
    columns = export_columns(table, extra=GEOCODE_COLUMNS)
    spreadsheet_downloads(
        (places[1], places[0]),
        key=key,
        file_stem=name,
        excel=Download(labels[1], lambda: xlsx_bytes(table, columns=columns)),
        csv=Download(labels[0], lambda: csv_bytes(table, columns=columns)),
    )


def show_directory_problem(found: Directory, lang: str) -> None:
    """Say in one sentence why there is nothing to show, when that is the case."""
    if found.problem:
        st.info(t(found.problem, lang))


def local_time(moment: dt.datetime) -> str:
    """``moment`` as ``YYYY-MM-DD HH:MM`` in the browser's time zone (UTC, said so, when it is unknown)."""
    from zoneinfo import ZoneInfo

    zone_name = getattr(st.context, "timezone", None)
    try:
        zone = ZoneInfo(str(zone_name)) if zone_name else None
    except (ValueError, KeyError, OSError):  # an unknown or malformed zone name from the browser
        zone = None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if zone is None:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


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


# Streamlit's own look, adjusted where it fails members (WCAG 2.1 AA):
# captions are drawn at 60 % opacity (4.16:1 on white, below 4.5:1), code
# highlighting colours (the sign-in page's settings example) are as faint, and
# the sidebar's page links show no focus ring when reached with Tab.
# The map's frame is drawn 0 px tall (or hidden) until its script has loaded, so the list
# below it would jump down by the map's height under a member's pointer; the
# frame keeps its height from the first paint.
MAP_HEIGHT = 480
PAGE_STYLE = f"""
<style>
[data-testid="stElementContainer"]:has(iframe[title="streamlit_folium.st_folium"]),
iframe[title="streamlit_folium.st_folium"] {{ min-height: {MAP_HEIGHT}px; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: #4b5563; opacity: 1; }}
[data-testid="stCode"] code span {{ color: inherit !important; }}
[data-testid="stCode"] code span.comment {{ color: #4b5563 !important; }}
[data-testid="stSidebarNav"] a:focus-visible,
[data-testid="stSidebar"] button:focus-visible,
[data-testid="stMain"] a:focus-visible {{
  outline: 3px solid #0b5cab; outline-offset: 2px; border-radius: 4px;
}}
</style>
"""


def page_style() -> None:
    """Add :data:`PAGE_STYLE` to the page (no visible element)."""
    st.html(PAGE_STYLE)


def member_downloads(rows: pd.DataFrame, *, lang: str, with_distance: bool, places: Sequence[Any]) -> None:
    """The members' downloads of the list they see: Excel first (the main one), then a CSV for Excel.

    Headers in the page's language, names and words instead of codes, the
    distance for a search near a place (see :mod:`partner_directory.sheet.listing`).
    Keys ``download_xlsx`` and ``download_csv``; files are made only when clicked.
    """
    from partner_directory.sheet.listing import member_csv, member_table, member_xlsx

    def table() -> pd.DataFrame:
        return member_table(rows, language=lang, with_distance=with_distance)

    spreadsheet_downloads(
        places,
        key="download",
        file_stem="bra-partners",
        excel=Download(
            t("listing.download_xlsx", lang),
            lambda: member_xlsx(table(), sheet_title=t("listing.sheet", lang)),
            t("listing.download_xlsx_help", lang),
        ),
        csv=Download(
            t("listing.download_csv", lang), lambda: member_csv(table()), t("listing.download_csv_help", lang)
        ),
        primary=True,
    )
