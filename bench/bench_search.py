"""Benchmark: building the search index and searching 10,000 offices.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_search.py``). Prints
the best of several runs of each search on a generated table (bench/generate.py,
loaded and validated as the app does, with float ``lat``/``lon`` columns added
as geocoding would). The target for one search or filter is 50 ms.
"""

from __future__ import annotations

import random
import string
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing
from generate import generate, write

from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex, facet_values
from partner_directory.sheet.reading import check_file

ROWS = 10_000
REPEATS = 7
TARGET_SECONDS = 0.050

# Known places, so that the distance searches measure the search and not a lookup.
PLACES = {
    "Gdańsk": ("Gdańsk", "PL", 54.35227, 18.64912, "city"),
    "Poland": ("Poland", "PL", 52.22977, 21.01178, "country"),
}


class Place:
    def __init__(self, name: str, country: str, latitude: float, longitude: float, kind: str) -> None:
        self.name, self.country, self.latitude, self.longitude, self.kind = name, country, latitude, longitude, kind


def resolve_place(text: str) -> Place | None:
    found = PLACES.get(text)
    return Place(*found) if found else None


def random_words(rng: random.Random, count: int) -> str:
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))) for _ in range(count))


def best(function: Callable[[], object], repeats: int = REPEATS, before: Callable[[], object] | None = None) -> float:
    return timing.best(function, repeats, before)


def geocoded_table() -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "partners.csv"
        write(path, generate(ROWS))
        table = check_file(path).table
    table["lat"] = pd.to_numeric(table["latitude"], errors="coerce").astype(np.float64)
    table["lon"] = pd.to_numeric(table["longitude"], errors="coerce").astype(np.float64)
    return table


SEARCHES: list[tuple[str, Criteria]] = [
    ("no criteria (everything)", Criteria()),
    ("text, one word", Criteria(text="Robotics")),
    ("text, typo", Criteria(text="Robtics")),
    ("text, three words", Criteria(text="cluster gdansk ai")),
    ("text, country name", Criteria(text="Niemcy")),
    ("text, number prefix", Criteria(text="123")),
    ("filters (country, service, language)", Criteria(countries=("PL", "DE"), services=("desk",), languages=("pl",))),
    ("sector + continent", Criteria(sectors=("robotics",), continents=("EU",))),
    ("near Gdańsk, 300 km", Criteria(near="Gdańsk", radius_km=300)),
    ("near Poland (country)", Criteria(near="Poland")),
    ("everything at once", Criteria(text="cluster robotics", services=("desk",), near="Gdańsk", radius_km=1500)),
]


def main() -> None:
    table = geocoded_table()
    build = best(lambda: SearchIndex.build(table), repeats=3)
    index = SearchIndex.build(table)
    search(table, Criteria(text="warm"))  # caches the index for the table, as a running app has it
    print(f"search, {ROWS:,} offices (best of {REPEATS}; target < {TARGET_SECONDS * 1000:.0f} ms per search)")
    print(f"  build index                            {build * 1000:7.1f} ms   (once per table)")
    slowest = 0.0
    for label, criteria in SEARCHES:
        seconds = best(lambda criteria=criteria: search(index, criteria, resolve_place=resolve_place))
        cached = best(lambda criteria=criteria: search(table, criteria, language="pl", resolve_place=resolve_place))
        rows = len(search(index, criteria, resolve_place=resolve_place).rows)
        slowest = max(slowest, seconds, cached)
        print(f"  {label:38} {seconds * 1000:7.1f} ms   (table, pl: {cached * 1000:5.1f} ms; {rows:,} rows)")
    try:  # the real gazetteer, when this checkout has it: one lookup per search
        from partner_directory.geo.gazetteer.queries import default_gazetteer

        find_place = default_gazetteer().find_place
    except ImportError:
        find_place = None
    if find_place is not None:
        criteria = Criteria(near="Danzig", radius_km=300)
        gazetteer = best(lambda: search(index, criteria, resolve_place=find_place))
        slowest = max(slowest, gazetteer)
        print(f"  {'near Danzig via the gazetteer':38} {gazetteer * 1000:7.1f} ms")
    # Worst case for typo matching: every description made of random words (~160,000 distinct).
    rng = random.Random(1)
    noisy = table.assign(description=[random_words(rng, 15) for _ in range(len(table))])
    noisy_build = best(lambda: SearchIndex.build(noisy), repeats=1)
    noisy_index = SearchIndex.build(noisy)
    for label, text in (("1 typo word, 160k words", "Robtics"), ("3 unknown words, 160k words", "qwerty uiopa asdfg")):
        seconds = best(lambda text=text: search(noisy_index, Criteria(text=text)))
        slowest = max(slowest, seconds)
        print(f"  {label:38} {seconds * 1000:7.1f} ms   (index built in {noisy_build * 1000:.0f} ms)")
    facets = best(lambda: facet_values(index, language="pl"))
    print(f"  facet values                           {facets * 1000:7.1f} ms")
    print(f"  slowest search {slowest * 1000:.1f} ms: {'within' if slowest < TARGET_SECONDS else 'OVER'} target")


if __name__ == "__main__":
    main()
