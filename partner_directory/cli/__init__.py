"""The command line: ``python -m partner_directory COMMAND …`` for staff scripts and checks.

One module per command (``validate``, ``export``, ``geocode``, ``search``,
``map``, ``passwords`` for ``hash-password``), each with a ``register()`` that
adds its sub-command; :func:`build_parser` imports them and calls them in order. What they share
(exit codes, the report, writing a file) is :mod:`partner_directory.cli.output`.
Commands import that and never this package, so there is no circle.

Every failure is one plain sentence on stderr and an exit code, never a
traceback: 0 all well, 1 the data has errors, 2 the input cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from partner_directory.cli.output import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNUSABLE, default_language
from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import t


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command; exposed for tests and ``--help``."""
    parser = argparse.ArgumentParser(
        prog="python -m partner_directory",
        description="BRA partner directory: check, convert, geocode, search and map the partner file.",
    )
    parser.add_argument("--lang", choices=("en", "pl"), default=default_language(), help="language of messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Imported here, not at the top: a command module may import cli.output without loading every command.
    from partner_directory.cli import export, geocode, map, passwords, search, validate

    for command in (validate, export, geocode, search, map, passwords):  # the order --help lists them
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # the promise: a sentence, never a traceback
        print(t("cli.unexpected", language, error=f"{type(error).__name__}: {error}"), file=sys.stderr)
        return EXIT_UNUSABLE
