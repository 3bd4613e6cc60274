"""Places decided by what the row says: postal codes worldwide, same-name towns, districts, states, abbreviations.

The rows of ``tests/files/geocoding_postal_rows.csv`` were written from
real-world knowledge, one group per kind of input, in more than eight
countries, with the true coordinates; rows where no city can be known have none.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from partner_directory.geo.countries import resolve_country, states_named
from partner_directory.geo.distance import distance_km, great_circle_km, shown_distance_km
from partner_directory.geo.gazetteer.names import name_variants
from partner_directory.geo.gazetteer.postal import default_postal_index
from partner_directory.geo.gazetteer.postcodes import code_key, codes_in_text, lookup_keys, names_a_rural_area
from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.geo.geocoding.base import APPROXIMATE, PRECISIONS, UNLOCATED
from partner_directory.geo.geocoding.chain import Geocoder, describe_note
from partner_directory.i18n import t
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.validation import check

RIGHT_KM = 30.0
CONFIDENT = ("address", "postal", "city")


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder.offline(gazetteer=default_gazetteer())


# -- pure decisions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        (" 80-309 ", "80309"),
        ("sw1a 1aa", "SW1A1AA"),
        ("111 22", "11122"),
        ("1050-148", "1050148"),
        ("K1A 0B1", "K1A0B1"),
    ],
)
def test_a_code_is_folded_to_one_form(typed, folded):
    assert code_key(typed) == folded


@pytest.mark.parametrize(
    ("typed", "lengths", "numeric", "country", "padded", "first_keys"),
    [
        ("D-80331", (5,), True, "DE", False, ["D80331", "80331"]),
        ("PL-80-309", (5,), True, "PL", False, ["PL80309", "80309"]),
        ("SE-111 22", (5,), True, "SE", False, ["SE11122", "11122"]),
        ("1067", (5,), True, "DE", True, ["1067", "01067"]),  # Excel dropped the leading zero
        ("1067", (5,), True, "DE", False, ["1067"]),  # in free text a short number stays as written
        ("SW1A 1AA", (4, 3, 2), False, "GB", False, ["SW1A1AA", "SW1A"]),
        ("K1A 0B1", (3,), False, "CA", False, ["K1A0B1", "K1A"]),
        ("1012 AB", (4,), False, "NL", False, ["1012AB", "1012"]),
        ("3270", (6,), False, "LV", False, ["3270", "LV3270"]),
        ("12", (5,), True, "DE", True, ["00012"]),
        ("94043-1351", (5,), True, "US", False, ["940431351", "94043"]),  # ZIP+4
    ],
)
def test_which_forms_of_a_typed_code_are_looked_up(typed, lengths, numeric, country, padded, first_keys):
    found = lookup_keys(typed, lengths=lengths, numeric=numeric, country=country, padded=padded)
    assert found[: len(first_keys)] == first_keys


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("D-80331 München", ["D-80331"]),
        ("80-309 Gdańsk", ["80-309"]),
        ("SE-111 22 Stockholm", ["SE-111 22"]),
        ("ul. Długa 5, 80-827 Gdańsk", ["80-827"]),
        ("10 Downing Street, London SW1A 2AA", ["SW1A 2AA"]),
        ("Gdańsk", []),
    ],
)
def test_codes_written_inside_a_city_or_an_address_are_found(text, codes):
    assert codes_in_text(text) == codes


@pytest.mark.parametrize(
    ("key", "country", "first"),
    [
        ("mt vernon", "US", "mount vernon"),
        ("ft lauderdale", "US", "fort lauderdale"),
        ("st gallen", "CH", "saint gallen"),
        ("la", "US", "los angeles"),
        ("kl", "MY", "kuala lumpur"),
        ("hk", "HK", "hong kong"),
    ],
)
def test_abbreviations_come_from_one_table(key, country, first):
    assert name_variants(key, country)[0] == first


def test_a_short_form_means_a_city_only_where_its_country_settles_it():
    assert name_variants("la", "ES") == []
    assert name_variants("kl", "US") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Korea (Republic of)", "KR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("Taiwan, Province of China", "TW"),
        ("Congo (Democratic Republic of the)", "CD"),
        ("Moldova (Republic of)", "MD"),
        ("Atlantis (Republic of)", None),
    ],
)
def test_a_country_name_with_a_qualifier_is_recognised(text, code):
    assert resolve_country(text) == code


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("Texas", [("US", "Texas")]),
        ("Ontario", [("CA", "Ontario")]),
        ("Western Australia", [("AU", "Western Australia")]),
        ("Georgia", [("US", "Georgia")]),
        ("Poland", []),
    ],
)
def test_states_provinces_and_territories_are_known(text, states):
    assert states_named(text) == states


def test_postal_is_one_of_the_precisions_and_shown_as_approximate():
    assert "postal" in PRECISIONS and "postal" in APPROXIMATE and "postal" not in UNLOCATED
    assert shown_distance_km(12.34, "postal") == 12.0
    for language in ("en", "pl"):
        assert t("staff.precision.postal", language) != t("staff.precision.city", language)
        assert t("search.precision.postal", language)


# -- the index ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "country", "latitude", "longitude"),
    [
        ("80-309", "PL", 54.40, 18.57),
        ("D-80331", "DE", 48.14, 11.58),
        ("01067", "DE", 51.05, 13.74),
        ("SE-111 22", "SE", 59.33, 18.06),
        ("SW1A 1AA", "GB", 51.50, -0.14),
        ("K1A 0B1", "CA", 45.42, -75.70),
        ("1012 AB", "NL", 52.37, 4.90),
        ("94043", "US", 37.41, -122.08),
        ("1050-148", "PT", 38.72, -9.14),
    ],
)
def test_the_postal_index_knows_codes_of_many_countries(code, country, latitude, longitude):
    found = default_postal_index().find(code, country)
    assert found is not None
    assert distance_km(found.latitude, found.longitude, latitude, longitude) < 10


@pytest.mark.parametrize(("code", "rural"), [("K0G 1E0", True), ("A0A 1B0", True), ("M5V 3L9", False)])
def test_a_rural_area_code_is_no_place(code, rural):
    assert names_a_rural_area(code_key(code), "CA") is rural
    assert (default_postal_index().find(code, "CA") is None) is rural


def test_the_postal_index_is_bounded():
    index = default_postal_index()
    assert 500_000 < len(index) < 2_000_000
    assert index.find("00-000", "PL") is None
    assert index.find("80309", "XX") is None


# -- decisions on rows ---------------------------------------------------------------


def test_the_rows_written_for_each_kind_are_placed_right_and_never_confidently_wrong(geocoder, files: Path):
    with (files / "geocoding_postal_rows.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len({row["country"] for row in rows}) >= 8
    table = pd.DataFrame(
        [{k: v for k, v in row.items() if not k.startswith("true_") and k != "kind"} for row in rows], dtype=object
    )
    placed, _ = geocoder.geocode_table(table)
    known = right = 0
    mistakes: list[str] = []
    for row, result in zip(rows, placed.to_dict("records"), strict=True):
        precision = result["geocode_precision"]
        if not row["true_latitude"]:
            if precision in CONFIDENT:
                mistakes.append(f"{row['city']}: {precision}, no city can be known")
            continue
        known += 1
        off = (
            math.inf
            if math.isnan(result["lat"])
            else distance_km(result["lat"], result["lon"], float(row["true_latitude"]), float(row["true_longitude"]))
        )
        if off <= RIGHT_KM:
            right += 1
        elif precision in CONFIDENT:
            mistakes.append(f"{row['kind']} {row['city'] or row['postal_code']}: {off:.0f} km at {precision}")
    assert mistakes == []
    assert right / known >= 0.95, f"{right}/{known}"


def test_a_postal_code_and_a_country_alone_place_the_office_at_the_code(geocoder):
    result = geocoder.geocode(geocoder.query_of({"postal_code": "80-309", "country": "PL"}))
    assert result.precision == "postal"
    assert distance_km(result.latitude, result.longitude, 54.40, 18.57) < 5  # type: ignore[arg-type]


def test_the_postal_code_decides_among_same_name_towns_against_population(geocoder):
    weinstrasse = geocoder.geocode(geocoder.query_of({"city": "Neustadt", "postal_code": "67433", "country": "DE"}))
    sachsen = geocoder.geocode(geocoder.query_of({"city": "Neustadt", "postal_code": "01844", "country": "DE"}))
    assert weinstrasse.precision == sachsen.precision == "city"
    assert distance_km(weinstrasse.latitude, weinstrasse.longitude, 49.35, 8.14) < 10  # type: ignore[arg-type]
    assert distance_km(sachsen.latitude, sachsen.longitude, 51.02, 14.22) < 10  # type: ignore[arg-type]


def test_a_city_and_a_postal_code_far_apart_are_never_placed_confidently(geocoder):
    result = geocoder.geocode(geocoder.query_of({"city": "Kraków", "postal_code": "80-309", "country": "PL"}))
    assert result.precision == "country"
    assert result.note == "conflict"
    for language in ("en", "pl"):
        sentence = describe_note(result.note, result.suggestions, language)
        assert "Kraków" in sentence and "80-309 Gdańsk" in sentence


@pytest.mark.parametrize("city", ["Nevada", "Georgia", "Germany"])
def test_a_country_or_state_in_the_city_column_is_never_a_city(geocoder, city):
    country = "DE" if city == "Germany" else "US"
    result = geocoder.geocode(geocoder.query_of({"city": city, "country": country}))
    assert result.precision == "country"
    assert describe_note(result.note, result.suggestions, "pl")


def test_a_district_without_a_gazetteer_entry_is_placed_by_its_code_not_at_the_capital(geocoder):
    result = geocoder.geocode(geocoder.query_of({"city": "Schwabing", "postal_code": "80802", "country": "DE"}))
    assert result.precision == "postal"
    assert distance_km(result.latitude, result.longitude, 48.16, 11.58) < 5  # type: ignore[arg-type]


def test_a_suburb_the_gazetteer_does_not_know_is_placed_at_the_city_its_address_names(geocoder):
    result = geocoder.geocode(
        geocoder.query_of({"city": "Tarchomin", "address": "ul. Światowida 1, Warszawa", "country": "PL"})
    )
    assert result.precision == "city" and result.label == "Warsaw"


def test_a_state_that_is_also_a_country_is_read_with_the_city(geocoder):
    atlanta = geocoder.query_of({"city": "Atlanta", "country": "GE"})  # a check made "Georgia" GE
    tbilisi = geocoder.query_of({"city": "Tbilisi", "country": "GE"})
    assert (atlanta.country, atlanta.region) == ("US", "Georgia")
    assert (tbilisi.country, tbilisi.region) == ("GE", "")


def test_a_row_with_a_postal_code_and_a_country_but_no_city_is_accepted(files: Path):
    table = load_bytes(b"partner_name,postal_code,country\nKod Sp. z o.o.,80-309,PL\n", filename="postal.csv")
    checked = check(table)
    assert not [problem for problem in checked.report.problems if problem.code == "missing_place"]


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("Tomaszów Maz.", "Tomaszów Mazowiecki"),
        ("Ostrów Wlkp.", "Ostrów Wielkopolski"),
        ("Ruda Śl.", "Ruda Śląska"),
        ("Dąbrowa Górn.", "Dąbrowa Górnicza"),
        ("Piotrków Tryb.", "Piotrków Trybunalski"),
        ("Kostrzyn n. Odrą", "Kostrzyn nad Odrą"),
        ("Nowy Dwór Gd.", "Nowy Dwór Gdański"),
        ("Skarżysko-Kam.", "Skarżysko-Kamienna"),
    ],
)
def test_polish_addresses_shorten_a_towns_qualifier(city, expected):
    """The same table as Mt. and St.: the adjective is tried in both genders, the gazetteer knows which."""
    found = default_gazetteer().locate(city=city, country="PL")
    assert found.place is not None and found.place.name == expected and found.reason == ""


@pytest.mark.parametrize(
    ("city", "country", "latitude", "longitude"),
    [
        ("D-15230 Frankfurt", "DE", 52.34, 14.55),  # the smaller namesake, which the code names
        ("15230 Frankfurt", "DE", 52.34, 14.55),
        ("CH-8001 Zürich", "CH", 47.37, 8.54),
        ("80-309 Gdańsk", "PL", 54.37, 18.61),
    ],
)
def test_a_code_written_in_the_city_column_decides_as_the_code_column_does(city, country, latitude, longitude):
    found = default_gazetteer().locate(city=city, country=country)
    assert found.place is not None, found
    assert great_circle_km(found.place.latitude, found.place.longitude, latitude, longitude) < 30


def test_a_state_in_the_country_column_becomes_its_country_in_the_published_table():
    """The list, the filters and the downloads say United States for "Austin, Texas", never "Texas" or Georgia (GE)."""
    from partner_directory.sheet.contract import conform

    data = (
        b"partner_name,city,postal_code,country\n"
        b"A,Atlanta,,Georgia\nB,Austin,,Texas\nC,Portland,97201,Oregon\nD,Melbourne,,Victoria\nE,Tbilisi,,Georgia\n"
    )
    checked = check(load_bytes(data, filename="states.csv"))
    warned = [p for p in checked.report.problems if p.code == "country_is_state"]
    assert [p.value for p in warned] == ["Texas", "Oregon", "Victoria"]
    assert "Stany Zjednoczone" in warned[0].message("pl") and "United States" in warned[0].message("en")
    table, _ = Geocoder.offline().geocode_table(conform(checked.table))
    assert list(table["country"]) == ["US", "US", "US", "AU", "GE"]
    assert list(table["continent"]) == ["NA", "NA", "NA", "OC", "AS"]


@pytest.mark.parametrize(
    ("city", "country", "expected"),
    [
        ("Pomorze", "PL", None),  # a region's everyday name, one letter from the village Pogórze: not a guess to act on
        ("Mazury", "PL", None),
        ("Gdańks", "PL", "Gdańsk"),  # a typo of a town large enough to be sure of is still corrected
        ("Muenchenn", "DE", "Munich"),
    ],
)
def test_a_misspelling_is_taken_for_a_place_only_when_the_place_is_large_enough_to_be_sure(city, country, expected):
    found = default_gazetteer().locate(city=city, country=country)
    assert (found.place.name if found.place else None) == expected, found
