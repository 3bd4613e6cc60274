"""Download buttons: a pair of Excel and CSV files made only when clicked, for the office's and the members' tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from partner_directory.i18n import t
from partner_directory.sheet.export import csv_bytes, export_columns, xlsx_bytes
from partner_directory.sheet.schema import GEOCODE_COLUMNS

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
