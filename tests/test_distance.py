"""The one distance formula (``geo.distance``), checked against geopy's independent implementation."""

from __future__ import annotations

import math

import pytest
from geopy.distance import great_circle

from partner_directory.geo.distance import distance_km, great_circle_km

PAIRS = [
    ((54.352, 18.6466), (52.2297, 21.0122)),  # Gdańsk – Warsaw
    ((51.5072, -0.1276), (-33.8688, 151.2093)),  # London – Sydney
    ((0.0, 179.9), (0.0, -179.9)),  # across the antimeridian
    ((89.9, 0.0), (-89.9, 180.0)),  # nearly antipodal
    ((48.1374, 11.5755), (48.1374, 11.5755)),  # the same point
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
