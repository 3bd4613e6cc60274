"""Benchmark of correctness: offline geocoding of real office rows it was not tuned on.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_geocoding_quality.py``).
``bench/data/geocoding_holdout.csv`` holds 80 real rows in 22 countries and
``geocoding_holdout2.csv`` 35 more, made for this measurement and not used to
tune the rules (the first file was looked at once, after the first version of
the rules; the second only at the end): same-name cities with the
region in the address, misspelled cities next to streets named after other
cities, placeholders in the city column, and plain rows. Each row carries the
true coordinates (empty where no city can be known, e.g. "Main office" with no
address).

``geocoding_holdout3.csv`` (issue 20) holds 164 rows in 45 countries on six continents,
written from real-world knowledge by someone who had not read the geocoder's code or its test
data: same-name towns settled by the postal code, postal code and country with no city,
districts typed as the city, abbreviations (Mt., St., Ft., LA, Ffm, Wlkp.), a state or province
in the country column and qualified country names, a country or region in the city column,
postal codes inside the city or address, and Polish names, local scripts and codes that lost
their leading zero in Excel. Its column ``true_kind`` (a-h, in that order) names the kind; like
the true coordinates it is never shown to the geocoder. Every file is read and checked as the
app reads it (``check_file``: "Niemcy" or "Korea, Republic of" become ISO codes) before it is
placed, so a country column is measured the way an office file meets the geocoder.

Printed:

* placed right — share of the rows with a known place that were placed (at any
  precision) within 30 km of it;
* confident mistakes — rows placed at ``city`` or ``postal`` precision more than 30 km from the
  truth, or at ``city`` precision although no city can be known. The goal is 0;
* rows the geocoder was unsure of (``country`` precision), with its suggestions.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from partner_directory.geo.geocoding.chain import Geocoder
from partner_directory.sheet.reading import check_file

HOLDOUTS = (
    Path(__file__).resolve().parent / "data" / "geocoding_holdout.csv",
    Path(__file__).resolve().parent / "data" / "geocoding_holdout2.csv",
    Path(__file__).resolve().parent / "data" / "geocoding_holdout3.csv",
)
RIGHT_KM = 30.0


def distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    d_phi, d_lambda = phi_b - phi_a, math.radians(longitude_b - longitude_a)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def evaluate(path: Path) -> dict[str, object]:
    """Geocode the rows of ``path`` offline (no cache) and score them against their truth."""
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    # The rows reach the geocoder as in the app: read and checked first (country names such as
    # "Niemcy" or "Korea, Republic of" become ISO codes there), without the columns of truth.
    checked = check_file(path).table
    table = checked.drop(columns=[column for column in checked.columns if column.startswith("true_")])
    assert len(table) == len(rows), f"{path.name}: {len(table)} rows checked, {len(rows)} read"
    placed, _summary = Geocoder.offline().geocode_table(table)
    known = right = 0
    mistakes: list[str] = []
    unsure: list[str] = []
    for row, result in zip(rows, placed.to_dict("records"), strict=True):
        precision = result["geocode_precision"]
        label = f"{row['partner_name']}: {row['city'] or row['address']} ({row['country']})"
        if precision == "country":
            unsure.append(f"{label} → {result.get('geocode_note') or ''}".rstrip(" →"))
        if not row["true_latitude"]:
            if precision in ("city", "postal", "address"):
                mistakes.append(f"{label}: placed at {precision} precision, no city can be known")
            continue
        known += 1
        if math.isnan(result["lat"]):
            continue
        off = distance_km(result["lat"], result["lon"], float(row["true_latitude"]), float(row["true_longitude"]))
        if off <= RIGHT_KM:
            right += 1
        elif precision in ("city", "postal", "address"):
            mistakes.append(f"{label}: placed {off:,.0f} km away at {precision} precision")
    return {"rows": len(rows), "known": known, "right": right, "mistakes": mistakes, "unsure": unsure}


def main() -> None:
    for path in HOLDOUTS:
        report(path)


def report(path: Path) -> None:
    found = evaluate(path)
    known, right = int(found["known"]), int(found["right"])  # type: ignore[call-overload]
    print(f"geocoding quality on {found['rows']} held-out real rows ({path.name})")
    print(f"  placed right (within {RIGHT_KM:.0f} km): {right}/{known} = {right / known:.1%}")
    mistakes = list(found["mistakes"])  # type: ignore[call-overload]
    print(f"  confident mistakes: {len(mistakes)}")
    for line in mistakes:
        print(f"    {line}")
    unsure = list(found["unsure"])  # type: ignore[call-overload]
    print(f"  placed at country precision (unsure): {len(unsure)}")
    for line in unsure:
        print(f"    {line}")


if __name__ == "__main__":
    main()
