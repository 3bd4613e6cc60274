"""Distance on the Earth: the one formula every part of the directory uses.

Search radii, "same place" checks in the gazetteer and distances shown to a member
all come from :func:`great_circle_km`, so that two parts never disagree about how far
one office is from another.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from partner_directory.geo.geocoding.base import APPROXIMATE, UNLOCATED

#: The Earth's mean radius in km, as ``geopy.distance.EARTH_RADIUS`` (importing geopy costs 0.3 s of a command's start).
EARTH_RADIUS_KM = 6371.009


def great_circle_km(
    latitude: float, longitude: float, latitudes: npt.ArrayLike, longitudes: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distances in km from one point to many (NaN where a coordinate is NaN).

    The same spherical formula and Earth radius as ``geopy.distance.great_circle``,
    vectorised: 10,000 distances take well under a millisecond.

    >>> round(float(great_circle_km(54.352, 18.6466, [52.2297], [21.0122])[0]))
    284
    """
    lat1, lon1 = math.radians(latitude), math.radians(longitude)
    lat2 = np.radians(np.asarray(latitudes, dtype=np.float64))
    lon2 = np.radians(np.asarray(longitudes, dtype=np.float64))
    sin_lat1, cos_lat1 = math.sin(lat1), math.cos(lat1)
    sin_lat2, cos_lat2 = np.sin(lat2), np.cos(lat2)
    delta = lon2 - lon1
    cos_delta, sin_delta = np.cos(delta), np.sin(delta)
    angle = np.arctan2(
        np.sqrt((cos_lat2 * sin_delta) ** 2 + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * cos_delta) ** 2),
        sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * cos_delta,
    )
    return np.asarray(EARTH_RADIUS_KM * angle, dtype=np.float64)


def distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    """The great-circle distance in km between two points (:func:`great_circle_km` for one pair).

    >>> round(distance_km(54.352, 18.6466, 52.2297, 21.0122))
    284
    """
    return float(great_circle_km(latitude_a, longitude_a, [latitude_b], [longitude_b])[0])


#: Below this many km a distance is shown with one decimal even for an approximate placement.
SMALL_DISTANCE_KM = 1.0


def shown_distance_km(distance_km: object, precision: str) -> float | None:
    """How far an office is, as exactly as it is placed: what the list, the downloads and the CLI show.

    ``None`` when the distance is unknown or the office is placed only at its
    country (or not at all); whole km for an office placed at its city or postal code; one
    decimal for one placed at its address or by its coordinates. A small distance keeps its
    decimal whatever the placement -- under :data:`SMALL_DISTANCE_KM` a whole number would
    read "0" -- and a distance above zero is never shown as 0 (at least 0.1).

    >>> shown_distance_km(12.34, "address"), shown_distance_km(57.6, "city"), shown_distance_km(3.0, "country")
    (12.3, 58.0, None)
    >>> shown_distance_km(0.2, "postal"), shown_distance_km(0.02, "address"), shown_distance_km(0.0, "address")
    (0.2, 0.1, 0.0)
    """
    try:
        value = float(distance_km)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or precision in UNLOCATED:
        return None
    if precision in APPROXIMATE and value >= SMALL_DISTANCE_KM:
        return float(round(value))
    return max(round(value, 1), 0.1) if value > 0 else 0.0
