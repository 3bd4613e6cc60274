"""Every word a person reads exists in English and Polish, and every key the code asks for exists."""

from __future__ import annotations

import re
import string

import pytest

from partner_directory.i18n import LANGUAGES, normalise_language, t, tables
from tests.sources import project_sources

SOURCES = project_sources()
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-zA-Z0-9_.]+)["']""")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(tables()))
def test_every_text_has_both_languages_with_the_same_fields(key):
    texts = tables()[key]
    assert set(texts) == set(LANGUAGES), key
    assert all(texts[language].strip() for language in LANGUAGES)
    assert fields(texts["en"]) == fields(texts["pl"]), key


def test_every_literal_key_in_the_code_exists():
    used = {key for path in SOURCES for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern found no keys at all"
    missing = sorted(key for key in used if key not in tables())
    assert missing == []


@pytest.mark.parametrize(
    ("locale", "language"), [("pl-PL", "pl"), ("pl", "pl"), ("en-GB", "en"), ("de-DE", "en"), (None, "en")]
)
def test_browser_locale(locale, language):
    assert normalise_language(locale) == language


def test_missing_key_shows_itself_not_an_exception():
    assert t("no.such.key", "pl") == "no.such.key"
