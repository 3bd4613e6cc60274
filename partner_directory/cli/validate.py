"""``validate``: check a CSV or .xlsx file and report errors and warnings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from partner_directory.cli.output import exit_code, print_report
from partner_directory.sheet.reading import check_file


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command."""
    validate = commands.add_parser("validate", help="check a CSV or .xlsx file and report errors and warnings")
    validate.add_argument("file")
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checked = check_file(args.file)
    if args.json:
        json.dump(checked.report.to_dict(args.lang), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(checked.report, Path(args.file).name, args.lang, sys.stdout)
    return exit_code(checked.report)
