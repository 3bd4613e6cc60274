"""The sentence saying what was applied, and distances worded for people (``search/sentence.py``)."""

from __future__ import annotations

import pytest

from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from tests.search_tables import NEAR_TABLE, PRECISION_TABLE, TEXT_TABLE, frame, gdansk, known_places, office

# -- descriptions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "language", "description"),
    [
        (
            Criteria(sectors=("robotics",), near="Gdańsk", radius_km=300),
            "en",
            "2 partners in 1 country · sector Robotics · within 300 km of Gdańsk, Poland. "
            "1 office without a known location was left out.",
        ),
        (
            Criteria(sectors=("robotics",), near="Gdańsk", radius_km=300),
            "pl",
            "Znaleziono 2 partnerów w 1 kraju · sektor: Robotyka · do 300 km od: Gdańsk, Polska. "
            "Pominięto 1 biuro bez znanej lokalizacji.",
        ),
        (
            Criteria(near="Gdańsk", radius_km=12.5),
            "pl",
            "Znaleziono 1 partnera w 1 kraju · do 12,5 km od: Gdańsk, Polska. Pominięto 1 biuro bez znanej lokalizacji.",
        ),
        (Criteria(countries=("DE", "JP")), "en", "3 partners in 2 countries · in Germany or Japan"),
        (Criteria(countries=("DE", "JP")), "pl", "Znaleziono 3 partnerów w 2 krajach · kraj: Niemcy lub Japonia"),
        (
            Criteria(text="  robotics  ", continents=("EU",)),
            "en",
            "5 partners (6 offices) in 2 countries · matching “robotics” · in Europe",
        ),
        (
            Criteria(text="robotics", continents=("EU",)),
            "pl",
            "Znaleziono 5 partnerów (6 biur) w 2 krajach · pasujących do „robotics” · kontynent: Europa",
        ),
        (Criteria(text="zzzz"), "en", "No partners found · matching “zzzz”"),
        (Criteria(text="zzzz"), "pl", "Nie znaleziono partnerów · pasujących do „zzzz”"),
        (
            Criteria(sectors=("Gaming", "Maritime", "Software")),
            "en",
            "3 partners in 2 countries · sector Gaming, Maritime or Software",
        ),
    ],
)
def test_description(criteria, language, description):
    result = search(NEAR_TABLE, criteria, language=language, resolve_place=known_places)
    assert result.description == description


@pytest.mark.parametrize(
    ("criteria", "language", "fragment"),
    [
        (Criteria(services=("desk", "meeting_room")), "en", "offering desk and meeting room"),
        (Criteria(services=("desk", "meeting_room")), "pl", "usługi: biurko i sala spotkań"),
        (
            Criteria(services=("events", "internet", "introductions")),
            "pl",
            "usługi: wydarzenia, dostęp do internetu i kontakty lokalne",
        ),
        (Criteria(languages=("de", "fr")), "en", "speaking German or French"),
        (Criteria(languages=("de", "fr")), "pl", "język: niemiecki lub francuski"),
        (Criteria(continents=("NA", "SA")), "pl", "kontynent: Ameryka Północna lub Ameryka Południowa"),
        (Criteria(countries=("GB",)), "pl", "kraj: Wielka Brytania"),
    ],
)
def test_description_names_are_translated(criteria, language, fragment):
    assert search(TEXT_TABLE, criteria, language=language).description.endswith(fragment)


@pytest.mark.parametrize(
    ("ids", "language", "start"),
    [
        (["kanto"], "pl", "Znaleziono 1 partnera w 1 kraju"),
        (["kanto", "ciudad"], "pl", "Znaleziono 2 partnerów w 2 krajach"),
        (["kanto"], "en", "1 partner in 1 country"),
        (["baltic", "textile"], "en", "2 partners in 1 country"),
    ],
)
def test_counts(ids, language, start):
    table = TEXT_TABLE[TEXT_TABLE["partner_id"].isin(ids)]
    assert search(table, Criteria(), language=language).description == start


def test_offices_of_one_partner_count_once():
    table = frame(
        office("a", partner_name="Aurora"), office("b", partner_name="AURORA "), office("c", partner_name="Borealis")
    )
    result = search(table, Criteria(), language="pl")
    assert (result.partners, result.offices, result.countries) == (2, 3, 0)
    assert result.description == "Znaleziono 2 partnerów (3 biura)"


# -- distances -----------------------------------------------------------------------------


def test_an_office_placed_only_at_its_city_is_never_zero_km_as_if_exact():
    rows = search(PRECISION_TABLE, Criteria(near="Gdańsk", radius_km=400), resolve_place=gdansk).rows
    texts = dict(zip(rows["partner_id"], rows["distance_text"], strict=True))
    assert texts["street"] == "0.4 km"
    assert texts["city"] == "under 10 km (in the city; street not known)"
    assert texts["far"] == "≈ 20 km (from the city centre)"


def test_format_distance_in_polish():
    from partner_directory.search.sentence import format_distance

    assert format_distance(12.34, "address", "pl") == "12,3 km"
    assert format_distance(57.2, "city", "pl") == "ok. 57 km (od centrum miasta)"
    assert format_distance(3.0, "country", "pl") == format_distance(float("nan"), "address", "pl") == ""


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize("short", [False, True])
def test_many_distances_are_worded_as_each_alone(language, short):
    from partner_directory.search.sentence import format_distance, format_distances

    distances = [0.0, 0.02, 0.2, 3.0, 9.96, 9.99, 10.0, 10.04, 12.31, 12.34, 57.2, 57.6, float("nan"), 1234.5]
    precisions = ["address", "city", "postal", "country", "", "coordinates", " City ", None]
    pairs = [(km, precision) for km in distances for precision in precisions]
    worded = format_distances([km for km, _ in pairs], [precision for _, precision in pairs], language, short=short)
    assert worded == [format_distance(km, precision, language, short=short) for km, precision in pairs]
