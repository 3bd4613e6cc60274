"""Benchmark: what Polish grammar and named areas cost a search (10,000 generated offices, real gazetteer).

Run with ``.venv/bin/python bench/bench_grammar.py``. Prints the analyser's
load time and memory, the cost of one word's base forms (first time, then
cached), and the first and repeated time of inflected searches, whose lookups
(base forms, gazetteer, areas) are cached per index after the first.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import geocoded_table

from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.search import inflection
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex

WORDS = ["Wiedniu", "Pradze", "Sztokholmie", "Kopenhadze", "Mediolanie", "Niemczech", "robotyką", "biotechnologii"]
QUERIES = ["biura w Wiedniu", "klastry w Pradze", "robotyka w Monachium", "na Górnym Śląsku", "w branży spożywczej"]


def main() -> None:
    find_place = default_gazetteer().find_place
    table = geocoded_table()
    started = time.perf_counter()
    index = SearchIndex.build(table, resolve_place=find_place)
    print(f"index build, {len(table):,} offices: {time.perf_counter() - started:.2f} s")
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    inflection.base_forms("Wiedniu")
    print(
        f"Morfeusz load + first word: {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"max RSS +{(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory) / 1024:.0f} MB"
    )
    started = time.perf_counter()
    for word in WORDS:
        inflection.base_forms(word)
    print(f"base forms, first time: {(time.perf_counter() - started) / len(WORDS) * 1000:.2f} ms per word")
    for text in QUERIES:
        started = time.perf_counter()
        first = search(index, Criteria(text=text), language="pl")
        once = time.perf_counter() - started
        started = time.perf_counter()
        search(index, Criteria(text=text), language="pl")
        again = time.perf_counter() - started
        print(f"  {text!r:26} first {once * 1000:6.1f} ms, again {again * 1000:5.1f} ms, {first.offices} offices")
    for near in ("na Górnym Śląsku", "Randstad", "w Wiedniu"):
        started = time.perf_counter()
        result = search(index, Criteria(near=near, radius_km=50), language="pl")
        print(f"  near {near!r:21} {(time.perf_counter() - started) * 1000:6.1f} ms, {result.offices} offices")


if __name__ == "__main__":
    main()
