"""Named areas: one table, each name and form finds its area, a near search keeps offices near ANY of its cities."""

from __future__ import annotations

import pytest

from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.i18n import t
from partner_directory.search.areas import area_definitions, area_key, resolve_area
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex
from tests.search_tables import GRAMMAR_TABLE, gazetteer_lookup


@pytest.mark.parametrize("area", area_definitions(), ids=lambda area: area.key)
def test_every_member_city_is_found_by_the_gazetteer_in_its_country(area):
    gazetteer = default_gazetteer()
    for name, country in area.cities:
        place = gazetteer.find_city(name, country=country)
        assert place is not None and place.country == country, (area.key, name)


@pytest.mark.parametrize("area", area_definitions(), ids=lambda area: area.key)
def test_every_name_and_form_names_its_area_and_both_languages_name_it(area):
    for name in area.names:
        assert area_key(name) == area.key, name
    for language in ("en", "pl"):
        assert area_key(t(f"search.area.{area.key}", language)) == area.key


def test_no_name_names_two_areas():
    seen: dict[str, str] = {}
    for area in area_definitions():
        for name in area.names:
            assert seen.setdefault(name.casefold(), area.key) == area.key, name


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("na Górnym Śląsku", "upper_silesia"),
        ("Górnego Śląska", "upper_silesia"),
        ("Upper Silesia", "upper_silesia"),
        ("w Trójmieście", "tricity"),
        ("Tricity", "tricity"),
        ("w Zagłębiu Ruhry", "ruhr"),
        ("Ruhrgebiet", "ruhr"),
        ("w Randstadzie", "randstad"),
        ("Bay Area", "bay_area"),
        ("w Dolinie Krzemowej", "silicon_valley"),
        ("Île-de-France", "paris_region"),
        ("ile de france", "paris_region"),
        ("Øresund", "oresund"),
        ("Greater London", "greater_london"),
        ("Gdańsk", None),
        ("London", None),
        ("Vienna", None),
    ],
)
def test_an_area_is_named_in_any_language_and_case(typed, key):
    assert area_key(typed) == key


@pytest.fixture(scope="module")
def index():
    return SearchIndex.build(GRAMMAR_TABLE, resolve_place=gazetteer_lookup())


def _near(index, near, radius, language="en"):
    result = search(index, Criteria(near=near, radius_km=radius), language=language)
    return sorted(result.rows["partner_id"]), result.description


def test_a_near_search_keeps_offices_within_the_radius_of_any_member_city(index):
    # Utrecht is a member of the Randstad, 35 km from Amsterdam; Amersfoort, 20 km from Utrecht, is not.
    assert _near(index, "Randstad", 10)[0] == ["utrecht"]
    assert _near(index, "Randstad", 25)[0] == ["amersfoort", "utrecht"]
    # Malmö and København are on either side of the Øresund, in two countries.
    assert _near(index, "Øresund", 10)[0] == ["kobenhavn", "malmo"]
    assert _near(index, "na Górnym Śląsku", 10)[0] == ["gliwice", "katowice"]


def test_the_sentence_says_which_area_and_cities_were_searched(index):
    _, english = _near(index, "na Górnym Śląsku", 50)
    _, polish = _near(index, "Upper Silesia", 50, "pl")
    assert "within 50 km of any city of Upper Silesia (Katowice, Gliwice, Zabrze, …)" in english
    assert "do 50 km od dowolnego miasta: Górny Śląsk (Katowice, Gliwice, Zabrze, …)" in polish
    _, tricity = _near(index, "Trójmiasto", 20)
    assert "Tricity (Gdańsk, Gdynia, Sopot)" in tricity  # three cities: no "…"


def test_an_area_whose_cities_are_not_found_is_no_place():
    assert resolve_area("Randstad", find_city=lambda name, country: None) is None
    area = resolve_area("Randstad", find_city=lambda name, country: default_gazetteer().find_city(name, country="DE"))
    assert area is None  # a namesake in another country is not a member


def test_the_page_names_the_place_searched_near_in_its_language():
    """The caption under the count names an area or a country in the page's language, not in English."""
    from partner_directory.search.areas import resolve_area
    from partner_directory.search.sentence import place_name

    area = resolve_area("Górny Śląsk")
    assert area is not None
    assert (place_name(area, "pl"), place_name(area, "en")) == ("Górny Śląsk", "Upper Silesia")
    germany = default_gazetteer().find_place("Niemcy")
    assert germany is not None and (place_name(germany, "pl"), place_name(germany, "en")) == ("Niemcy", "Germany")
