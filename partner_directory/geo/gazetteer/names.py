"""Place names as the index keys them: case, accents, punctuation and scripts folded away.

A name and its lookup are compared after :func:`name_key`, so ``Warszawa``,
``WARSZAWA`` and ``Saint-Étienne``/``Saint Etienne`` meet. Which spellings of
a GeoNames alternate name are indexed is decided by :func:`alternate_keys`.
"""

from __future__ import annotations

import re

from partner_directory.text import fold

#: Alternate names longer than this (after folding) are descriptions, not names.
MAX_ALTERNATE_NAME_LENGTH = 60

# Suffixes that CJK alternate names often carry ("臺北市", "서울특별시"); the
# name without one is indexed too, so 臺北 and 서울 are found on their own.
_CJK_NAME_SUFFIXES = ("特別市", "特别市", "특별시", "광역시", "市", "시")

#: Variant characters folded to one form on both sides of a lookup.
CHARACTER_VARIANTS = str.maketrans({"臺": "台"})

#: Runs of Chinese, Japanese or Korean script (written without spaces between words).
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")

_PUNCTUATION = re.compile(r"[\s\-‐‑–—'`.,;:()\[\]{}/\\\"«»„“”·・]+")
_CODE_LIKE = re.compile(r"^[A-Z0-9]{2,4}$")
_JUNK_ALTERNATE = re.compile(r"[\d/\[\]{}<>@=]|https?:")


def name_key(text: str) -> str:
    """Return the form under which a place name is indexed and looked up.

    :func:`~partner_directory.text.fold` plus: punctuation and hyphens become
    single spaces, and variant CJK characters are unified.

    >>> name_key("Saint-Étienne"), name_key("St. Gallen"), name_key("臺北")
    ('saint etienne', 'st gallen', '台北')
    """
    if text.isascii():  # what fold() does to ASCII, without its cost
        return _PUNCTUATION.sub(" ", text.lower()).strip()
    folded = fold(text).translate(CHARACTER_VARIANTS)
    return _PUNCTUATION.sub(" ", folded).strip()


def alternate_keys(alternate: str) -> tuple[str, ...]:
    """Index keys of one GeoNames alternate name; none for codes and junk."""
    if _CODE_LIKE.match(alternate) or _JUNK_ALTERNATE.search(alternate):
        return ()
    key = name_key(alternate)
    if len(key) > MAX_ALTERNATE_NAME_LENGTH:
        return ()
    keys: list[str] = []
    if CJK_RUN.search(key):
        if len(key) >= 2:
            keys.append(key)
            for suffix in _CJK_NAME_SUFFIXES:
                if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                    keys.append(key[: -len(suffix)])
                    break
    elif len(key) >= 3:
        keys.append(key)
    return tuple(keys)
