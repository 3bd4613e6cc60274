"""Search follows Polish grammar: case forms → base forms → places, areas, countries and sectors."""

from __future__ import annotations

import numpy as np
import pytest
from babel import Locale

from partner_directory.search.areas import resolve_searched_place
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex
from partner_directory.search.inflection import base_forms, guessed_base_forms, phrase_variants
from tests.polish_locatives import locative
from tests.search_tables import GRAMMAR_TABLE, POLISH_FORMS, gazetteer_lookup

#: Least share of the gazetteer's Polish exonyms found from a locative made by tests/polish_locatives.py.
MIN_EXONYM_HIT_RATE = 0.95


@pytest.mark.parametrize(("form", "lemma", "kind"), POLISH_FORMS)
def test_a_case_form_has_its_base_form(form, lemma, kind):
    assert lemma.casefold() in {found.casefold() for found in base_forms(form)} or form == lemma, kind


@pytest.mark.parametrize(
    ("typed", "name", "country", "kind"),
    [
        ("Wiedniu", "Vienna", "AT", "city"),
        ("w Wiedniu", "Vienna", "AT", "city"),
        ("w Pradze", "Prague", "CZ", "city"),
        ("w Sztokholmie", "Stockholm", "SE", "city"),
        ("w Kopenhadze", "Copenhagen", "DK", "city"),
        ("w Mediolanie", "Milan", "IT", "city"),
        ("w Monachium", "Munich", "DE", "city"),
        ("w Rzymie", "Rome", "IT", "city"),
        ("w Lizbonie", "Lisbon", "PT", "city"),
        ("z Berlina", "Berlin", "DE", "city"),
        ("pod Krakowem", "Kraków", "PL", "city"),
        ("w Kolonii", "Köln", "DE", "city"),
        ("w Lipsku", "Leipzig", "DE", "city"),
        ("w Nowym Jorku", "New York City", "US", "city"),
        ("w Tel Awiwie", "Tel Aviv", "IL", "city"),
        ("w Damaszku", "Damascus", "SY", "city"),
        ("w Niemczech", "Germany", "DE", "country"),
        ("we Francji", "France", "FR", "country"),
        ("z Niemiec", "Germany", "DE", "country"),
        ("we Włoszech", "Italy", "IT", "country"),
        ("na Węgrzech", "Hungary", "HU", "country"),
        ("w Stanach Zjednoczonych", "United States", "US", "country"),
        ("w Wielkiej Brytanii", "United Kingdom", "GB", "country"),
    ],
)
def test_a_place_in_a_case_form_is_found(typed, name, country, kind):
    place = resolve_searched_place(typed, gazetteer_lookup())
    assert place is not None, typed
    assert (place.country, place.kind) == (country, kind)
    if kind == "city":
        assert place.name == name


@pytest.mark.parametrize(
    "word", ["offices", "Vienna", "Munich", "services", "robotics", "Prague", "Warsaw", "Copenhagen"]
)
def test_words_of_other_languages_have_no_polish_base_form_or_are_found_as_typed(word):
    place = gazetteer_lookup()(word)
    assert base_forms(word) == () or place is not None or not word[0].isupper()
    if place is not None:
        assert resolve_searched_place(word, gazetteer_lookup()) == place  # the typed form comes first


def test_a_person_s_name_is_never_a_place_s_base_form():
    # Morfeusz reads "Saratowie" as the plural of the surname "Sarat"; a search must not go to "Sarata".
    assert "Sarata" not in base_forms("Saratowie")
    assert guessed_base_forms("Saratowie")[0] == "Saratów"


def test_a_guess_as_short_as_a_country_code_is_not_looked_up():
    place = resolve_searched_place("w Kirowie", gazetteer_lookup())
    assert place is None or place.kind == "city"


def test_phrase_variants_agree_adjectives_with_their_noun():
    assert "wielka Brytania" in phrase_variants("Wielkiej Brytanii")
    assert "branża spożywcza" in phrase_variants("branży spożywczej")
    assert phrase_variants("offices") == ()


def test_gazetteer_exonyms_are_found_from_a_locative_made_by_independent_rules():
    """Every Polish city name CLDR gives (time zones' cities), put in the locative by tests/polish_locatives.py."""
    find = gazetteer_lookup()
    names = sorted({zone["city"] for zone in Locale("pl").time_zones.values() if "city" in zone})
    tried, found, wrong = 0, 0, []
    for name in names:
        base, form = find(name), locative(name)
        if base is None or form is None or base.kind != "city" or form == name:
            continue
        tried += 1
        place = resolve_searched_place(form, find)
        if place is not None and (place.name, place.country) == (base.name, base.country):
            found += 1
        elif place is not None:
            wrong.append((name, form, place.name, place.country))
    print(f"Polish exonyms found in the locative: {found}/{tried} = {found / tried:.1%}; elsewhere: {wrong}")
    assert tried >= 80
    assert found / tried >= MIN_EXONYM_HIT_RATE
    assert len(wrong) <= 1


@pytest.fixture(scope="module")
def grammar_index():
    return SearchIndex.build(GRAMMAR_TABLE, resolve_place=gazetteer_lookup())


def _ids(index, text, language="pl"):
    return sorted(search(index, Criteria(text=text), language=language).rows["partner_id"])


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("biura w Wiedniu", "Wiedeń"),
        ("klastry w Pradze", "klaster Praga"),
        ("robotyka w Monachium", "robotyka Monachium"),
        ("robotyką w Monachium", "robotyka Monachium"),
        ("w Sztokholmie", "Sztokholm"),
        ("w Kopenhadze", "Kopenhaga"),
        ("w Mediolanie", "Mediolan"),
        ("z Berlina", "Berlin"),
        ("pod Krakowem", "Kraków"),
        ("biotechnologii w Berlinie", "biotechnologia Berlin"),
        ("w Niemczech", "Niemcy"),
        ("ze Szwecji", "Szwecja"),
        ("w branży spożywczej", "przemysł spożywczy"),
        ("na Górnym Śląsku", "Górny Śląsk"),
        ("w Trójmieście", "Trójmiasto"),
        ("w Zagłębiu Ruhry", "Ruhrgebiet"),
    ],
)
def test_an_inflected_query_finds_what_its_base_form_finds(grammar_index, inflected, base):
    expected = _ids(grammar_index, base)
    assert expected, base
    assert _ids(grammar_index, inflected) == expected
    assert _ids(grammar_index, inflected, "en") == expected  # the page's language does not matter


def test_a_named_area_in_the_text_finds_the_offices_in_its_cities(grammar_index):
    assert _ids(grammar_index, "Górny Śląsk") == ["gliwice", "katowice"]
    assert _ids(grammar_index, "Randstad") == ["utrecht"]
    assert _ids(grammar_index, "Øresund") == ["kobenhavn", "malmo"]


ENGLISH_QUERIES = [
    "robotics",
    "Robotics Munich",
    "offices in Vienna",
    "Prague",
    "health",
    "energy Germany",
    "fashion Milan",
    "software Gdańsk",
    "gaming",
    "maritime logistics",
    "AI",
    "Gdnask",
    "data centre",
]


@pytest.mark.parametrize("query", ENGLISH_QUERIES)
def test_english_queries_are_unchanged_by_polish_grammar(demo, query):
    """Scores on the demo file equal those of an index that never consults the Polish dictionary."""
    table = demo
    with_grammar = SearchIndex.build(table, resolve_place=gazetteer_lookup())
    without = SearchIndex.build(table, resolve_place=gazetteer_lookup())
    without.use_polish_forms = False
    assert np.array_equal(with_grammar.text_scores(query), without.text_scores(query))


def test_the_polish_switch_is_what_finds_case_forms(grammar_index):
    """The comparison above could fail: without the Polish dictionary "w Wiedniu" finds nothing."""
    without = SearchIndex.build(GRAMMAR_TABLE, resolve_place=gazetteer_lookup())
    without.use_polish_forms = False
    assert _ids(without, "w Wiedniu") == []
    assert _ids(grammar_index, "w Wiedniu") == ["wien"]


def test_the_near_sentence_reads_the_place_without_its_preposition(grammar_index):
    result = search(grammar_index, Criteria(near="w Wiedniu", radius_km=50), language="en")
    assert sorted(result.rows["partner_id"]) == ["wien"]
    assert "within 50 km of Wiedniu (Vienna, Austria)" in result.description


def test_hostile_text_is_bounded():
    """A long phrase would make millions of combinations: only phrases a place's name can be long are varied."""
    assert phrase_variants(" ".join(["Górnym"] * 60)) == ()
    assert base_forms("ą" * 5000) == ()
    assert phrase_variants("Wiedniu\x00 Pradze")[0] == "Wiedeń Praga"  # a control character breaks nothing
    assert resolve_searched_place("w " + "Wiedniu " * 60, gazetteer_lookup()) is None
