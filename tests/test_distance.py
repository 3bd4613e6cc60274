"""The one distance formula (``geo.distance``), checked against geopy's independent implementation."""

from __future__ import annotations

import math

import pytest
from geopy.distance import great_circle

from partner_directory.geo.distance import distance_km, great_circle_km, shown_distance_km

PAIRS = [
    ((54.352, 18.6466), (52.2297, 21.0122)),  # Gdańsk – Warsaw
    ((51.5072, -0.1276), (-33.8688, 151.2093)),  # London – Sydney
    ((0.0, 179.9), (0.0, -179.9)),  # across the antimeridian
    ((89.9, 0.0), (-89.9, 180.0)),  # nearly antipodal
    ((48.1374, 11.5755), (48.1374, 11.5755)),  # the same point
    ((54.352, 18.6466), (35.6762, 139.6503)),  # Gdańsk – Tokyo
    ((0.0, 0.0), (0.0, 180.0)),  # half the Earth along the equator
    ((51.5, -0.1), (51.5, 0.1)),  # a few km across London
    ((-33.87, 151.21), (40.71, -74.0)),  # Sydney – New York
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_the_formula_agrees_with_geopy(a, b):
    expected = great_circle(a, b).km
    assert distance_km(*a, *b) == pytest.approx(expected, abs=1e-6)
    assert float(great_circle_km(*a, [b[0]], [b[1]])[0]) == pytest.approx(expected, abs=1e-6)


def test_a_missing_coordinate_gives_no_distance():
    distances = great_circle_km(0.0, 0.0, [math.nan, 1.0], [1.0, math.nan])
    assert math.isnan(distances[0]) and math.isnan(distances[1])


def test_no_other_module_has_its_own_earth_radius():
    """Distance is decided once: no other module of the package names the Earth's radius."""
    from tests.sources import project_sources

    owners = [path.name for path in project_sources() if "6371" in path.read_text(encoding="utf-8")]
    assert owners == ["distance.py"]


@pytest.mark.parametrize(
    ("distance", "precision", "shown"),
    [
        (12.34, "address", 12.3),
        (12.34, "", 12.3),  # typed coordinates or unknown precision: as exact as the number
        (57.6, "city", 58.0),
        (0.4, "city", 0.4),  # a small distance keeps its decimal, never "0"
        (3.0, "country", None),
        (3.0, "none", None),
        (math.nan, "address", None),
        (math.inf, "address", None),
        (None, "address", None),
        ("", "address", None),
    ],
)
def test_a_distance_is_shown_as_exactly_as_the_office_is_placed(distance, precision, shown):
    assert shown_distance_km(distance, precision) == shown
