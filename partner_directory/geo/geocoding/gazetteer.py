"""The offline gazetteer as a resolver: a city when it is sure, else the country with the reason."""

from __future__ import annotations

from partner_directory.geo.countries import country_name
from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.geo.geocoding.base import GeocodeResult, Query, Resolver


class GazetteerResolver(Resolver):
    """Cities from the offline gazetteer, only when it is sure (:meth:`~partner_directory.geo.gazetteer.queries.Gazetteer.locate`).

    When it is not sure the result is the country's reference point at
    ``country`` precision, with the reason and the places it may be in, so
    staff see "Did you mean Bydgoszcz?" instead of a wrong pin.
    """

    name = "gazetteer"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def resolve(self, query: Query) -> GeocodeResult | None:
        if not query.country:
            return None  # without a country the office could land anywhere
        if not (query.city or query.address or query.postal_code):
            return None
        location = self.gazetteer.locate(
            city=query.city,
            address=query.address,
            postal_code=query.postal_code,
            country=query.country,
            region=query.region,
        )
        suggestions = tuple(place.label for place in location.suggestions)
        place = location.place
        if place is not None and place.country == query.country:
            precision = "postal" if place.kind == "postal" else "city"
            return GeocodeResult(
                place.latitude, place.longitude, "gazetteer", precision, place.name, location.reason, suggestions
            )
        point = self.gazetteer.country_point(query.country)
        if point is None:
            return None
        return GeocodeResult(
            point.latitude,
            point.longitude,
            "gazetteer",
            "country",
            country_name(query.country),
            location.reason or "unknown",
            suggestions,
        )
