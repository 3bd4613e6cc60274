"""One sentence per fact, the page's language everywhere, places in the list (issue 18: defects 8, 10, 14).

Pure decisions, as tables: which sector words are translated, how small distances and
placements read in the downloads, the office's place in one line without repeating
what the address already says, and when the page may say where distances are measured from.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from partner_directory.geo.distance import shown_distance_km
from partner_directory.i18n import tables
from partner_directory.sheet.listing import member_csv, member_table, office_place, placed_by
from partner_directory.sheet.schema import sector_name


@pytest.mark.parametrize(
    ("data", "language", "shown"),
    [
        ("Robotics", "pl", "Robotyka"),
        ("robotics", "en", "Robotics"),
        ("  Smart  City ", "pl", "Inteligentne miasta"),
        ("Maritime", "pl", "Gospodarka morska"),
        ("Creative Industries", "pl", "Przemysły kreatywne"),
        ("Quantum Widgets", "pl", "Quantum Widgets"),  # unknown: the data's own spelling
        ("Kwantowe widżety", "en", "Kwantowe widżety"),
    ],
)
def test_a_sector_is_named_in_the_page_language_or_as_the_data_spells_it(data, language, shown):
    assert sector_name(data, language) == shown


def test_every_sector_of_the_sample_list_has_a_polish_name():
    sample = pd.read_csv("data/partners.csv", dtype=str).fillna("")
    sectors = {s.strip() for cell in sample["sectors"] for s in cell.replace("|", ";").split(";") if s.strip()}
    assert sectors  # the sample has sectors
    untranslated = [s for s in sorted(sectors) if f"sector.{' '.join(s.lower().split())}" not in tables()]
    assert untranslated == []


@pytest.mark.parametrize(
    ("distance", "precision", "shown"),
    [
        (0.2, "address", 0.2),
        (0.2, "postal", 0.2),
        (0.2, "city", 0.2),
        (0.02, "address", 0.1),  # above zero is never "0"
        (0.0, "address", 0.0),
        (3.6, "city", 4.0),
        (3.0, "country", None),
    ],
)
def test_small_distances_keep_a_decimal(distance, precision, shown):
    assert shown_distance_km(distance, precision) == shown


def _offices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partner_name": ["Pomeranian ICT Cluster", "Bavarian Robotics"],
            "office_name": ["Gdynia Harbour Office", "HQ"],
            "address": ["ul. Przykładowa 3, 81-300 Gdynia", "Leopoldstraße 1"],
            "postal_code": ["81-300", "80802"],
            "city": ["Gdynia", "München"],
            "country": ["PL", "DE"],
            "sectors": ["Maritime; Logistics", "Robotics; Quantum Widgets"],
            "geocode_precision": ["address", "city"],
            "geocode_source": ["input", "gazetteer"],
            "distance_km": [0.2, 3.0],
        }
    )


def test_the_download_says_how_each_office_was_placed_and_keeps_small_distances():
    table = member_table(_offices(), language="pl", with_distance=True)
    assert list(table["Umiejscowienie"]) == ["współrzędne z pliku", "centrum miasta"]
    assert list(table["Odległość (km)"]) == [0.2, 3]
    assert list(table["Branże"]) == ["Gospodarka morska, Logistyka", "Robotyka, Quantum Widgets"]
    rows = list(csv.reader(io.StringIO(member_csv(table).decode("utf-8-sig"), newline=""), delimiter=";"))
    distance = rows[0].index("Odległość (km)")
    assert [rows[1][distance], rows[2][distance]] == ["0,2", "3"]  # Polish Excel's decimal comma


@pytest.mark.parametrize(
    ("precision", "source", "language", "words"),
    [
        ("address", "gazetteer", "en", "address"),
        ("address", "manual", "pl", "współrzędne z pliku"),
        ("postal", "gazetteer", "en", "postal code area"),
        ("city", "online", "pl", "centrum miasta"),
        ("country", "gazetteer", "en", "country only"),
        ("none", "none", "pl", "nie umiejscowiono"),
        ("", "", "en", "not placed"),
    ],
)
def test_placed_by_in_the_page_words(precision, source, language, words):
    assert placed_by(precision, source, language) == words


@pytest.mark.parametrize(
    ("address", "postal_code", "city", "line"),
    [
        ("ul. Przykładowa 3, 81-300 Gdynia", "81-300", "Gdynia", "Office, ul. Przykładowa 3, 81-300 Gdynia, Polska"),
        ("ul. Przykładowa 3, 81-300 Gdynia", "81-300", "", "Office, ul. Przykładowa 3, 81-300 Gdynia, Polska"),
        ("ul. Długa 1", "80-001", "Gdańsk", "Office, ul. Długa 1, 80-001 Gdańsk, Polska"),
        ("ul. Długa 1, Gdańsk", "80-001", "Gdańsk", "Office, ul. Długa 1, Gdańsk, 80-001, Polska"),
        ("", "", "Gdańsk", "Office, Gdańsk, Polska"),
    ],
)
def test_the_office_place_says_each_part_once(address, postal_code, city, line):
    office = {"office_name": "Office", "address": address, "postal_code": postal_code, "city": city, "country": "PL"}
    assert office_place(office, "pl") == line


# -- one sentence per fact: the page says where distances are measured from only when they were --


@pytest.mark.parametrize(
    ("near", "radius", "language", "measured_from"),
    [
        ("Polska", 150, "pl", ""),  # a country has no centre: the distance is not used, so nothing is measured
        ("Polska", None, "en", ""),
        ("Niemcy", 150, "pl", ""),
        ("", None, "pl", ""),
        ("Gdańsk", 150, "pl", "Gdańsk, Polska"),
        ("Gdańsk", 150, "en", "Gdańsk, Poland"),
        ("Monachium", 150, "pl", "Monachium (Munich, Niemcy)"),  # as typed first, the country in Polish
    ],
)
def test_distances_are_said_to_be_measured_only_when_they_were(find_place, near, radius, language, measured_from):
    from partner_directory.search.criteria import Criteria
    from partner_directory.search.engine import search
    from tests.search_tables import NEAR_TABLE

    result = search(NEAR_TABLE, Criteria(near=near, radius_km=radius), language=language, resolve_place=find_place)
    assert result.measured_from == measured_from
    if measured_from:
        assert measured_from in result.description  # the caption repeats the sentence's own naming


def test_the_search_sentence_names_a_sector_in_the_page_language():
    from partner_directory.search.criteria import Criteria
    from partner_directory.search.engine import search
    from tests.search_tables import NEAR_TABLE

    result = search(NEAR_TABLE, Criteria(sectors=("robotics",)), language="pl")
    assert "Robotyka" in result.description and "Robotics" not in result.description


def test_both_offices_in_polish():
    from partner_directory.sheet.listing import offices_heading

    assert offices_heading(2, "pl") == "Oba biura tego partnera"
    assert offices_heading(2, "en") == "Both offices of this partner"
    assert offices_heading(4, "pl") == "Wszystkie 4 biura tego partnera"


# -- an office whose city is only in its address has its city -----------------------------------


@pytest.mark.parametrize(
    ("address", "postal_code", "city", "country", "expected"),
    [
        ("ul. Przykładowa 3, 81-300 Gdynia", "81-300", "", "PL", "Gdynia"),
        ("Näidise tn 12, 51003 Tartu", "51003", "", "EE", "Tartu"),
        ("ul. Długa 1", "80-001", "Gdańsk", "PL", "Gdańsk"),  # a city given stays as given
        ("Somewhere 1", "", "", "PL", ""),  # not found: nothing invented
    ],
)
def test_the_city_is_filled_from_the_address_where_the_gazetteer_found_it(
    address, postal_code, city, country, expected
):
    from partner_directory.geo.geocoding.chain import Geocoder

    row = {"partner_id": "x", "partner_name": "X", "address": address, "postal_code": postal_code, "city": city}
    table = pd.DataFrame([row | {"country": country, "latitude": "", "longitude": ""}], dtype=object)
    placed, _ = Geocoder.offline().geocode_table(table)
    assert placed.loc[0, "city"] == expected


def test_the_map_popup_names_sectors_in_the_page_language():
    from partner_directory.maps.rows import OFFICE_COLUMNS, office_rows

    offices = pd.DataFrame(
        [{column: "" for column in OFFICE_COLUMNS} | {"latitude": "52.5", "longitude": "13.4", "country": "DE"}]
    )
    offices.loc[0, "sectors"] = "Robotics; Quantum Widgets"
    rows, _ = office_rows(offices, language="pl")
    assert "Robotyka, Quantum Widgets" in rows[0]


def test_every_choice_field_that_can_be_empty_says_so_in_the_pages_language():
    """Streamlit's own placeholder is English ("Choose an option"): every multiselect, and every selectbox
    that may show nothing chosen (``index=None``), passes its own ``placeholder=``."""
    import ast

    from tests.sources import project_sources

    missing = []
    for path in project_sources():
        if "dashboard" not in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            may_be_empty = node.func.attr == "multiselect" or (
                node.func.attr == "selectbox"
                and isinstance(keywords.get("index"), ast.Constant)
                and keywords["index"].value is None
            )
            if may_be_empty and "placeholder" not in keywords:
                missing.append(f"{path.name}:{node.lineno}")
    assert not missing, missing
