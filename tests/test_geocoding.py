"""The geocoding chain, offline and against a real HTTP server speaking Nominatim's API."""

from __future__ import annotations

import itertools
import math
import time

import pandas as pd
import pytest

from partner_directory.config import Settings
from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.geo.geocoding.base import Query
from partner_directory.geo.geocoding.cache import CachedPlace, GeocodeCache, may_reuse
from partner_directory.geo.geocoding.chain import Geocoder, describe_note
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.validation import check
from tests.nominatim_server import NominatimServer, place, refused_domain

MARIACKA = place(54.3497, 18.6536, "Mariacka 1, Gdańsk", "PL")


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def online(server_domain: str, gazetteer, cache, *, timeout: float = 2.0, delay: float = 1.0) -> Geocoder:
    settings = Settings(
        geocode_cache=cache,
        online_geocoding=True,
        geocoder_domain=server_domain,
        geocoder_scheme="http",
        geocoder_user_agent="bra-partner-directory-tests",
        geocoder_email="tests@example.org",
        geocoder_timeout=timeout,
        geocoder_min_delay=delay,
    )
    return Geocoder.from_settings(settings, gazetteer=gazetteer)


def table(csv_text: str) -> pd.DataFrame:
    return check(load_bytes(csv_text.encode(), filename="x.csv")).table


# --- offline chain -------------------------------------------------------------------------------


def test_coordinates_in_the_row_always_win(gazetteer):
    rows = table(
        "name,city,country,latitude,longitude,geocode_source,geocode_precision\n"
        "A,Gdańsk,PL,54.4,18.5,,\nB,Gdańsk,PL,54.1,18.1,manual,address\n"
    )
    result, summary = Geocoder.offline(gazetteer=gazetteer).geocode_table(rows)
    assert list(result["geocode_source"]) == ["input", "manual"]
    assert list(result["lat"]) == [54.4, 54.1]
    assert summary.by_source == {"input": 1, "manual": 1}


@pytest.mark.parametrize(
    ("city", "address", "country", "latitude", "longitude", "precision"),
    [
        ("Warszawa", "", "PL", 52.23, 21.01, "city"),
        ("München", "", "DE", 48.14, 11.58, "city"),
        ("東京", "", "JP", 35.69, 139.69, "city"),
        ("Київ", "", "UA", 50.45, 30.52, "city"),
        ("Boston", "", "US", 42.36, -71.06, "city"),
        ("Boston", "", "GB", 52.98, -0.03, "city"),
        ("Waterloo", "", "CA", 43.47, -80.52, "city"),
        ("", "2400 route des Colles, 06410 Biot", "FR", 43.63, 7.10, "city"),
        ("Not A Real Place", "", "PL", 52.23, 21.01, "country"),
    ],
)
def test_offline_places(gazetteer, city, address, country, latitude, longitude, precision):
    result = Geocoder.offline(gazetteer=gazetteer).geocode(Query(city=city, address=address, country=country))
    assert result.precision == precision
    assert result.source == "gazetteer"
    assert result.latitude == pytest.approx(latitude, abs=0.3)
    assert result.longitude == pytest.approx(longitude, abs=0.3)


def test_unknown_country_stays_unresolved_never_at_zero(gazetteer):
    rows = table("name,city,country\nA,Springfield,Atlantis\nB,Nowhere,\n")
    result, summary = Geocoder.offline(gazetteer=gazetteer).geocode_table(rows)
    assert list(result["geocode_precision"]) == ["none", "none"]
    assert result["lat"].isna().all() and result["lon"].isna().all()
    assert list(result["latitude"]) == ["", ""]
    assert summary.unresolved_rows == [2, 3]


def test_offline_answers_are_recomputed_not_served_from_the_cache(gazetteer, tmp_path):
    """The gazetteer answers in microseconds; an answer cached under older rules must not outlive them."""
    path = tmp_path / "geocache.sqlite"
    rows = table('name,city,address,country\nA,Portland,"Portland, ME 04101",US\nB,Kraków,,PL\n')
    stale = Query(address="Portland, ME 04101", city="Portland", country="US")
    GeocodeCache(path).put(stale.key, CachedPlace(45.52, -122.68, "gazetteer", "city", "Portland"))  # Oregon
    first, _ = Geocoder.offline(gazetteer=gazetteer, cache=GeocodeCache(path)).geocode_table(rows)
    assert list(first["geocode_source"]) == ["gazetteer", "gazetteer"]
    assert abs(first["lat"][0] - 43.66) < 0.2 and abs(first["lon"][0] + 70.26) < 0.2  # Maine
    second, summary = Geocoder.offline(gazetteer=gazetteer, cache=GeocodeCache(path)).geocode_table(rows)
    assert list(second["geocode_source"]) == ["gazetteer", "gazetteer"]
    assert list(second["lat"]) == list(first["lat"])
    assert summary.by_precision == {"city": 2}


def test_progress_is_reported(gazetteer):
    rows = table("name,city,country\n" + "".join(f"A{i},Gdańsk,PL\n" for i in range(120)))
    calls = []
    Geocoder.offline(gazetteer=gazetteer).geocode_table(rows, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (120, 120) and len(calls) >= 3


# --- online, against a real local HTTP server ------------------------------------------------------


def test_online_gives_address_precision_and_is_cached(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.places = {"mariacka": MARIACKA}
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite")
        result = geocoder.geocode(Query(address="Mariacka 1", city="Gdańsk", country="PL"))
        assert (result.source, result.precision) == ("online", "address")
        assert (result.latitude, result.longitude) == (54.3497, 18.6536)
        _, params, headers = server.behaviour.requests[0]
        assert params["countrycodes"] == ["pl"]
        assert "tests@example.org" in headers["User-Agent"]
        again = online(server.domain, gazetteer, tmp_path / "c.sqlite").geocode(
            Query(address="Mariacka 1", city="GDANSK", country="PL")
        )
        assert (again.source, again.precision, again.latitude) == ("cache", "address", 54.3497)
        assert len(server.behaviour.requests) == 1


def test_online_requests_are_at_most_one_a_second(gazetteer, tmp_path):
    with NominatimServer() as server:
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite")
        for city in ("Gdańsk", "Gdynia", "Sopot"):
            geocoder.geocode(Query(address="Długa 1", city=city, country="PL"))
        times = [moment for moment, _, _ in server.behaviour.requests]
        assert len(times) == 3
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 0.95


def test_a_failed_query_is_not_retried_in_the_same_run(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.mode = "500"
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite", delay=0)
        geocoder.cache = None  # without the cache, only the memory of failures can stop a second request
        query = Query(address="Długa 1", city="Gdańsk", country="PL")
        first, second = geocoder.geocode(query), geocoder.geocode(query)
        assert first.source == second.source == "gazetteer"
        assert len(server.behaviour.requests) == 1


@pytest.mark.parametrize("mode", ["slow", "429", "500", "refused"])
def test_every_failure_falls_back_to_the_gazetteer_with_one_warning(gazetteer, tmp_path, mode):
    with NominatimServer() as server:
        server.behaviour.mode = mode
        server.behaviour.delay = 3.0
        domain = refused_domain() if mode == "refused" else server.domain
        geocoder = online(domain, gazetteer, tmp_path / "c.sqlite", timeout=0.5, delay=0)
        rows = table(
            "name,address,city,country\nA,Długa 1,Gdańsk,PL\nB,Floriańska 2,Kraków,PL\nC,Piotrkowska 3,Łódź,PL\n"
            "D,Nowy Świat 4,Warszawa,PL\nE,Rynek 5,Wrocław,PL\n"
        )
        started = time.monotonic()
        result, summary = geocoder.geocode_table(rows)
        elapsed = time.monotonic() - started
        assert list(result["geocode_source"]) == ["gazetteer"] * 5
        assert list(result["geocode_precision"]) == ["city"] * 5
        assert len(summary.warnings) == 1 and summary.warnings[0].startswith("Online geocoding failed")
        # Three failures in a row (one for HTTP 429) switch online geocoding off for the run.
        assert len(server.behaviour.requests) <= 3
        assert elapsed < 3 * 0.5 + 2.0


def test_an_answer_from_another_country_is_refused(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.places = {"boston": place(52.97, -0.02, "Boston, Lincolnshire", "GB")}
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite", delay=0)
        result = geocoder.geocode(Query(address="1 Main St", city="Boston", country="US"))
        assert result.source == "gazetteer"
        assert result.latitude == pytest.approx(42.36, abs=0.1)


def test_offline_answers_in_the_cache_do_not_hide_the_online_geocoder(gazetteer, tmp_path):
    path = tmp_path / "c.sqlite"
    query = Query(address="Mariacka 1", city="Gdańsk", country="PL")
    assert Geocoder.offline(gazetteer=gazetteer, cache=GeocodeCache(path)).geocode(query).precision == "city"
    with NominatimServer() as server:
        server.behaviour.places = {"mariacka": MARIACKA}
        result = online(server.domain, gazetteer, path, delay=0).geocode(query)
    assert (result.source, result.precision) == ("online", "address")


def test_city_level_answers_are_marked_city(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.places = {"sopot": place(54.44, 18.56, "Sopot", "PL", kind="town")}
        result = online(server.domain, gazetteer, tmp_path / "c.sqlite", delay=0).geocode(
            Query(city="Sopot", country="PL")
        )
    assert (result.source, result.precision) == ("online", "city")


@pytest.mark.parametrize(
    ("source", "precision", "online_is_asking", "reused"),
    [
        ("gazetteer", "city", False, False),  # offline answers are recomputed, never remembered rules
        ("gazetteer", "address", True, False),
        ("online", "city", False, True),
        ("online", "city", True, True),
        ("input", "address", True, True),  # as exact as an address: the online geocoder would add nothing
        ("input", "city", True, False),  # the online geocoder may do better
        ("input", "city", False, True),
    ],
)
def test_which_remembered_answers_may_stand(source, precision, online_is_asking, reused):
    cached = CachedPlace(54.35, 18.65, source, precision)
    assert may_reuse(cached, online_is_asking=online_is_asking) is reused


def test_cache_is_shared_by_readers(tmp_path):
    path = tmp_path / "c.sqlite"
    writer, reader = GeocodeCache(path), GeocodeCache(path)
    writer.put("k", CachedPlace(1.5, 2.5, "online", "address"))
    assert reader.get("k") == CachedPlace(1.5, 2.5, "online", "address", "")
    assert reader.get_many(["k", "missing"]) == {"k": CachedPlace(1.5, 2.5, "online", "address", "")}
    assert len(reader) == 1
    # A newer answer replaces the old one for every reader, including one opened later.
    writer.put_many(
        {"k": CachedPlace(3.5, 4.5, "online", "city", "Gdańsk"), "k2": CachedPlace(5.0, 6.0, "online", "city")}
    )
    later = GeocodeCache(path)
    for each in (reader, later):
        assert each.get("k") == CachedPlace(3.5, 4.5, "online", "city", "Gdańsk")
        assert each.get_many(["k2"]) == {"k2": CachedPlace(5.0, 6.0, "online", "city", "")}
        assert len(each) == 2


# --- sure, or saying so (issue 11) -----------------------------------------------------------------


def distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    d_phi, d_lambda = phi_b - phi_a, math.radians(longitude_b - longitude_a)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_a_file_of_real_rows_has_no_confident_mistake(gazetteer, files):
    """Same-name cities, typos next to streets named after other cities, placeholders, in eight countries.

    Before: Portland in Oregon, Bergamo in Rome, Bydgoszcz in Gdańsk, "Headquarters" at a village —
    all at city precision.
    """
    checked = check(load_bytes((files / "geocoding_real_rows.csv").read_bytes(), filename="real.csv"))
    placed, summary = Geocoder.offline(gazetteer=gazetteer).geocode_table(checked.table)
    mistakes = []
    for row in placed.to_dict("records"):
        label = f"{row['partner_name']} ({row['city']}, {row['address']})"
        if row["geocode_precision"] != row["expect"]:
            mistakes.append(f"{label}: {row['geocode_precision']}, expected {row['expect']}")
        elif row["true_latitude"]:
            off = distance_km(row["lat"], row["lon"], float(row["true_latitude"]), float(row["true_longitude"]))
            if off > 30:
                mistakes.append(f"{label}: {off:.0f} km away")
    assert mistakes == []
    assert summary.by_precision == {"city": 23, "country": 11}


def test_doubt_is_recorded_with_suggestions(gazetteer):
    rows = table(
        "name,city,address,country\nA,Bydgosz,ul. Gdańska 10,PL\nB,Springfield,,US\nC,Headquarters,,US\nD,Gdańsk,,PL\n"
    )
    placed, summary = Geocoder.offline(gazetteer=gazetteer).geocode_table(rows)
    assert list(placed["geocode_precision"]) == ["city", "country", "country", "city"]
    assert list(placed["geocode_note"]) == ["typo", "ambiguous", "placeholder", ""]
    assert placed["geocode_suggestions"][0] == "Bydgoszcz (Kujawsko-Pomorskie)"
    assert "Springfield (Illinois)" in placed["geocode_suggestions"][1].split("; ")
    assert [(row, note) for row, _, note, _ in summary.attention] == [(2, "typo"), (3, "ambiguous"), (4, "placeholder")]
    # the country's point, not a village called Headquarters
    assert placed["geocode_source"][2] == "gazetteer" and placed["geocode_precision"][2] == "country"


def test_the_note_reads_as_a_question_in_both_languages():
    assert describe_note("unknown", ["Bydgoszcz"], "en").endswith("Did you mean Bydgoszcz?")
    assert describe_note("unknown", ["Bydgoszcz"], "pl").endswith("Czy chodzi o Bydgoszcz?")
    assert describe_note("ambiguous", ["Portland (Maine)", "Portland (Oregon)"], "en").endswith(
        "Did you mean Portland (Maine) or Portland (Oregon)?"
    )
    assert describe_note("", [], "en") == ""
