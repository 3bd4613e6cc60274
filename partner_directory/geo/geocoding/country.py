"""The country's reference point as a resolver: the chain's last answer before "none"."""

from __future__ import annotations

from partner_directory.geo.countries import country_name
from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.geo.geocoding.base import GeocodeResult, Query, Resolver


class CountryResolver(Resolver):
    """The country's reference point, when nothing more precise is known."""

    name = "country"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def resolve(self, query: Query) -> GeocodeResult | None:
        place = self.gazetteer.country_point(query.country) if query.country else None
        if place is None:
            return None
        return GeocodeResult(place.latitude, place.longitude, "gazetteer", "country", country_name(query.country))
