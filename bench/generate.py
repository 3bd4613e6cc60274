"""Generate a partner file of N offices from real places, for benchmarks.

``python bench/generate.py 10000 out.csv [--no-coordinates]``
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partner_directory.sheet.schema import COLUMNS, SERVICES

# Real cities with their country written in different ways, so loading and
# validation do the work they do on real files.
PLACES = [
    ("Gdańsk", "Polska", 54.352, 18.6466),
    ("Warszawa", "Poland", 52.2297, 21.0122),
    ("Kraków", "PL", 50.0647, 19.945),
    ("München", "Deutschland", 48.1374, 11.5755),
    ("Berlin", "Germany", 52.52, 13.405),
    ("Paris", "France", 48.8566, 2.3522),
    ("Madrid", "España", 40.4168, -3.7038),
    ("Lisboa", "Portugal", 38.7223, -9.1393),
    ("Helsinki", "Suomi", 60.1699, 24.9384),
    ("Stockholm", "SE", 59.3293, 18.0686),
    ("Tallinn", "Estonia", 59.437, 24.7536),
    ("Wien", "Österreich", 48.2082, 16.3738),
    ("Boston", "USA", 42.3601, -71.0589),
    ("Toronto", "Canada", 43.6532, -79.3832),
    ("São Paulo", "Brasil", -23.5505, -46.6333),
    ("東京", "日本", 35.6762, 139.6503),
    ("Seoul", "South Korea", 37.5665, 126.978),
    ("Taipei", "Taiwan", 25.033, 121.5654),
    ("Singapore", "Singapore", 1.3521, 103.8198),
    ("Nairobi", "Kenya", -1.2921, 36.8219),
    ("Cape Town", "South Africa", -33.9249, 18.4241),
    ("Sydney", "Australia", -33.8688, 151.2093),
    ("Auckland", "New Zealand", -36.8485, 174.7633),
    ("Bangalore", "India", 12.9716, 77.5946),
    ("Київ", "Україна", 50.4501, 30.5234),
    ("Praha", "Czech Republic", 50.0755, 14.4378),
    ("Dubai", "UAE", 25.2048, 55.2708),
]
SECTORS = ["ICT", "AI", "Robotics", "Cybersecurity", "Maritime", "Energy", "Health", "Fintech", "Gaming", "Logistics"]
HEADER = list(COLUMNS)


def generate(count: int, *, coordinates: bool = True, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        city, country, latitude, longitude = rng.choice(PLACES)
        name = f"Cluster {number} {rng.choice(SECTORS)}"
        slug = f"cluster-{number}"
        has_coordinates = coordinates and rng.random() < 0.5
        rows.append(
            [
                slug,
                name,
                f"Office {number % 7}",
                f"Example Street {number % 300 + 1}",
                f"{number % 90000:05d}",
                city,
                country,
                f"{latitude + rng.uniform(-0.05, 0.05):.4f}" if has_coordinates else "",
                f"{longitude + rng.uniform(-0.05, 0.05):.4f}" if has_coordinates else "",
                "; ".join(rng.sample(SECTORS, 2)),
                "; ".join(rng.sample(SERVICES, 3)),
                "en; pl",
                f"Contact {number}",
                f"office{number}@{slug}.example.org",
                f"+48 58 000 {number % 100:02d} {number % 97:02d}",
                f"https://{slug}.example.org",
                f'Demo office {number}, "quoted"; with delimiters',
                "2019-05-01",
                "2026-06-01",
            ]
        )
    return rows


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerows(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--no-coordinates", action="store_true")
    args = parser.parse_args()
    write(args.out, generate(args.count, coordinates=not args.no_coordinates))
