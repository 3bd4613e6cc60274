"""The command line: ``python -m partner_directory COMMAND …`` for staff scripts and checks.

Every failure is one plain sentence on stderr and an exit code, never a
traceback: 0 all well, 1 the data has errors, 2 the input cannot be used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import normalise_language, t, tn
from partner_directory.sheet.export import export_columns, write_table
from partner_directory.sheet.reading import check_file
from partner_directory.sheet.validation import CheckedTable, Report

EXIT_OK, EXIT_DATA_ERRORS, EXIT_UNUSABLE = 0, 1, 2


def _default_language() -> str:
    return normalise_language(os.environ.get("PARTNER_DIRECTORY_LANGUAGE") or os.environ.get("LANG"))


def _print_report(report: Report, name: str, language: str, stream: TextIO) -> None:
    print(
        t(
            "cli.summary",
            language,
            name=name,
            rows=tn("count.rows", report.rows, language),
            errors=tn("count.errors", len(report.errors), language),
            warnings=tn("count.warnings", len(report.warnings), language),
        ),
        file=stream,
    )
    for problem in report.problems:
        where = t("cli.row", language, row=problem.row) if problem.row else t("cli.file", language)
        # The column as the file names it ("e-mail kontaktowy"), else its field name.
        column = f", {report.headers.get(problem.column, problem.column)}" if problem.column else ""
        kind = t(f"validation.severity.{problem.severity}", language)
        print(f"  {where}{column} · {kind}: {problem.message(language, headers=report.headers)}", file=stream)


def _validate(args: argparse.Namespace) -> int:
    checked = check_file(args.file)
    if args.json:
        json.dump(checked.report.to_dict(args.lang), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        _print_report(checked.report, Path(args.file).name, args.lang, sys.stdout)
    return EXIT_OK if checked.report.ok else EXIT_DATA_ERRORS


def _export(args: argparse.Namespace) -> int:
    checked: CheckedTable = check_file(args.file)
    _write(checked, Path(args.out), args.lang)
    _print_report(checked.report, Path(args.file).name, args.lang, sys.stderr)
    return EXIT_OK if checked.report.ok else EXIT_DATA_ERRORS


def _write(checked: CheckedTable, out: Path, language: str, *, extra: Sequence[str] = ()) -> None:
    if out.is_dir():
        raise PartnerDirectoryError("out_is_folder", path=out)
    try:
        write_table(checked.table, out, columns=export_columns(checked.table, extra=extra))
    except PartnerDirectoryError:
        raise  # already a sentence (e.g. a device or pipe that must not be replaced)
    except OSError as error:
        raise PartnerDirectoryError("cannot_write", path=out, reason=error.strerror or error) from error


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command; exposed for tests and ``--help``."""
    parser = argparse.ArgumentParser(
        prog="python -m partner_directory",
        description="BRA partner directory: check, convert, geocode, search and map the partner file.",
    )
    parser.add_argument("--lang", choices=("en", "pl"), default=_default_language(), help="language of messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a CSV or .xlsx file and report errors and warnings")
    validate.add_argument("file")
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(run=_validate)

    export = commands.add_parser("export", help="write the canonical CSV (or .xlsx) of a partner file")
    export.add_argument("file")
    export.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
    export.set_defaults(run=_export)

    _register_extensions(commands)
    return parser


def _register_extensions(commands: argparse._SubParsersAction) -> None:
    """Commands of other modules (geocode, search, map) add themselves here."""
    for register in _EXTENSIONS:
        register(commands)


_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from partner_directory.cli import commands  # noqa: F401  (registers geocode, search and map)

    parser = build_parser()
    args = parser.parse_args(argv)
    language = args.lang
    try:
        return int(args.run(args))
    except PartnerDirectoryError as error:
        print(error.message(language), file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print(t("cli.interrupted", language), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # the promise: a sentence, never a traceback
        print(t("cli.unexpected", language, error=f"{type(error).__name__}: {error}"), file=sys.stderr)
        return EXIT_UNUSABLE
