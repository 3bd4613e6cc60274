"""Time building and rendering the offices map for 1,000 and 10,000 offices.

Prints, for each size, the best of a few runs of build + render and the HTML
size, in app mode (assets linked from /app/static/) and standalone mode
(assets inlined). App mode includes picking the nearby cities that label a
zoomed map. Targets at 10,000 offices: app mode under 0.3 s and 2 MB.

    python bench/bench_map.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.maps.building import build_map, render_standalone_html

SIZES = (1_000, 10_000)
RUNS = 3
SECTORS = ("Robotics", "AI", "Biotech", "Fintech", "Energy", "Logistics", "Space")
SERVICES = ("desk", "meeting_room", "internet", "introductions", "events")
PRECISIONS = ("address", "address", "address", "city", "country")


def random_offices(count: int, *, seed: int = 7) -> pd.DataFrame:
    """Return ``count`` plausible offices spread over the inhabited world."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        partner = index // 3
        rows.append(
            {
                "partner_id": f"BRA-{partner:05d}",
                "partner_name": f"Cluster {partner} Innovation Association",
                "office_name": f"Office {index % 3 + 1}",
                "city": f"City {rng.randrange(2_000)}",
                "country": "PL",
                "country_name": "Poland",
                "sectors": "; ".join(rng.sample(SECTORS, rng.randint(1, 3))),
                "services": "; ".join(rng.sample(SERVICES, rng.randint(1, 4))),
                "contact_name": f"Contact Person {index}",
                "contact_email": f"office{index}@cluster{partner}.example.org",
                "website": f"https://cluster{partner}.example.org/",
                "latitude": rng.uniform(-45.0, 65.0),
                "longitude": rng.uniform(-130.0, 150.0),
                "geocode_precision": rng.choice(PRECISIONS),
            }
        )
    return pd.DataFrame(rows)


def best_of(runs: int, make_html) -> tuple[float, str]:
    """Return the fastest of ``runs`` calls of ``make_html`` and its HTML."""
    best = float("inf")
    html = ""
    for _ in range(runs):
        started = time.perf_counter()
        html = make_html()
        best = min(best, time.perf_counter() - started)
    return best, html


def main() -> None:
    print(f"{'offices':>8}  {'mode':<10}  {'build+render':>12}  {'HTML':>9}")
    gazetteer = default_gazetteer()
    for size in SIZES:
        offices = random_offices(size)

        def app_map(offices=offices, gazetteer=gazetteer) -> str:
            # As the members' page does: the cities near the offices are named on the map.
            labels = gazetteer.cities_near(offices["latitude"], offices["longitude"])
            return build_map(offices, place_labels=labels).get_root().render()

        modes = {
            "app": app_map,
            "standalone": lambda offices=offices: render_standalone_html(offices),
        }
        for mode, make_html in modes.items():
            seconds, html = best_of(RUNS, make_html)
            megabytes = len(html.encode("utf-8")) / 1_000_000
            print(f"{size:>8}  {mode:<10}  {seconds:>10.3f} s  {megabytes:>6.2f} MB")


if __name__ == "__main__":
    main()
