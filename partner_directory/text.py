"""Text folding shared by header matching, country and place lookup and search.

Folding makes two spellings of the same word compare equal: case, accents,
Polish and other special letters, and runs of whitespace do not matter.
Scripts are kept (東京 stays 東京); a place name in another script is found
through the alternate names of the gazetteer, not by transliteration.
"""

from __future__ import annotations

import re
import unicodedata
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
