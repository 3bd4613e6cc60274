"""``export``: write the canonical CSV (or .xlsx) of a partner file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from partner_directory.cli.output import exit_code, print_report, write_checked
from partner_directory.sheet.reading import check_file


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``export`` command."""
    export = commands.add_parser("export", help="write the canonical CSV (or .xlsx) of a partner file")
    export.add_argument("file")
    export.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checked = check_file(args.file)
    write_checked(checked, Path(args.out))
    print_report(checked.report, Path(args.file).name, args.lang, sys.stderr)
    return exit_code(checked.report)
