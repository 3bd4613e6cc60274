"""What every command shares: exit codes, the language of messages, the report and the written file.

Every failure is one plain sentence on stderr and an exit code, never a
traceback: :data:`EXIT_OK` all well, :data:`EXIT_DATA_ERRORS` the data has
errors (or nothing was found), :data:`EXIT_UNUSABLE` the input cannot be used.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import normalise_language, t, tn
from partner_directory.sheet.export import export_columns, write_atomically, write_table
from partner_directory.sheet.validation import CheckedTable, Report

EXIT_OK, EXIT_DATA_ERRORS, EXIT_UNUSABLE = 0, 1, 2
#: The exit code after Ctrl-C, as shells report a process ended by SIGINT.
EXIT_INTERRUPTED = 130


def default_language() -> str:
    """The language of messages: ``PARTNER_DIRECTORY_LANGUAGE``, else the locale's, else English."""
    return normalise_language(os.environ.get("PARTNER_DIRECTORY_LANGUAGE") or os.environ.get("LANG"))


def exit_code(report: Report) -> int:
    """:data:`EXIT_OK` when nothing in ``report`` blocks publishing, else :data:`EXIT_DATA_ERRORS`."""
    return EXIT_OK if report.ok else EXIT_DATA_ERRORS


def print_report(report: Report, name: str, language: str, stream: TextIO) -> None:
    """Print a validation report: one summary line, then one line per problem naming row and column."""
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


def write_checked(checked: CheckedTable, out: Path, *, extra: Sequence[str] = ()) -> None:
    """Write a checked table as ``.csv`` or ``.xlsx`` (by ``out``'s suffix); a failure is one sentence.

    Raises :class:`PartnerDirectoryError` for a folder or a target that cannot be written.
    """
    _refuse_folder(out)
    try:
        write_table(checked.table, out, columns=export_columns(checked.table, extra=extra))
    except PartnerDirectoryError:
        raise  # already a sentence (e.g. a device or pipe that must not be replaced)
    except OSError as error:
        raise PartnerDirectoryError("cannot_write", path=out, reason=error.strerror or error) from error


def write_bytes(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` atomically; a failure is one sentence (:class:`PartnerDirectoryError`)."""
    _refuse_folder(out)
    try:
        write_atomically(out, data)
    except PartnerDirectoryError:
        raise  # already a sentence (e.g. a device or pipe that must not be replaced)
    except OSError as error:
        raise PartnerDirectoryError("cannot_write", path=out, reason=error.strerror or error) from error


def _refuse_folder(out: Path) -> None:
    if out.is_dir():
        raise PartnerDirectoryError("out_is_folder", path=out)
