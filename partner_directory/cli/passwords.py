"""``hash-password``: make the salted hash of a staff password for ``secrets.toml``."""

from __future__ import annotations

import argparse
import sys

from partner_directory.cli.output import EXIT_OK, EXIT_UNUSABLE
from partner_directory.i18n import t

#: The shortest password worth hashing.
MIN_PASSWORD_LENGTH = 8


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``hash-password`` command."""
    command = commands.add_parser("hash-password", help="make the salted hash of a staff password for secrets.toml")
    command.add_argument("--stdin", action="store_true", help="read the password from standard input")
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import getpass

    from partner_directory.access.passwords import hash_password

    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass(t("cli.password", args.lang))
    if len(password) < MIN_PASSWORD_LENGTH:
        print(t("cli.password_short", args.lang), file=sys.stderr)
        return EXIT_UNUSABLE
    print(hash_password(password))
    return EXIT_OK
