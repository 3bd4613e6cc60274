"""Counted phrases agree with their counts: CLDR plural categories, and the words that follow the count."""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd
import pycountry
import pytest
from babel import Locale

from partner_directory.i18n import LANGUAGES, PLURAL_CATEGORIES, plural_category, t, tables, tn
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from tests.sources import project_sources

SOURCES = project_sources()
COUNTED_KEY = re.compile(r"""\btn\(\s*["']([a-z_]+\.[a-zA-Z0-9_.]+)["']""")
# Babel's CLDR tables are the independent answer.
CLDR = {language: Locale.parse(language) for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_categories_follow_cldr_for_0_to_200_and_fractions(language):
    for count in [*range(201), 1001, 1012, 1022, 0.5, 1.5, 2.5]:
        assert plural_category(count, language) == CLDR[language].plural_form(count), count


def test_polish_categories_by_example():
    examples = {1: "one", 2: "few", 4: "few", 22: "few", 104: "few", 0: "many", 5: "many", 12: "many", 14: "many"}
    assert {n: plural_category(n, "pl") for n in examples} == examples


def families() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for key in tables():
        stem, _, last = key.rpartition(".")
        if last in PLURAL_CATEGORIES:
            found[stem].add(last)
    return found


def test_every_counted_phrase_has_every_category():
    assert families(), "no counted phrase at all"
    incomplete = {stem: cats for stem, cats in families().items() if cats != set(PLURAL_CATEGORIES)}
    assert incomplete == {}


def test_every_counted_key_in_the_code_is_a_family():
    used = {key for path in SOURCES for key in COUNTED_KEY.findall(path.read_text(encoding="utf-8"))}
    assert "search.count.partners" in used
    assert sorted(key for key in used if key not in families()) == []


def test_a_missing_category_falls_back_readably():
    assert tn("no.such.family", 3, "pl") == "no.such.family.few"


# The Polish forms each category takes, written out by hand (not taken from the tables).
PARTNER = {"one": "1 partnera", "few": "partnerów", "many": "partnerów"}
MATCHING = {"one": "pasującego do", "few": "pasujących do", "many": "pasujących do"}
OFFICES = {"one": "biuro)", "few": "biura)", "many": "biur)"}
COUNTRIES = {"one": "kraju", "few": "krajach", "many": "krajach"}
CODES = sorted(c.alpha_2 for c in pycountry.countries)


def table(partners: int, offices: int, countries: int) -> pd.DataFrame:
    rows = [
        {
            "partner_name": f"Klaster {p}",
            "city": "Tokio",
            "country": CODES[p % countries] if countries else "",
        }
        for p in range(partners)
    ]
    rows += [dict(rows[o % partners]) for o in range(offices - partners)] if partners else []
    return pd.DataFrame(rows, columns=["partner_name", "city", "country"])


@pytest.mark.parametrize("count", range(201))
def test_the_polish_search_sentence_agrees_with_every_count(count):
    result = search(table(count, count + count // 3, count), Criteria(text="Tokio"), language="pl")
    sentence = result.description
    partners = plural_category(result.partners, "pl")
    assert result.partners == count
    if count == 0:
        assert sentence == "Nie znaleziono partnerów · pasujących do „Tokio”"
        return
    assert sentence.startswith(f"Znaleziono {count} ") and PARTNER[partners] in sentence, sentence
    assert f"· {MATCHING[partners]} „Tokio”" in sentence, sentence
    if result.offices != count:
        assert f"({result.offices} {OFFICES[plural_category(result.offices, 'pl')]}" in sentence, sentence
    assert f"w {count} {COUNTRIES[plural_category(count, 'pl')]}" in sentence, sentence


@pytest.mark.parametrize(("count", "english"), [(1, "1 partner in 1 country"), (2, "2 partners in 2 countries")])
def test_the_english_search_sentence(count, english):
    assert search(table(count, count, count), Criteria(text="Tokio")).description.startswith(english)


def test_the_issue_example_agrees():
    """ "Znaleziono 1 partnera … · pasujące do „Tokio”" was the defect."""
    sentence = search(table(1, 1, 1), Criteria(text="Tokio"), language="pl").description
    assert sentence == "Znaleziono 1 partnera w 1 kraju · pasującego do „Tokio”"
    assert t("search.count.none", "pl") in search(table(1, 1, 1), Criteria(text="Oslo"), language="pl").description


# A number field followed by a word outside a counted-phrase family is a phrase that may not agree.
NUMBER_BEFORE_WORD = re.compile(
    r"\{(count|rows|errors|warnings|placed|width|most|people|days|added|changed|removed)\} \w"
)
ALLOWED = {
    "staff.diff_summary": "English participles ('2 added') do not inflect; Polish uses labels ('dodano: 2')",
    "office.restored_counts": "as staff.diff_summary: '62 added' / 'dodano: 62'",
    "validation.long_row": "only for rows with more values than the header, so always 2 or more values",
    "overview.not_shown": "'at most 1 each' / 'najwyżej 1 w każdym': no noun follows the number",
    "staff.report_summary": "its fields hold counted phrases already worded by tn ('3 rows')",
    "error.config_smtp_timeout": "{most} is SMTP_MAX_TIMEOUT, 30: always 'seconds' / 's'",
}


def test_every_number_followed_by_a_word_is_a_counted_phrase():
    found = {
        key
        for key, texts in tables().items()
        if key.rpartition(".")[2] not in PLURAL_CATEGORIES
        for text in texts.values()
        if NUMBER_BEFORE_WORD.search(text)
    }
    assert found == set(ALLOWED)


@pytest.mark.parametrize(("count", "polish"), [(1, "Jedyne biuro"), (3, "Wszystkie 3 biura"), (5, "Wszystkie 5 biur")])
def test_all_offices_of_a_partner(count, polish):
    assert tn("ui.all_offices", count, "pl").startswith(polish)
