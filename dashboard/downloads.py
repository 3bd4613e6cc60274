"""Download buttons: a pair of Excel and CSV files made only when clicked, for the office's and the members' tables.

A file is made by Streamlit's server when the button is clicked, outside the
page's run. If making it fails, the person still gets a sentence, never
nothing: the download is a file of the same kind holding the sentence (in the
page's language), the failure is logged with its traceback, and the next run of
the page shows the same sentence above the buttons.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard import navigation
from partner_directory.i18n import normalise_language, t
from partner_directory.sheet.export import CSV_ENCODING, csv_bytes, export_columns, text_cell, xlsx_bytes
from partner_directory.sheet.schema import GEOCODE_COLUMNS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_log = logging.getLogger("partner_directory.downloads")
_lock = threading.Lock()
#: Downloads that failed, per session: ``{session id: {kind, …}}``, said on the session's next run.
_failed: dict[str, set[str]] = {}


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
    ``primary`` marks the Excel button as the main download. A file that could
    not be made is said in a sentence (see the module's docstring).
    """
    session = navigation.session_id()
    language = _page_language()
    for place, download, suffix, mime in zip(
        places, (excel, csv), ("xlsx", "csv"), (XLSX_MIME, "text/csv"), strict=True
    ):
        if failed_before(session, suffix):
            place.error(t(f"downloads.failed.{suffix}", language))
        place.download_button(
            download.label,
            made_or_said(download.make, kind=suffix, language=language, session=session),
            file_name=f"{file_stem}.{suffix}",
            mime=mime,
            on_click="ignore",
            type="primary" if primary and suffix == "xlsx" else "secondary",
            width="stretch",
            help=download.help,
            key=f"{key}_{suffix}",
        )


def _page_language() -> str:
    """The session's language as the page chose it (``dashboard.settings.language`` ran first)."""
    import streamlit as st

    from dashboard.settings import LANGUAGE_KEY

    return normalise_language(str(st.session_state.get(LANGUAGE_KEY, "")))


def made_or_said(
    make: Callable[[], bytes | str], *, kind: str, language: str, session: str | None
) -> Callable[[], bytes | str]:
    """``make``, except that a failure gives a file of ``kind`` ("xlsx" or "csv") holding a sentence.

    The failure is logged with its traceback and remembered for ``session``,
    whose next run shows the sentence on the page (:func:`failed_before`).
    """

    def made() -> bytes | str:
        try:
            return make()
        except Exception:
            _log.exception("A %s download could not be made", kind)
            if session is not None:
                with _lock:
                    _failed.setdefault(session, set()).add(kind)
            return failure_file(kind, language)

    return made


def failed_before(session: str | None, kind: str) -> bool:
    """True once after a download of ``kind`` failed for ``session`` (the sentence is then said once)."""
    if session is None:
        return False
    with _lock:
        kinds = _failed.get(session, set())
        if kind not in kinds:
            return False
        kinds.discard(kind)
        if not kinds:
            _failed.pop(session, None)
        return True


def failure_file(kind: str, language: str) -> bytes:
    """A file of ``kind`` ("xlsx" or "csv") holding only the sentence that it could not be made."""
    sentence = t(f"downloads.failed.{kind}", language)
    if kind != "xlsx":
        return f"{sentence}\r\n".encode(CSV_ENCODING)
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="BRA")
    sheet.append([text_cell(sheet, sentence)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def member_downloads(
    rows: pd.DataFrame | Callable[[], pd.DataFrame], *, lang: str, with_distance: bool, places: Sequence[Any]
) -> None:
    """The members' downloads of the list they see: Excel first (the main one), then a CSV for Excel.

    Headers in the page's language, names and words instead of codes, the
    distance for a search near a place (see :mod:`partner_directory.sheet.listing`).
    Keys ``download_xlsx`` and ``download_csv``; files are made only when clicked. ``rows``
    may be a function giving them, called only then: a page that keeps where its rows
    are, not a copy of them, takes them from the published table at the click.
    """
    from partner_directory.sheet.listing import member_csv, member_table, member_xlsx

    def table() -> pd.DataFrame:
        found = rows() if callable(rows) else rows
        return member_table(found, language=lang, with_distance=with_distance)

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
