"""``geocode``: place every office and write coordinates, source and precision.

Also :func:`placed_offline`, the file checked and placed from the cache and the
gazetteer, which ``search`` and ``map`` read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from partner_directory.cli.output import exit_code, print_report, write_checked
from partner_directory.config import Settings
from partner_directory.i18n import t, tn
from partner_directory.sheet.reading import check_file
from partner_directory.sheet.schema import GEOCODE_COLUMNS
from partner_directory.sheet.validation import CheckedTable


class ProgressBar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, label: str, *, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream, width
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        filled = int(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        self.stream.flush()


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``geocode`` command."""
    geocode = commands.add_parser("geocode", help="place every office; write coordinates, source and precision")
    geocode.add_argument("file")
    geocode.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
    geocode.add_argument("--offline", action="store_true", help="never ask an online geocoder")
    geocode.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    language = args.lang
    from partner_directory.geo.geocoding.base import PRECISIONS
    from partner_directory.geo.geocoding.chain import Geocoder, describe_note

    checked = check_file(args.file)
    if checked.report.errors:
        print_report(checked.report, Path(args.file).name, language, sys.stderr)
    settings = Settings.from_env()
    geocoder = Geocoder.from_settings(settings, offline=args.offline)
    table, summary = geocoder.geocode_table(checked.table, progress=ProgressBar(t("cli.geocoding", language)))
    checked.table = table
    write_checked(checked, Path(args.out), extra=GEOCODE_COLUMNS)
    for warning in summary.warnings:
        print(warning, file=sys.stderr)
    counts = ", ".join(f"{precision} {summary.by_precision.get(precision, 0)}" for precision in PRECISIONS)
    print(t("cli.geocode_summary", language, offices=tn("count.offices", len(table), language), counts=counts))
    if summary.unresolved_rows:
        rows = ", ".join(str(row) for row in summary.unresolved_rows)
        print(t("cli.unresolved_rows", language, rows=rows))
    for row, text, note, suggestions in summary.attention:
        sentence = describe_note(note, suggestions, language)
        print(t("geocoding.attention_row", language, row=row, text=text, note=sentence))
    return exit_code(checked.report)


def placed_offline(path: str | Path) -> tuple[CheckedTable, pd.DataFrame]:
    """The file checked and placed offline (cache + gazetteer): fast and needs no network."""
    from partner_directory.geo.geocoding.cache import GeocodeCache
    from partner_directory.geo.geocoding.chain import Geocoder

    checked = check_file(path)
    settings = Settings.from_env()
    table, _ = Geocoder.offline(cache=GeocodeCache(settings.geocode_cache)).geocode_table(checked.table)
    return checked, table
