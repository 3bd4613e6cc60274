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
