"""Searching (``search/engine.py``): filters, distance from a place, order, and what could not be used."""

from __future__ import annotations

import pytest
from geopy.distance import great_circle

from partner_directory.search.criteria import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, Criteria
from partner_directory.search.engine import search
from tests.search_tables import (
    NEAR_TABLE,
    PRECISION_TABLE,
    TEXT_TABLE,
    found,
    frame,
    gdansk,
    office,
)

# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (Criteria(countries=("DE",)), ["bavaria", "spree"]),
        (Criteria(countries=("Polska", "jp")), ["baltic", "textile", "kanto"]),  # spellings understood
        (Criteria(continents=("AS",)), ["dubai", "kanto"]),
        (Criteria(continents=("na", "AS")), ["dubai", "kanto", "ciudad"]),
        (Criteria(sectors=("ai",)), ["baltic", "aurora"]),
        (Criteria(sectors=("ROBOTICS", "gaming")), ["baltic", "kanto"]),  # any of them
        (Criteria(sectors=("Robot",)), []),  # a whole item, not a part of one
        (Criteria(services=("desk",)), ["baltic", "bavaria", "ciudad", "aurora"]),
        (Criteria(services=("desk", "events")), ["bavaria", "aurora"]),  # all of them
        (Criteria(services=("biurko", "sala konferencyjna")), ["baltic"]),
        (Criteria(languages=("de",)), ["bavaria", "spree"]),
        (Criteria(languages=("ja", "es")), ["kanto", "ciudad"]),  # any of them
        (Criteria(languages=("Spanish",)), ["ciudad"]),
        (Criteria(countries=("DE", "PL"), services=("desk",), languages=("en",)), ["baltic", "bavaria"]),
        (Criteria(text="software", continents=("EU",)), ["spree"]),
        (Criteria(text="AI", countries=("FI",)), ["aurora"]),
    ],
)
def test_filters(criteria, expected):
    assert found(search(TEXT_TABLE, criteria)) == expected


def test_sector_matches_ignore_accents():
    table = frame(office("a", sectors="Énergie; Santé"), office("b", sectors="Energy"))
    assert found(search(table, Criteria(sectors=("energie",)))) == ["a"]
    assert search(table, Criteria(sectors=("energie",)), language="pl").description.endswith("sektor: Énergie")


def test_empty_criteria_returns_everything_in_table_order(demo):
    result = search(demo, Criteria())
    assert Criteria().is_empty
    assert list(result.rows.index) == list(demo.index)
    assert result.rows["score"].isna().all() and result.rows["distance_km"].isna().all()
    assert result.partners == demo["partner_name"].str.casefold().nunique()
    assert result.countries == demo["country"].nunique()
    assert result.description == f"{result.partners} partners ({len(demo)} offices) in {result.countries} countries"
    assert result.problems == ()


def test_rows_keep_the_table_columns_and_index(demo):
    result = search(demo, Criteria(text="robotics"))
    assert list(result.rows.columns) == [*demo.columns, "score", "distance_km", "distance_text"]
    assert set(result.rows.index) <= set(demo.index)
    assert (result.rows["score"].diff().dropna() <= 0).all()  # best first


# -- distance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("near", "radius", "expected"),
    [
        ("Gdańsk", 50, ["gdansk", "gdynia"]),
        ("Gdansk", 50, ["gdansk", "gdynia"]),
        ("Danzig", 50, ["gdansk", "gdynia"]),
        ("Gdańsk", 300, ["gdansk", "gdynia", "warszawa"]),
        ("Gdańsk", None, ["gdansk", "gdynia", "warszawa"]),  # DEFAULT_RADIUS_KM
        ("Gdańsk", 450, ["gdansk", "gdynia", "warszawa", "berlin"]),
        ("Gdynia", 450, ["gdynia", "gdansk", "warszawa", "berlin"]),
        ("München", 100, ["muenchen"]),
        ("Munich", 100, ["muenchen"]),
        ("Monachium", 600, ["muenchen", "berlin"]),
        ("東京", 100, ["tokyo"]),
        ("Tokio", 100, ["tokyo"]),
    ],
)
def test_near(find_place, near, radius, expected):
    result = search(NEAR_TABLE, Criteria(near=near, radius_km=radius), resolve_place=find_place)
    assert found(result) == expected
    distances = result.rows["distance_km"]
    assert distances.is_monotonic_increasing and (distances <= (radius or DEFAULT_RADIUS_KM)).all()
    assert result.problems == ()


def test_near_distances_match_geopy(find_place):
    result = search(NEAR_TABLE, Criteria(near="Gdańsk", radius_km=MAX_RADIUS_KM), resolve_place=find_place)
    place = result.place
    assert place is not None and place.name == "Gdańsk" and place.country == "PL"
    assert found(result) == ["gdansk", "gdynia", "warszawa", "berlin", "muenchen", "tokyo"]  # Poznań has no place
    for _, row in result.rows.iterrows():
        expected = great_circle((place.latitude, place.longitude), (float(row.latitude), float(row.longitude))).km
        assert row.distance_km == pytest.approx(expected, rel=1e-3)
    assert result.rows.set_index("partner_id").loc["warszawa", "distance_km"] == pytest.approx(284, abs=2)


def test_country_as_place_without_radius_filters_by_country(find_place):
    result = search(NEAR_TABLE, Criteria(near="Polska"), resolve_place=find_place)
    assert found(result) == ["gdansk", "gdynia", "warszawa", "poznan"]  # Poznań too: no distance needed
    assert result.rows["distance_km"].isna().all()
    assert result.place is not None and result.place.kind == "country"
    assert result.description == "3 partners (4 offices) in 1 country · in Poland"


def test_near_a_country_with_a_radius_means_its_offices_and_says_so(find_place):
    """Before: distance from the capital, so Gdańsk counted as 284 km "near Polska" and Poznań not at all."""
    result = search(NEAR_TABLE, Criteria(near="Polska", radius_km=300), resolve_place=find_place)
    assert found(result) == ["gdansk", "gdynia", "warszawa", "poznan"]
    assert result.rows["distance_km"].isna().all() and (result.rows["distance_text"] == "").all()
    assert result.description == (
        "3 partners (4 offices) in 1 country · in Poland. "
        "A country has no single centre, so the distance was not used: these are the offices in Poland."
    )
    assert search(NEAR_TABLE, Criteria(near="Niemcy"), language="pl", resolve_place=find_place).description == (
        "Znaleziono 2 partnerów w 1 kraju · kraj: Niemcy"
    )


def test_offices_without_coordinates_are_left_out_and_counted(find_place):
    result = search(NEAR_TABLE, Criteria(near="Gdańsk", radius_km=400, countries=("PL",)), resolve_place=find_place)
    assert "poznan" not in found(result)
    assert result.description == (
        "2 partners (3 offices) in 1 country · in Poland · within 400 km of Gdańsk, Poland. "
        "1 office without a known location was left out."
    )


def test_near_combined_with_text_and_filters(find_place):
    criteria = Criteria(text="Baltc robotcs", sectors=("robotics",), near="Danzig", radius_km=500)
    result = search(NEAR_TABLE, criteria, resolve_place=find_place)
    assert found(result) == ["gdansk"]  # Gdynia's Baltic Robotics office is not in the sector
    assert result.rows["score"].iloc[0] > 0
    criteria = Criteria(sectors=("robotics",), near="Danzig", radius_km=500)
    assert found(search(NEAR_TABLE, criteria, resolve_place=find_place)) == ["gdansk", "warszawa", "berlin"]


def test_unknown_place_gets_a_sentence_and_no_results(find_place):
    """Before: every office came back, as if "near Xyzzy" meant "anywhere"."""
    result = search(NEAR_TABLE, Criteria(near="Xyzzy", radius_km=50), resolve_place=find_place)
    assert len(result.rows) == 0 and result.place is None
    assert result.problems == (
        "No place called “Xyzzy” is known, so no office can be said to be near it. "
        "Check the spelling, or try a larger town nearby.",
    )
    assert result.description == "No partners found · near “Xyzzy” (not found)"
    polish = search(NEAR_TABLE, Criteria(near="Xyzzy"), language="pl", resolve_place=find_place)
    assert polish.problems[0].startswith("Nie znamy miejsca o nazwie „Xyzzy”, więc nie da się wskazać biur")
    assert len(polish.rows) == 0


def test_default_resolver_is_the_gazetteer(find_place):
    result = search(NEAR_TABLE, Criteria(near="Gdansk", radius_km=50))
    assert found(result) == ["gdansk", "gdynia"]


def test_an_office_placed_only_in_its_country_has_no_distance():
    """Before: it stood at the capital, "0.0 km" from Warsaw and within 300 km of Gdańsk."""
    result = search(PRECISION_TABLE, Criteria(near="Gdańsk", radius_km=400), resolve_place=gdansk)
    assert "vague" not in found(result)
    assert result.description.endswith("1 office without a known location was left out.")


# -- problems ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "language", "problems"),
    [
        (Criteria(radius_km=50), "en", ("A distance of 50 km was given without a place, so it was not used.",)),
        (Criteria(radius_km=50), "pl", ("Podano odległość 50 km bez miejsca, więc nie została uwzględniona.",)),
        (Criteria(countries=("Atlantis", "PL")), "en", ("“Atlantis” is not a known country, so it was not used.",)),
        (Criteria(services=("parking",)), "pl", ("„parking” nie jest znaną usługą, więc nie została uwzględniona.",)),
        (Criteria(languages=("klingon",)), "en", ("“klingon” is not a known language, so it was not used.",)),
        (Criteria(continents=("XX",)), "en", ("“XX” is not a known continent, so it was not used.",)),
    ],
)
def test_problems(criteria, language, problems):
    result = search(TEXT_TABLE, criteria, language=language)
    assert result.problems == problems
    assert len(result.rows) == (2 if criteria.countries else len(TEXT_TABLE))  # what was understood still applies
