"""What the gazetteer answers with: a place, where an office is put, and what an address hints.

Small frozen values, safe to share between threads and to cache.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Countries whose admin2 (county) names say more than admin1 (England, Scotland …).
COUNTY_COUNTRIES = frozenset({"GB", "IE"})


@dataclass(frozen=True)
class Place:
    """A city or a country's reference point found in the gazetteer."""

    name: str  # primary (English/ASCII GeoNames) name; the country's English name for kind "country"
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    population: int
    kind: str  # "city" or "country"
    region: str = ""  # GeoNames admin1 name (state, Land, voivodeship …), "" when unknown
    county: str = ""  # GeoNames admin2 name (county, district …), "" when unknown

    @property
    def label(self) -> str:
        """The name with its county or region, to tell same-name places apart: "Richmond (North Yorkshire)"."""
        detail = self.county if self.country in COUNTY_COUNTRIES and self.county else self.region
        return f"{self.name} ({detail})" if detail and detail != self.name else self.name


@dataclass(frozen=True)
class Location:
    """Where :meth:`~partner_directory.geo.gazetteer.queries.Gazetteer.locate` puts an office, and how sure it is.

    ``place`` is ``None`` when no city can be told; ``reason`` is "" (sure),
    ``typo`` (placed at the only city the misspelled name can mean — a warning),
    ``ambiguous`` (several same-name cities and nothing in the address says which),
    ``unknown`` (no such city; maybe a typo with several candidates) or
    ``placeholder`` (the city column holds no city, e.g. "Headquarters", and the
    address names none). ``suggestions`` are the places it may mean, best first.
    """

    place: Place | None
    reason: str = ""
    suggestions: tuple[Place, ...] = ()


@dataclass(frozen=True)
class Hints:
    """What an address says about the region: GeoNames admin1 codes and region ids of the index."""

    admin: frozenset[int] = frozenset()
    regions: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.admin or self.regions)


NO_HINTS = Hints()
