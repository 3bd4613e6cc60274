"""Commands of the geocoding, search and map issues: ``geocode``, ``search``, ``map``.

Registered with :mod:`partner_directory.cli`; each prints plain sentences and
returns an exit code (0 ok, 1 data errors / nothing found, 2 unusable input).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from . import cli
from .config import Settings
from .i18n import t
from .schema import GEOCODE_COLUMNS
from .validation import check_file


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


def _geocode(args: argparse.Namespace) -> int:
    language = args.lang
    from .geocoding import Geocoder

    checked = check_file(args.file)
    if checked.report.errors:
        cli._print_report(checked.report, Path(args.file).name, language, sys.stderr)
    settings = Settings.from_env()
    geocoder = Geocoder.from_settings(settings, offline=args.offline)
    table, summary = geocoder.geocode_table(checked.table, progress=ProgressBar(t("cli.geocoding", language)))
    checked.table = table
    cli._write(checked, Path(args.out), language, extra=GEOCODE_COLUMNS)
    for warning in summary.warnings:
        print(warning, file=sys.stderr)
    counts = ", ".join(
        f"{precision} {summary.by_precision.get(precision, 0)}" for precision in ("address", "city", "country", "none")
    )
    print(t("cli.geocode_summary", language, rows=len(table), counts=counts))
    if summary.unresolved_rows:
        rows = ", ".join(str(row) for row in summary.unresolved_rows)
        print(t("cli.unresolved_rows", language, rows=rows))
    return cli.EXIT_OK if checked.report.ok else cli.EXIT_DATA_ERRORS


def register(commands: argparse._SubParsersAction) -> None:
    geocode = commands.add_parser("geocode", help="place every office; write coordinates, source and precision")
    geocode.add_argument("file")
    geocode.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
    geocode.add_argument("--offline", action="store_true", help="never ask an online geocoder")
    geocode.set_defaults(run=_geocode)


cli._EXTENSIONS.append(register)


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from .auth import hash_password

    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass(t("cli.password", args.lang))
    if len(password) < 8:
        print(t("cli.password_short", args.lang), file=sys.stderr)
        return cli.EXIT_UNUSABLE
    print(hash_password(password))
    return cli.EXIT_OK


def register_hash_password(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("hash-password", help="make the salted hash of a staff password for secrets.toml")
    command.add_argument("--stdin", action="store_true", help="read the password from standard input")
    command.set_defaults(run=_hash_password)


cli._EXTENSIONS.append(register_hash_password)
