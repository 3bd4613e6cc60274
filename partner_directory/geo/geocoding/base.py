"""What every resolver of the geocoding chain shares: the query, the result, and the base class.

As geopy keeps every service behind ``geocoders/base.py``, each link of the
chain (:mod:`~partner_directory.geo.geocoding.chain`) is a :class:`Resolver`:
it answers a :class:`Query` with a :class:`GeocodeResult`, or ``None`` to let
the next one try.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from partner_directory.geo.countries import country_name
from partner_directory.text import fold

#: Who placed an office (``geocode_source``): the row itself, staff, the cache, the online geocoder, the gazetteer.
SOURCES: tuple[str, ...] = ("input", "manual", "cache", "online", "gazetteer", "none")
#: How exactly (``geocode_precision``).
#: ``postal`` is the point of the office's postal code (a row with a code and no city it names).
PRECISIONS: tuple[str, ...] = ("address", "postal", "city", "country", "none")
#: Precisions shown as "approximate location" on the map.
APPROXIMATE: frozenset[str] = frozenset({"postal", "city", "country"})
#: Precisions whose point is not the office's own: no distance is measured or shown from them.
UNLOCATED: frozenset[str] = frozenset({"country", "none"})


@dataclass(frozen=True)
class Query:
    """What is known of an office's place; ``country`` is ISO alpha-2 or ``""``."""

    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    #: A state, province or territory written in the country column ("Texas", "Ontario").
    region: str = ""

    @property
    def key(self) -> str:
        """The cache key: the folded parts joined, so spelling variants of case and accents share it."""
        key = "|".join(fold(part) for part in (self.address, self.postal_code, self.city, self.country.upper()))
        return f"{key}|{fold(self.region)}" if self.region else key

    def text(self) -> str:
        """The query as one line for a free-text geocoder."""
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.address, city, self.region, country_name(self.country)) if part)


@dataclass(frozen=True)
class GeocodeResult:
    """Where an office was placed, by whom and how exactly. ``latitude`` is ``None`` when unresolved."""

    latitude: float | None
    longitude: float | None
    source: str
    precision: str
    label: str = ""
    #: Why the result is less sure than it looks: "" (sure), "typo" (a misspelled city
    #: placed at the only city it can be), "ambiguous", "unknown" or "placeholder" (see
    #: :class:`~partner_directory.geo.gazetteer.places.Location`); the last three stay at country precision.
    note: str = ""
    #: Places the office may be in, best first ("Bydgoszcz", "Portland (Maine)").
    suggestions: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.latitude is not None


UNRESOLVED = GeocodeResult(None, None, "none", "none")


class Resolver(ABC):
    """One link of the chain: answers a query, or returns ``None`` to let the next one try.

    A resolver never raises for a query it cannot answer: every failure is a
    ``None`` (and a line in the log), so the chain falls through.
    """

    #: Short name of the resolver, for logs and tests.
    name: ClassVar[str]

    @abstractmethod
    def resolve(self, query: Query) -> GeocodeResult | None:
        """Return where ``query`` is, or ``None`` when this resolver cannot tell."""
