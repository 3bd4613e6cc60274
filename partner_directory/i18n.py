"""Polish and English words for everything a person reads.

The tables live in ``partner_directory/translations/*.json``, one file per
concept (``validation.json``, ``map.json`` …), each mapping a key to its text
in every language: ``{"key": {"en": "…", "pl": "…"}}``. Texts may hold
``str.format`` fields such as ``{value}``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "pl")
#: Each language by its own name, as a language switch offers it.
OWN_NAMES = {"en": "English", "pl": "Polski"}
DEFAULT_LANGUAGE = "en"
_TABLE_DIR = Path(__file__).with_name("translations")


@lru_cache(maxsize=1)
def tables() -> dict[str, dict[str, str]]:
    """Return every key with its texts, merged from all translation files.

    Raises ``ValueError`` when two files define the same key.
    """
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_TABLE_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"Translation key {key!r} is defined twice ({path.name}).")
            merged[key] = texts
    return merged


def normalise_language(language: str | None) -> str:
    """Map a browser locale such as ``"pl-PL"`` to a supported language code."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, language: str = DEFAULT_LANGUAGE, /, **fields: Any) -> str:
    """Return the text for ``key`` in ``language``, with ``fields`` filled in.

    Falls back to English, then to the key itself, so a missing translation
    shows up as a readable key instead of an exception.

    >>> t("validation.no_rows", "pl")
    'Plik ma nagłówek, ale nie ma w nim żadnego wiersza z partnerem.'
    """
    texts = tables().get(key)
    if texts is None:
        return key
    text = texts.get(normalise_language(language)) or texts.get(DEFAULT_LANGUAGE) or key
    return text.format(**fields) if fields else text


#: CLDR plural categories the translation tables use, in the order CLDR lists them.
PLURAL_CATEGORIES = ("one", "few", "many", "other")


def plural_category(count: float, language: str = DEFAULT_LANGUAGE) -> str:
    """The CLDR plural category of ``count`` in ``language``: "one", "few", "many" or "other".

    English (CLDR ``en``): "one" for exactly 1, else "other". Polish (CLDR ``pl``),
    for whole numbers: "one" for 1; "few" when the last digit is 2–4 and the last
    two are not 12–14; "many" for every other whole number (0, 5–21, 25 …);
    "other" for fractions.

    >>> [plural_category(n, "pl") for n in (0, 1, 2, 5, 12, 22, 25, 1.5)]
    ['many', 'one', 'few', 'many', 'many', 'few', 'many', 'other']
    >>> plural_category(1, "en"), plural_category(0, "en")
    ('one', 'other')
    """
    whole = float(count).is_integer()
    number = abs(int(count)) if whole else 0
    if normalise_language(language) == "pl":
        if not whole:
            return "other"
        if number == 1:
            return "one"
        if number % 10 in (2, 3, 4) and number % 100 not in (12, 13, 14):
            return "few"
        return "many"
    return "one" if whole and number == 1 else "other"


def tn(key: str, count: float, language: str = DEFAULT_LANGUAGE, /, **fields: Any) -> str:
    """The counted phrase ``key`` agreeing with ``count``: the text of ``key.<category>``.

    Every counted phrase is a family of four keys, ``key.one``, ``key.few``,
    ``key.many`` and ``key.other`` (CLDR categories; English uses only "one" and
    "other"). ``count`` is passed to the text as ``{count}`` unless ``fields``
    name it otherwise.

    >>> tn("search.count.offices", 3, "pl"), tn("search.count.offices", 5, "pl")
    ('(3 biura)', '(5 biur)')
    """
    return t(f"{key}.{plural_category(count, language)}", language, **({"count": count} | fields))
