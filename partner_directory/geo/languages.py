"""Spoken languages of a partner office: recognised as ISO 639-1 codes, named in English or Polish."""

from __future__ import annotations

import gettext
from functools import lru_cache
from typing import Any

import pycountry

from partner_directory.geo.tablecache import cached_table, package_version
from partner_directory.text import fold

_NAME_LOCALES = ("pl", "de", "fr", "es")

#: Languages whose names of every language are kept with the cached table.
_DISPLAY_LANGUAGES = ("en", "pl")

#: Bump when the rules that build the tables change (the cached tables are then rebuilt).
TABLE_FORMAT_VERSION = 1


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, Any]]:
    """The spelling table and the English and Polish names, cached (see :mod:`partner_directory.geo.tablecache`)."""
    key = f"v{TABLE_FORMAT_VERSION}-pycountry-{package_version('pycountry')}-{'-'.join(_NAME_LOCALES)}"
    return cached_table("languages", key, lambda: {"lookup": _build_lookup(), "names": _build_names()})


def _lookup() -> dict[str, str]:
    lookup: dict[str, str] = _tables()["lookup"]
    return lookup


def _build_names() -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for language in _DISPLAY_LANGUAGES:
        translation = (
            gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[language]) if language != "en" else None
        )
        for entry in pycountry.languages:
            code = getattr(entry, "alpha_2", None)
            if code:
                names.setdefault(code, {})[language] = translation.gettext(entry.name) if translation else entry.name
    return names


def _build_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    with_codes = [lang for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    for language in with_codes:
        table.setdefault(fold(language.alpha_2), language.alpha_2)
        table.setdefault(fold(language.alpha_3), language.alpha_2)
        table.setdefault(fold(language.name), language.alpha_2)
    for locale in _NAME_LOCALES:
        translation = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[locale])
        for language in with_codes:
            table.setdefault(fold(translation.gettext(language.name)), language.alpha_2)
    return table


@lru_cache(maxsize=4096)
def resolve_language(text: str) -> str | None:
    """Return the ISO 639-1 code for ``en``, ``eng``, ``English``, ``angielski`` …, else ``None``.

    >>> resolve_language("Polish"), resolve_language("niemiecki"), resolve_language("Klingon")
    ('pl', 'de', None)
    """
    return _lookup().get(fold(text))


@lru_cache(maxsize=1024)
def language_name(code: str, language: str = "en") -> str:
    """Return the name of the language ``code`` in ``language``; unknown codes come back as given.

    >>> language_name("de", "pl")
    'niemiecki'
    """
    known = _tables()["names"].get(code, {}).get(language)
    if known:
        return str(known)
    entry = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    if entry is None:
        return code
    if language == "en":
        return str(entry.name)
    try:
        translation = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return str(entry.name)
    return translation.gettext(entry.name)
