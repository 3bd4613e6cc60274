"""The formula guard: spreadsheet cells that would run as formulas get a leading apostrophe.

OWASP's CSV-injection rule: a cell beginning with ``=``, ``+``, ``-``, ``@``,
tab or carriage return is read by Excel and LibreOffice as a formula. Writing
``'`` in front makes it text. Plain numbers (``-73.9857``) and phone numbers
(``+48 58 123 45 67``) cannot run anything and stay readable.

:func:`unguard_cell` undoes :func:`guard_cell` exactly, so loading a file the
project wrote gives back the values it started from.

:func:`file_name_refusal` is the rule for an uploaded file's name, which is
shown on pages and written into logs: no control character, and not empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from partner_directory.text import clean_text

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"

# A plain number, or a phone number: "+", digits and single spaces only —
# neither can name a cell or call a function.
_HARMLESS = re.compile(r"[+-]?\d+(?:[.,]\d+)?|\+\d+(?: \d+)*")


def _is_dangerous(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS) and not _HARMLESS.fullmatch(value)


def _needs_guard(value: str) -> bool:
    # A value that already starts with guard characters before a trigger gets
    # one more, so that unguarding stays exact.
    return _is_dangerous(value.lstrip(GUARD))


def guard_cell(value: str) -> str:
    """Return ``value`` safe to open in a spreadsheet.

    A dangerous value gets one ``'`` in front — two when it ends with ``'``
    itself, so that a value a person wrapped in apostrophes
    (``'-- best partner --'``) is never mistaken for a guarded one when loaded.

    >>> guard_cell("=HYPERLINK(\\"http://x\\")"), guard_cell("+48 58 123 45 67"), guard_cell("-12.5")
    ('\\'=HYPERLINK("http://x")', '+48 58 123 45 67', '-12.5')
    """
    if not _needs_guard(value):
        return value
    return GUARD * 2 + value if value.endswith(GUARD) else GUARD + value


def unguard_cell(value: str) -> str:
    """Undo :func:`guard_cell`: ``unguard_cell(guard_cell(v)) == v`` for every string.

    A value that ends with ``'`` is unguarded only when it starts with two
    (what :func:`guard_cell` writes for it); one ``'`` at each end is a person's
    own quoting and stays as typed.
    """
    if value.endswith(GUARD):
        if value.startswith(GUARD * 2) and _needs_guard(value):
            return value[2 * len(GUARD) :]
        return value
    if value.startswith(GUARD) and _needs_guard(value):
        return value[len(GUARD) :]
    return value


@dataclass(frozen=True)
class FileNameRefusal:
    """Why a file name is refused: the error's ``code`` (sentence ``error.<code>``) and its fields."""

    code: str
    characters: str = ""


def file_name_refusal(name: str) -> FileNameRefusal | None:
    """Why an uploaded file's ``name`` is refused, or ``None`` when it may be used.

    Any control character (NUL, tab, line breaks, C1, U+2028 … -- see
    :func:`partner_directory.text.is_control`) refuses it: removing one would
    name another file than the person chose, and a name is shown and logged.
    An empty (or blank) name is refused too.

    >>> file_name_refusal("partnerzy 2026.csv") is None
    True
    >>> file_name_refusal("a\\x00.csv")
    FileNameRefusal(code='bad_file_name', characters='U+0000')
    """
    cleaned = clean_text(name)
    if cleaned.found:
        return FileNameRefusal("bad_file_name", cleaned.code_points)
    if not name.strip():
        return FileNameRefusal("empty_file_name")
    return None
