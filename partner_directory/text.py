"""Text folding shared by header matching, country and place lookup and search.

Folding makes two spellings of the same word compare equal: case, accents,
Polish and other special letters, and runs of whitespace do not matter.
Scripts are kept (東京 stays 東京); a place name in another script is found
through the alternate names of the gazetteer, not by transliteration.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters that Unicode does not decompose into a base letter and a mark.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
        "ħ": "h",
        "’": "'",
        "‘": "'",
        "`": "'",
    }
)
_SPACES = re.compile(r"\s+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Return ``text`` case-folded, without diacritics and with single spaces.

    >>> fold("  Gdańsk  ŁÓDŹ ")
    'gdansk lodz'
    >>> fold("München")
    'munchen'
    """
    if text.isascii():  # most names: the same result without the Unicode passes, several times faster
        return _SPACES.sub(" ", text.translate(_SPECIAL_LETTERS).lower()).strip()
    text = unicodedata.normalize("NFKC", text).translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def fold_compact(text: str) -> str:
    """Fold ``text`` and drop everything but letters and digits.

    Used where spaces, underscores and hyphens carry no meaning, such as
    column headers: ``"Kod pocztowy"``, ``"kod_pocztowy"`` and ``"KOD-POCZTOWY"``
    all become ``"kodpocztowy"``.
    """
    return _NOT_ALPHANUMERIC.sub("", fold(text))


def slugify(text: str) -> str:
    """Return a lowercase ASCII-ish slug: folded words joined by hyphens.

    >>> slugify("Pomorski Klaster ICT, Gdańsk")
    'pomorski-klaster-ict-gdansk'
    """
    return _NOT_ALPHANUMERIC.sub("-", fold(text)).strip("-")


# -- control characters: the one owner ------------------------------------------------------------------------
#
# A control character is invisible, and it breaks what reads text by lines or as XML: Excel (openpyxl refuses
# C0 controls; U+FFFE, U+FFFF and lone surrogates make a workbook unreadable), a calendar parser that splits
# lines like ``str.splitlines()`` (vertical tab, form feed, U+001C-U+001E, NEL, U+2028, U+2029), a terminal.
# Every text that did not come from the app passes through :func:`clean_text` (validation of a partner file,
# the visits register's input) or :func:`without_controls` (every Excel cell, the .ics) before it is kept or
# written.

#: Characters that end a line for ``str.splitlines()`` (and for most parsers that split on any of them).
LINE_BREAKS: frozenset[str] = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

#: Kinds of text field: one line (names, e-mail, ids) or several lines (an address, a description, a note).
ONE_LINE = "one_line"
MULTI_LINE = "multi_line"

_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
_CRLF = re.compile("\r\n")


def is_control(character: str) -> bool:
    """True for a character no stored or exported text may hold as it is.

    C0 controls (U+0000-U+001F, tab and line feed included), DEL, C1 controls
    (U+0080-U+009F, NEL U+0085 included), the line and paragraph separators
    U+2028 and U+2029, lone surrogates and the noncharacters (U+FDD0-U+FDEF,
    U+xFFFE and U+xFFFF in every plane).

    >>> [is_control(c) for c in ("\\x0b", "\\x85", "\\u2028", "a", "ł", "\\ufffe")]
    [True, True, True, False, False, True]
    """
    return bool(_CONTROL.fullmatch(character))


def code_point(character: str) -> str:
    """A character named as people can look it up: ``U+000B``.

    >>> code_point("\\x0b"), code_point("\\u2028")
    ('U+000B', 'U+2028')
    """
    return f"U+{ord(character):04X}"


@dataclass(frozen=True)
class CleanText:
    """A text without control characters, and the control characters that were in it.

    ``found`` names each distinct control character once, in order of first
    appearance; a line break that a multi-line field keeps is not in it.
    """

    text: str
    found: tuple[str, ...] = ()

    @property
    def code_points(self) -> str:
        """The characters found as ``U+000B, U+2028``."""
        return ", ".join(code_point(c) for c in self.found)


def clean_text(text: str, *, kind: str = ONE_LINE) -> CleanText:
    """``text`` without control characters, saying which ones it held.

    ``kind`` decides what a line break and a tab become:

    - :data:`ONE_LINE` (names, ids, e-mail, city, every partner column but the
      two below): every line break (``LINE_BREAKS``, CR LF as one) and tab
      becomes a space, and is reported;
    - :data:`MULTI_LINE` (``address``, ``description``, the file's own extra
      columns, a visit's note): line feed and tab are kept, CR LF and CR become
      a line feed silently (the same break, as another system writes it), and
      every other line break (VT, FF, U+001C-U+001E, NEL, U+2028, U+2029)
      becomes a line feed and is reported.

    Every other control character (see :func:`is_control`) is removed and reported.

    >>> clean_text("Vt\\x0bCorp")
    CleanText(text='Vt Corp', found=('\\x0b',))
    >>> clean_text("a\\r\\nb\\u2028c\\x00", kind=MULTI_LINE)
    CleanText(text='a\\nb\\nc', found=('\\u2028', '\\x00'))
    """
    if kind not in (ONE_LINE, MULTI_LINE):
        raise ValueError(f"unknown kind of text field: {kind}")
    # isprintable() is False for every control (Cc, Cs, Zl, Zp, unassigned), and ten times faster than the search.
    if text.isprintable() or not _CONTROL.search(text):
        return CleanText(text)
    multi_line = kind == MULTI_LINE
    if multi_line:
        text = _CRLF.sub("\n", text).replace("\r", "\n")
    found: dict[str, None] = {}

    def replace(match: re.Match[str]) -> str:
        character = match.group()
        if multi_line and character in "\n\t":
            return character
        if character == "\r" and not multi_line and match.end() < len(text) and text[match.end()] == "\n":
            found.setdefault(character)
            return ""  # CR LF: one break, one space
        found.setdefault(character)
        if character in LINE_BREAKS:
            return "\n" if multi_line else " "
        return " " if character == "\t" else ""

    cleaned = _CONTROL.sub(replace, text)
    return CleanText(cleaned, tuple(found))


def without_controls(text: str, *, kind: str = ONE_LINE) -> str:
    """``text`` without control characters (see :func:`clean_text`), for a caller that need not say which.

    >>> without_controls("Biuro\\x0bGłówne"), without_controls("a\\nb", kind=MULTI_LINE)
    ('Biuro Główne', 'a\\nb')
    """
    return clean_text(text, kind=kind).text


def email_key(address: str) -> str:
    """The one form in which two e-mail addresses are the same member's: NFKC, Unicode case folding, no outer spaces.

    >>> email_key(" Żaneta.Zxq@Example.ORG ") == email_key("żaneta.zxq@example.org") == email_key("ŻANETA.ZXQ@EXAMPLE.ORG")
    True
    >>> email_key("zaneta.zxq@example.org") == email_key("żaneta.zxq@example.org")
    False
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold()).strip()
