from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from geopy.distance import great_circle

from partner_directory.geo.distance import great_circle_km
from partner_directory.search.engine import (
    DEFAULT_RADIUS_KM,
    MAX_RADIUS_KM,
    Criteria,
    SearchIndex,
    allowed_edits,
    facet_values,
    index_for,
    parse_radius,
    search,
)
from partner_directory.sheet.schema import COLUMNS
from partner_directory.sheet.validation import check_file
from partner_directory.text import fold


def office(partner_id: str, **fields: str) -> dict[str, str]:
    """One office row: every schema column, empty unless given."""
    row = dict.fromkeys((*COLUMNS, "continent"), "")
    row.update(partner_id=partner_id, partner_name=fields.pop("partner_name", partner_id.title()), **fields)
    return row


def frame(*offices: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(offices), dtype=object)


def found(result) -> list[str]:
    return list(result.rows["partner_id"])


# -- free text ---------------------------------------------------------------------------

TEXT_TABLE = frame(
    office(
        "baltic",
        partner_name="Baltic Robotics Hub",
        city="Gdańsk",
        country="PL",
        continent="EU",
        sectors="Robotics; AI",
        services="desk; meeting_room",
        languages="pl; en",
        contact_name="Ola Nowak",
        description="Coworking next to the shipyard.",
    ),
    office(
        "textile",
        partner_name="Łódź Textile Cluster",
        city="Łódź",
        country="PL",
        continent="EU",
        sectors="Textiles; Fashion",
        services="events",
        languages="pl",
    ),
    office(
        "bavaria",
        partner_name="Bavarian Automotive Network",
        city="München",
        country="DE",
        continent="EU",
        sectors="Automotive; Manufacturing",
        services="desk; internet; events",
        languages="de; en",
    ),
    office(
        "spree",
        partner_name="Spree Digital",
        city="Berlin",
        country="DE",
        continent="EU",
        sectors="Software; Fintech",
        services="internet",
        languages="de; en",
    ),
    office(
        "dubai",
        partner_name="Dubai Air Logistics",
        city="Dubai",
        country="AE",
        continent="AS",
        sectors="Logistics; Aviation",
        services="meeting_room",
        languages="ar; en",
        description="Air cargo hub, said to be the busiest.",
    ),
    office(
        "kanto",
        partner_name="Kanto Bridge",
        city="東京",
        country="JP",
        continent="AS",
        sectors="Gaming",
        services="introductions",
        languages="ja; en",
    ),
    office(
        "ciudad",
        partner_name="Ciudad Software",
        city="Ciudad de México",
        country="MX",
        continent="NA",
        sectors="Software",
        services="desk",
        languages="es",
    ),
    office(
        "aurora",
        partner_name="Aurora Health",
        city="Helsinki",
        country="FI",
        continent="EU",
        sectors="Health; AI",
        services="desk; events",
        languages="fi; en",
    ),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # case and accents
        ("Gdansk", {"baltic"}),
        ("gdańsk", {"baltic"}),
        ("GDAŃSK", {"baltic"}),
        ("lodz", {"textile"}),
        ("Łódź", {"textile"}),
        ("munchen", {"bavaria"}),
        # typos: one edit up to 7 letters, two from 8; swapped neighbours count as one
        ("Robtics", {"baltic"}),
        ("Gdnask", {"baltic"}),
        ("Berlni", {"spree"}),
        ("Bavarain", {"bavaria"}),
        ("Autmotive", {"bavaria"}),
        ("Atuomotvie", {"bavaria"}),
        # beginnings of words
        ("Gda", {"baltic"}),
        ("Automot", {"bavaria"}),
        ("fin", {"spree", "aurora"}),
        # not too tolerant
        ("zzzz", set()),
        ("xq", set()),
        ("Gdxxsk", set()),
        ("Berlinxxx", set()),
        ("AI", {"baltic", "aurora"}),
        ("ai", {"baltic", "aurora"}),  # not Dubai, Air, said
        # countries by name in any language, and by code when typed in capitals
        ("Niemcy", {"bavaria", "spree"}),
        ("Deutschland", {"bavaria", "spree"}),
        ("Germany", {"bavaria", "spree"}),
        ("Allemagne", {"bavaria", "spree"}),
        ("Polska", {"baltic", "textile"}),
        ("Poland", {"baltic", "textile"}),
        ("POL", {"baltic", "textile"}),
        ("Japonia", {"kanto"}),
        ("日本", {"kanto"}),
        ("UAE", {"dubai"}),
        ("uae", {"dubai"}),
        ("Zjednoczone Emiraty Arabskie", {"dubai"}),
        ("Germny", {"bavaria", "spree"}),
        ("de", {"ciudad"}),  # a lower-case "de" is a word, not Germany
        # services by key, English and Polish names and aliases
        ("biurko", {"baltic", "bavaria", "ciudad", "aurora"}),
        ("sala spotkań", {"baltic", "dubai"}),
        ("meeting room", {"baltic", "dubai"}),
        ("wydarzenia", {"textile", "bavaria", "aurora"}),
        ("wifi", {"bavaria", "spree"}),
        ("kontakty lokalne", {"kanto"}),
        # spoken languages by name
        ("niemiecki", {"bavaria", "spree"}),
        ("arabski", {"dubai"}),
        ("Japanese", {"kanto"}),
        ("español", {"ciudad"}),
        # several words: every one must match somewhere
        ("robotics gdansk", {"baltic"}),
        ("robotics berlin", set()),
        ("software ciudad", {"ciudad"}),
        ("health and AI", {"aurora"}),
        ("Ciudad de México", {"ciudad"}),
        # other fields
        ("東京", {"kanto"}),
        ("Nowak", {"baltic"}),
        ("shipyard", {"baltic"}),
        ("fashion", {"textile"}),
        # nothing to search for
        ("   ", {row["partner_id"] for row in TEXT_TABLE.to_dict("records")}),
    ],
)
def test_free_text(query, expected):
    assert set(found(search(TEXT_TABLE, Criteria(text=query)))) == expected


def test_capital_country_code_ranks_country_first():
    result = search(TEXT_TABLE, Criteria(text="DE"))
    assert found(result)[:2] == ["bavaria", "spree"]
    assert set(found(result)) == {"bavaria", "spree", "ciudad"}  # "de" in Ciudad de México, ranked after


@pytest.mark.parametrize(("length", "edits"), [(1, 0), (3, 0), (4, 1), (7, 1), (8, 2), (20, 2)])
def test_allowed_edits(length, edits):
    assert allowed_edits(length) == edits


def test_match_quality_orders_exact_before_beginning_before_typo():
    scores = [
        search(TEXT_TABLE, Criteria(text=query)).rows["score"].iloc[0] for query in ("Robotics", "Robot", "Robtics")
    ]
    assert scores[0] > scores[1] > scores[2] > 0
    assert scores[0] == pytest.approx(95.0)  # exact in the partner's name, times WORDS_SHARE


def test_name_match_ranks_above_description_match():
    table = frame(
        office("described", partner_name="Harbour Hub", description="Next to the shipyard."),
        office("named", partner_name="Shipyard Innovation"),
    )
    assert found(search(table, Criteria(text="shipyard"))) == ["named", "described"]


def test_whole_name_scores_100_and_comes_first():
    table = frame(office("other", partner_name="Spree Digital Network"), office("exact", partner_name="Spree Digital"))
    result = search(table, Criteria(text="spree digital"))
    assert found(result) == ["exact", "other"]
    assert result.rows["score"].iloc[0] == 100.0


def test_scores_stay_within_0_and_100():
    for query in ("Gdansk", "robtics", "AI", "DE", "Polska robotics", "Baltic Robotics Hub"):
        scores = search(TEXT_TABLE, Criteria(text=query)).rows["score"]
        assert ((scores > 0) & (scores <= 100)).all()


# -- filters -----------------------------------------------------------------------------


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


# -- demo file ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(request) -> pd.DataFrame:
    root = request.config.rootpath
    return check_file(root / "data" / "partners.csv").table


@pytest.mark.parametrize(
    ("query", "partner"),
    [
        ("Gdansk", "Pomeranian ICT Cluster"),
        ("Gdnask", "Pomeranian ICT Cluster"),
        ("krakow", "Vistula Software Alliance"),
        ("Niemcy", "Spree Valley Digital Cluster"),
        ("Szwecja", "Mälaren Software Collective"),
        ("malaren", "Mälaren Software Collective"),
        ("Zurich", "Alpine Fintech Network"),
        ("東京", "Kanto Digital Bridge"),
        ("서울", "Han River Tech Alliance"),
        ("Robtics", "Bavarian Robotics Network"),
    ],
)
def test_demo_file(demo, query, partner):
    assert partner in set(search(demo, Criteria(text=query)).rows["partner_name"])


def test_demo_country_names_find_the_same_offices(demo):
    german = [found(search(demo, Criteria(text=query))) for query in ("Niemcy", "Deutschland", "Germany", "allemagne")]
    assert german[0] and all(ids == german[0] for ids in german)
    assert set(demo.set_index("partner_id").loc[german[0], "country"]) == {"DE"}
    by_code = found(search(demo, Criteria(text="DE")))  # also the word "de" (Ciudad de México), ranked after
    assert by_code[: len(german[0])] == german[0] and len(by_code) > len(german[0])


# -- distance ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ((54.352, 18.6466), (52.2297, 21.0122)),
        ((54.352, 18.6466), (35.6762, 139.6503)),
        ((0.0, 0.0), (0.0, 180.0)),
        ((89.9, 10.0), (-89.9, -170.0)),
        ((51.5, -0.1), (51.5, 0.1)),
        ((-33.87, 151.21), (40.71, -74.0)),
        ((10.0, 179.9), (10.0, -179.9)),
        ((1.0, 1.0), (1.0, 1.0)),
    ],
)
def test_great_circle_matches_geopy(start, end):
    ours = float(great_circle_km(*start, [end[0]], [end[1]])[0])
    assert ours == pytest.approx(great_circle(start, end).km, rel=1e-3, abs=1e-9)


def test_great_circle_gives_nan_for_missing_coordinates():
    distances = great_circle_km(0.0, 0.0, [np.nan, 1.0], [1.0, np.nan])
    assert np.isnan(distances).all()


@pytest.fixture(scope="module")
def find_place():
    """The real offline gazetteer's lookup (built into the user cache on first use)."""
    gazetteer = pytest.importorskip("partner_directory.geo.gazetteer.queries")
    return gazetteer.default_gazetteer().find_place


NEAR_TABLE = frame(
    office(
        "gdansk",
        partner_name="Baltic Robotics",
        city="Gdańsk",
        country="PL",
        latitude="54.352",
        longitude="18.6466",
        sectors="Robotics",
    ),
    office(
        "gdynia",
        partner_name="Baltic Robotics",
        city="Gdynia",
        country="PL",
        latitude="54.5189",
        longitude="18.5305",
        sectors="Maritime",
    ),
    office(
        "warszawa",
        partner_name="Vistula Software",
        city="Warszawa",
        country="PL",
        latitude="52.2297",
        longitude="21.0122",
        sectors="Software; Robotics",
    ),
    office("poznan", partner_name="Warta Hub", city="Poznań", country="PL", sectors="Robotics"),  # no coordinates
    office(
        "berlin",
        partner_name="Spree Digital",
        city="Berlin",
        country="DE",
        latitude="52.52",
        longitude="13.405",
        sectors="Robotics",
    ),
    office(
        "muenchen",
        partner_name="Bavarian Robotics",
        city="München",
        country="DE",
        latitude="48.1374",
        longitude="11.5755",
        sectors="Robotics",
    ),
    office(
        "tokyo",
        partner_name="Kanto Bridge",
        city="東京",
        country="JP",
        latitude="35.6762",
        longitude="139.6503",
        sectors="Gaming",
    ),
)


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


def test_float_lat_lon_columns_win_over_text():
    table = NEAR_TABLE.copy()
    table["lat"] = [54.352, np.nan, 52.2297, 52.4064, np.nan, np.nan, np.nan]
    table["lon"] = [18.6466, np.nan, 21.0122, 16.9252, np.nan, np.nan, np.nan]  # Poznań placed by geocoding

    def resolve(name):
        return Place("Gdańsk", "PL", 54.35227, 18.64912, "city") if name == "Gdańsk" else None

    result = search(table, Criteria(near="Gdańsk", radius_km=300), resolve_place=resolve)
    assert found(result) == ["gdansk", "gdynia", "poznan", "warszawa"]  # Gdynia from its text columns


def test_city_names_from_the_gazetteer_become_searchable(find_place):
    plain = SearchIndex.build(NEAR_TABLE, resolve_place=None)
    enriched = SearchIndex.build(NEAR_TABLE, resolve_place=find_place)
    default = SearchIndex.build(NEAR_TABLE)  # what the dashboard and the search command both build
    for query in ("Munich", "Warsaw", "Prague", "Monachium"):
        assert found(search(default, Criteria(text=query))) == found(search(enriched, Criteria(text=query)))
    assert found(search(plain, Criteria(text="Munich"))) == []
    assert found(search(enriched, Criteria(text="Munich"))) == ["muenchen"]
    assert found(search(enriched, Criteria(text="Warsaw"))) == ["warszawa"]
    assert found(search(enriched, Criteria(text="Tokyo"))) == ["tokyo"]


# -- descriptions ------------------------------------------------------------------------


class Place:
    """A place of known coordinates, shaped like the gazetteer's."""

    def __init__(self, name: str, country: str, latitude: float, longitude: float, kind: str) -> None:
        self.name, self.country, self.latitude, self.longitude, self.kind = name, country, latitude, longitude, kind


def known_places(name: str) -> Place | None:
    places = {"Gdańsk": Place("Gdańsk", "PL", 54.35227, 18.64912, "city")}
    return places.get(name)


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
            "Znaleziono 2 partnerów w 1 kraju · sektor: Robotics · do 300 km od: Gdańsk, Polska. "
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


# -- URL query parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(),
        Criteria(text="robotics gdańsk"),
        Criteria(countries=("PL",), continents=("EU", "AS"), sectors=("AI", "Creative Industries")),
        Criteria(services=("desk", "meeting_room"), languages=("pl", "en")),
        Criteria(near="東京", radius_km=12.5),
        Criteria(text="AI", countries=("DE", "PL"), near="Danzig", radius_km=300.0),
    ],
)
def test_query_params_round_trip(criteria):
    params = criteria.to_query_params()
    assert all(isinstance(value, str | list) for value in params.values())
    assert Criteria.from_query_params(params) == criteria


def test_query_params_names():
    params = Criteria(text="x", countries=("PL",), services=("desk",), near="Gdańsk", radius_km=300).to_query_params()
    assert params == {"q": "x", "country": ["PL"], "service": ["desk"], "near": "Gdańsk", "radius": "300"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Criteria()),
        ({"radius": "abc"}, Criteria()),
        ({"radius": "-5"}, Criteria()),
        ({"radius": "0"}, Criteria()),
        ({"radius": "nan"}, Criteria()),
        ({"radius": "inf"}, Criteria()),
        ({"radius": "1e999"}, Criteria()),
        ({"radius": "300km"}, Criteria(radius_km=300.0)),
        ({"radius": " 12,5 km "}, Criteria(radius_km=12.5)),
        ({"radius": "99999"}, Criteria(radius_km=MAX_RADIUS_KM)),
        ({"radius": ["abc", "50"]}, Criteria(radius_km=50.0)),
        ({"service": ["desk", "parking", "sala konferencyjna", "desk"]}, Criteria(services=("desk", "meeting_room"))),
        ({"country": ["Polska", "XX", "de", ""]}, Criteria(countries=("PL", "DE"))),
        ({"country": "PL,DE"}, Criteria(countries=("PL", "DE"))),
        ({"continent": ["eu", "Atlantis"]}, Criteria(continents=("EU",))),
        ({"language": ["English", "klingon", "pl"]}, Criteria(languages=("en", "pl"))),
        ({"sector": ["  AI ", "", "AI"]}, Criteria(sectors=("AI",))),
        ({"q": ["first", "  second  "]}, Criteria(text="second")),
        ({"q": "x" * 5000}, Criteria(text="x" * 200)),
        ({"q": None, "near": 42, "country": 7}, Criteria(near="42")),
        ({"q": b"caf\xc3\xa9"}, Criteria(text="café")),
        ({"unknown": "value", "near": "   "}, Criteria()),
        ({"country": ["PL"] * 500}, Criteria(countries=("PL",))),
    ],
)
def test_query_params_junk(params, expected):
    assert Criteria.from_query_params(params) == expected


class QueryParams(dict):
    """Shaped like ``st.query_params``: item access gives the last value, ``get_all`` every value."""

    def __getitem__(self, key):
        return super().__getitem__(key)[-1]

    def get(self, key, default=None):
        values = super().get(key)
        return values[-1] if values else default

    def get_all(self, key):
        return list(super().get(key, []))


def test_query_params_from_streamlit_shaped_mapping():
    params = QueryParams(country=["PL", "DE"], q=["robotics"], radius=["100"], near=["Gdańsk"])
    assert Criteria.from_query_params(params) == Criteria(
        text="robotics", countries=("PL", "DE"), near="Gdańsk", radius_km=100.0
    )


@pytest.mark.parametrize(
    ("text", "radius"),
    [
        ("300", 300.0),
        ("300 km", 300.0),
        ("300KM", 300.0),
        ("0.5", 0.5),
        (",5", 0.5),
        ("12,5", 12.5),
        ("", None),
        ("km", None),
        ("-1", None),
        ("1e3", None),
        ("300 miles", None),
        ("20041", MAX_RADIUS_KM),
    ],
)
def test_parse_radius(text, radius):
    assert parse_radius(text) == radius


# -- facets and the index ----------------------------------------------------------------


def test_facets_of_demo_file(demo):
    english = facet_values(demo)
    polish = facet_values(demo, language="pl")
    assert ("DE", "Germany") in english.countries and ("DE", "Niemcy") in polish.countries
    names = [name for _, name in polish.countries]
    assert names == sorted(names, key=fold)  # Łotwa after Litwa, before Meksyk
    assert names.index("Litwa") < names.index("Łotwa") < names.index("Meksyk")
    assert polish.countries[0] == ("AU", "Australia")
    assert [code for code, _ in english.continents] == ["EU", "AS", "NA", "SA", "AF", "OC"]
    assert ("EU", "Europa") in polish.continents
    assert polish.services == (
        ("desk", "Biurko"),
        ("meeting_room", "Sala spotkań"),
        ("internet", "Dostęp do internetu"),
        ("introductions", "Kontakty lokalne"),
        ("events", "Wydarzenia"),
    )
    assert ("de", "German") in english.languages and ("de", "niemiecki") in polish.languages
    assert "Robotics" in english.sectors and "Creative Industries" in english.sectors
    assert list(english.sectors) == sorted(english.sectors, key=str.casefold)


def test_facets_pick_the_usual_spelling_and_skip_unknown_countries():
    table = frame(
        office("a", sectors="AI; robotics", country="PL", languages="pl; klingon"),
        office("b", sectors="Robotics", country="Atlantis"),
        office("c", sectors="Robotics; ai", country="DE"),
        office("d", sectors="AI", country="PL"),
    )
    facets = facet_values(table)
    assert facets.sectors == ("AI", "Robotics")
    assert facets.countries == (("DE", "Germany"), ("PL", "Poland"))
    assert facets.languages == (("pl", "Polish"),)


def test_unrecognised_country_is_still_found_by_text():
    table = frame(office("a", country="Atlantis"), office("b", country="PL"))
    assert found(search(table, Criteria(text="atlantis"))) == ["a"]


def test_index_is_cached_per_table():
    table = TEXT_TABLE.copy()
    assert index_for(table) is index_for(table)
    widened = table.assign(lat=np.nan)
    assert index_for(widened) is not index_for(table)
    index = SearchIndex.build(table)
    assert index_for(index) is index
    assert found(search(index, Criteria(text="Gdansk"))) == found(search(table, Criteria(text="Gdansk")))


def test_missing_columns_and_odd_values_are_tolerated():
    table = pd.DataFrame({"partner_name": ["Alpha", None, math.nan], "city": ["Gdańsk", "Berlin", 5]})
    result = search(table, Criteria(text="gdansk"))
    assert list(result.rows["partner_name"]) == ["Alpha"]
    assert len(search(table, Criteria(services=("desk",))).rows) == 0
    assert len(search(table.iloc[0:0], Criteria(text="x")).rows) == 0


# -- issue 11: the member's language, honest distances ------------------------------------------------

SECTOR_TABLE = frame(
    office("ai", partner_name="Neural Works", country="PL", sectors="AI"),
    office("ai-pl", partner_name="Klaster SI", country="PL", sectors="Sztuczna inteligencja"),
    office("robots", partner_name="Arm Makers", country="DE", sectors="Robotics"),
    office("cyber", partner_name="Shield Co", country="EE", sectors="Cybersecurity"),
    office("games", partner_name="Pixel Forge", country="FI", sectors="Gaming"),
    office("sea", partner_name="Harbour Tech", country="NO", sectors="Maritime"),
    office("sea-pl", partner_name="Klaster Bałtycki", country="PL", sectors="Gospodarka morska"),
    office("freight", partner_name="Cargo Link", country="LV", sectors="Logistics"),
    office("power", partner_name="Wind Works", country="DK", sectors="Energy"),
    office("med", partner_name="Care Hub", country="CH", sectors="Health"),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AI", {"ai", "ai-pl"}),
        ("sztuczna inteligencja", {"ai", "ai-pl"}),
        ("artificial intelligence", {"ai", "ai-pl"}),
        ("robotyka", {"robots"}),
        ("cyberbezpieczeństwo", {"cyber"}),
        ("gry", {"games"}),
        ("gaming", {"games"}),
        ("morski", {"sea", "sea-pl"}),
        ("maritime", {"sea", "sea-pl"}),
        ("logistyka", {"freight"}),
        ("energetyka", {"power"}),
        ("zdrowie", {"med"}),
        ("health", {"med"}),
    ],
)
def test_sector_words_in_polish_and_english(query, expected):
    """Before: "robotyka", "gry" or "zdrowie" found nothing in an English-written file, and the reverse."""
    index = SearchIndex.build(SECTOR_TABLE, resolve_place=None)
    assert set(found(search(index, Criteria(text=query)))) == expected


def test_the_word_as_typed_ranks_above_its_synonym():
    index = SearchIndex.build(SECTOR_TABLE, resolve_place=None)
    assert list(search(index, Criteria(text="maritime")).rows["partner_id"]) == ["sea", "sea-pl"]
    assert list(search(index, Criteria(text="gospodarka morska")).rows["partner_id"]) == ["sea-pl", "sea"]


def test_every_synonym_group_is_in_both_languages():
    from partner_directory.i18n import tables

    groups = {key: texts for key, texts in tables().items() if key.startswith("synonyms.")}
    assert len(groups) >= 8
    for texts in groups.values():
        assert all(term.strip() for language in ("en", "pl") for term in texts[language].split(";"))


CITY_TABLE = frame(
    office("muenchen", city="München", country="DE", latitude="48.137", longitude="11.575"),
    office("milano", city="Milano", country="IT", latitude="45.464", longitude="9.190"),
    office("roma", city="Roma", country="IT", latitude="41.893", longitude="12.483"),
    office("wien", city="Wien", country="AT", latitude="48.208", longitude="16.373"),
    office("kobenhavn", city="København", country="DK", latitude="55.676", longitude="12.568"),
    office("lisboa", city="Lisboa", country="PT", latitude="38.722", longitude="-9.139"),
    office("telaviv", city="Tel Aviv-Yafo", country="IL", latitude="32.085", longitude="34.782"),
    office("warszawa", city="Warszawa", country="PL", latitude="52.230", longitude="21.011"),
    office("praha", city="Praha", country="CZ", latitude="50.088", longitude="14.421"),
    office("garching", city="Garching bei München", country="DE", latitude="48.249", longitude="11.651"),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Monachium", {"muenchen"}),
        ("Munich", {"muenchen", "garching"}),
        ("Mediolan", {"milano"}),
        ("Rzym", {"roma"}),
        ("Wiedeń", {"wien"}),
        ("Kopenhaga", {"kobenhavn"}),
        ("Lizbona", {"lisboa"}),
        ("Tel Awiw", {"telaviv"}),
        ("Warsaw", {"warszawa"}),
        ("Prague", {"praha"}),
        ("Praga", {"praha"}),
    ],
)
def test_a_city_is_found_by_its_name_in_other_languages(query, expected):
    index = SearchIndex.build(CITY_TABLE)  # the gazetteer by default, as in the dashboard and the command
    assert set(found(search(index, Criteria(text=query)))) >= expected
    assert set(found(search(index, Criteria(text=query)))) <= expected | {"garching"}


PRECISION_TABLE = frame(
    office("street", city="Gdańsk", country="PL", latitude="54.3497", longitude="18.6536", geocode_precision="address"),
    office("city", city="Gdańsk", country="PL", latitude="54.35227", longitude="18.64912", geocode_precision="city"),
    office("far", city="Gdynia", country="PL", latitude="54.51889", longitude="18.53188", geocode_precision="city"),
    # placed at Poland's reference point (Warsaw) because its city was not known
    office("vague", city="Headquarters", country="PL", latitude="52.22977", longitude="21.01178",
           geocode_precision="country"),
)  # fmt: skip


def gdansk(name):
    return Place("Gdańsk", "PL", 54.35227, 18.64912, "city") if name == "Gdańsk" else None


def test_an_office_placed_only_at_its_city_is_never_zero_km_as_if_exact():
    rows = search(PRECISION_TABLE, Criteria(near="Gdańsk", radius_km=400), resolve_place=gdansk).rows
    texts = dict(zip(rows["partner_id"], rows["distance_text"], strict=True))
    assert texts["street"] == "0.4 km"
    assert texts["city"] == "under 10 km (in the city; street not known)"
    assert texts["far"] == "≈ 20 km (from the city centre)"


def test_an_office_placed_only_in_its_country_has_no_distance():
    """Before: it stood at the capital, "0.0 km" from Warsaw and within 300 km of Gdańsk."""
    result = search(PRECISION_TABLE, Criteria(near="Gdańsk", radius_km=400), resolve_place=gdansk)
    assert "vague" not in found(result)
    assert result.description.endswith("1 office without a known location was left out.")


def test_format_distance_in_polish():
    from partner_directory.search.engine import format_distance

    assert format_distance(12.34, "address", "pl") == "12,3 km"
    assert format_distance(57.2, "city", "pl") == "ok. 57 km (od centrum miasta)"
    assert format_distance(3.0, "country", "pl") == format_distance(float("nan"), "address", "pl") == ""
