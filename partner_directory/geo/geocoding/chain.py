"""Placing offices on the map: a chain of resolvers, first answer wins.

1. coordinates in the row (from the file, or typed by staff: ``manual``) always win;
2. the persistent cache (:mod:`~partner_directory.geo.geocoding.cache`);
3. an online geocoder (:mod:`~partner_directory.geo.geocoding.online`) — only when switched on;
4. the offline gazetteer (:mod:`~partner_directory.geo.geocoding.gazetteer`);
5. the country's reference point, precision ``country`` (:mod:`~partner_directory.geo.geocoding.country`);
6. unresolved: no coordinates, precision ``none`` — never 0,0, never another country.

Steps 2–5 are :class:`~partner_directory.geo.geocoding.base.Resolver` objects
tried in order; an answer out of range or at 0,0 counts as none.

Every result records ``geocode_source`` (input | manual | cache | online |
gazetteer | none) and ``geocode_precision`` (address | city | country | none).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from partner_directory.geo.countries import continent_of, country_name, resolve_country, states_named
from partner_directory.geo.gazetteer.index import SAME_PLACE_KM
from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.geo.geocoding.base import PRECISIONS, SOURCES, UNRESOLVED, GeocodeResult, Query, Resolver
from partner_directory.geo.geocoding.cache import AnyGeocodeCache, CachedPlace, CacheResolver, GeocodeCache
from partner_directory.geo.geocoding.country import CountryResolver
from partner_directory.geo.geocoding.gazetteer import GazetteerResolver
from partner_directory.geo.geocoding.online import OnlineResolver
from partner_directory.sheet.schema import GEOCODE_COLUMNS
from partner_directory.sheet.validation import parse_number


@dataclass
class GeocodeSummary:
    """What a run did: counts by precision and source, unresolved rows, online warnings."""

    by_precision: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    unresolved_rows: list[int] = field(default_factory=list)
    #: Offices the gazetteer was unsure of: (spreadsheet row, what was typed, note, suggestions).
    attention: list[tuple[int, str, str, tuple[str, ...]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    online_requests: int = 0


class Geocoder:
    """The chain of resolvers with its cache.

    Example: ``Geocoder.offline().geocode(Query(city="Warszawa", country="PL")).label``
    gives ``'Warsaw'``.
    """

    def __init__(
        self,
        resolvers: Iterable[Resolver],
        *,
        cache: AnyGeocodeCache | None = None,
    ) -> None:
        self.resolvers = list(resolvers)
        self.cache = cache
        self.online = next((r for r in self.resolvers if isinstance(r, OnlineResolver)), None)

    @classmethod
    def offline(cls, *, gazetteer: Gazetteer | None = None, cache: AnyGeocodeCache | None = None) -> Geocoder:
        """The embedded default: gazetteer, then the country's point."""
        from partner_directory.geo.gazetteer.queries import default_gazetteer

        gazetteer = gazetteer or default_gazetteer()
        return cls([GazetteerResolver(gazetteer), CountryResolver(gazetteer)], cache=cache)

    @classmethod
    def from_settings(
        cls,
        settings: Any,
        *,
        offline: bool = False,
        gazetteer: Gazetteer | None = None,
        cache: AnyGeocodeCache | None = None,
    ) -> Geocoder:
        """Build the chain that ``settings`` (a :class:`~partner_directory.config.Settings`) asks for.

        ``cache`` is where answers are remembered (the app passes the office's
        database); without it, the SQLite file ``settings.geocode_cache``.
        """
        from partner_directory.geo.gazetteer.queries import default_gazetteer

        gazetteer = gazetteer or default_gazetteer()
        resolvers: list[Resolver] = []
        if settings.online_geocoding and not offline:
            resolvers.append(
                OnlineResolver(
                    domain=settings.geocoder_domain,
                    scheme=settings.geocoder_scheme,
                    user_agent=settings.geocoder_user_agent,
                    email=settings.geocoder_email,
                    timeout=settings.geocoder_timeout,
                    min_delay_seconds=settings.geocoder_min_delay,
                )
            )
        resolvers += [GazetteerResolver(gazetteer), CountryResolver(gazetteer)]
        return cls(resolvers, cache=cache if cache is not None else GeocodeCache(settings.geocode_cache))

    def query_of(self, record: dict[str, Any]) -> Query:
        """The query of a row: its place columns, and its country column read with the city.

        A state, province or territory in the country column ("Texas",
        "Ontario", "New South Wales": :func:`~partner_directory.geo.countries.states_named`)
        means its country, with the state as a region hint. A name that is
        both a country and a state ("Georgia", also when a check already made
        it "GE") is the state when the city is a place there and not in the
        country.
        """
        address = str(record.get("address") or "")
        city = str(record.get("city") or "")
        postal_code = str(record.get("postal_code") or "")
        text = str(record.get("country") or "").strip()
        code = text.upper() if len(text) == 2 and text.isalpha() else (resolve_country(text) or "")
        states = states_named(country_name(code) if len(text) == 2 and code else text)
        if states and (city or address or postal_code):
            state_country, state = states[0]
            if not code or (self._names_place(city, state_country) and not self._names_place(city, code)):
                return Query(address, postal_code, city, state_country, region=state)
        return Query(address, postal_code, city, code)

    def _names_place(self, city: str, country: str) -> bool:
        gazetteer = next((r.gazetteer for r in self.resolvers if isinstance(r, GazetteerResolver)), None)
        return bool(city) and gazetteer is not None and gazetteer.find_city(city, country=country) is not None

    def geocode(self, query: Query) -> GeocodeResult:
        """Resolve one query through the chain (the cache first when there is one)."""
        result, new = self._resolve(query, self._recall([query.key]))
        if new is not None and self.cache is not None:
            self.cache.put(query.key, new)
        return result

    def _remember(self, places: dict[str, CachedPlace]) -> None:
        if self.cache is not None and places:
            self.cache.put_many(dict(places))
        places.clear()

    def _recall(self, keys: list[str]) -> CacheResolver:
        """The cache's resolver for these keys (remembering nothing when there is no cache)."""
        remembered = self.cache.get_many(keys) if self.cache is not None else {}
        return CacheResolver(remembered, online=self.online)

    def _resolve(self, query: Query, remembered: CacheResolver) -> tuple[GeocodeResult, CachedPlace | None]:
        """Try the cache, then each resolver in order; return the result and what to remember (if anything)."""
        for resolver in (remembered, *self.resolvers):
            result = resolver.resolve(query)
            if (
                result is not None
                and result.latitude is not None
                and result.longitude is not None
                and _is_valid(result)
            ):
                if result.source != "online":
                    return result, None  # see may_reuse: only online answers are worth remembering
                remember = CachedPlace(result.latitude, result.longitude, result.source, result.precision, result.label)
                return result, remember
        return UNRESOLVED, None

    def geocode_table(
        self,
        table: pd.DataFrame,
        *,
        rows: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[pd.DataFrame, GeocodeSummary]:
        """Place every office of a checked table; return a new table and a summary.

        The result has ``latitude``/``longitude`` filled as text, the
        :data:`~partner_directory.sheet.schema.GEOCODE_COLUMNS`, float columns
        ``lat``/``lon`` (NaN when unresolved) for maps and distances, and
        ``geocode_note``/``geocode_suggestions`` (the gazetteer's doubt and the
        places it suggests, ``; ``-separated; never written to files). Rows
        with coordinates keep them; ``rows`` (positions) limits geocoding to
        those rows — the others keep what they have. ``progress(done, total)``
        is called as rows are done.
        """
        result = table.copy()
        for column in GEOCODE_COLUMNS:
            if column not in result.columns:
                result[column] = ""
        summary = GeocodeSummary()
        count = len(result)
        wanted = set(range(count)) if rows is None else set(rows)
        latitudes: list[float] = [math.nan] * count
        longitudes: list[float] = [math.nan] * count
        notes: list[str] = [""] * count
        suggestions: list[str] = [""] * count
        records = result.to_dict("records")
        queries: dict[int, Query] = {}
        for position, record in enumerate(records):
            given = _given_coordinates(record)
            if given is not None:
                latitudes[position], longitudes[position] = given.latitude, given.longitude  # type: ignore[assignment]
                record["geocode_source"], record["geocode_precision"] = given.source, given.precision
            elif position in wanted:
                queries[position] = self.query_of(record)
            else:
                record["geocode_source"], record["geocode_precision"] = "none", "none"
        keys = {position: query.key for position, query in queries.items()}
        remembered = self._recall(list(keys.values()))
        answers: dict[str, GeocodeResult] = {}
        remember: dict[str, CachedPlace] = {}
        for done, (position, query) in enumerate(queries.items(), start=1):
            key = keys[position]
            answer = answers.get(key)
            if answer is None:
                answer, new = self._resolve(query, remembered)
                answers[key] = answer
                if new is not None:
                    remember[key] = new
                    if len(remember) >= 500:  # one transaction per batch, not per row; a crash loses little
                        self._remember(remember)
            record = records[position]
            record["geocode_source"], record["geocode_precision"] = answer.source, answer.precision
            if _city_from_address(record, answer):  # "ul. Przykładowa 3, 81-300 Gdynia" with no city: Gdynia
                record["city"] = answer.label
            if query.region and answer.resolved:  # "Atlanta, Georgia" or "Austin, Texas": the office is in the US
                record["country"] = query.country
                if "continent" in record:
                    record["continent"] = continent_of(query.country)
            notes[position] = answer.note
            suggestions[position] = "; ".join(answer.suggestions)
            if answer.note:
                summary.attention.append(
                    (
                        int(record.get("source_row") or position + 2),
                        query.city or query.address,
                        answer.note,
                        answer.suggestions,
                    )
                )
            if answer.resolved:
                latitudes[position], longitudes[position] = answer.latitude, answer.longitude  # type: ignore[assignment]
                record["latitude"], record["longitude"] = _format(answer.latitude), _format(answer.longitude)
            if progress is not None and (done % 50 == 0 or done == len(queries)):
                progress(done, len(queries))
        self._remember(remember)
        for record in records:
            summary.by_precision[record["geocode_precision"]] += 1
            summary.by_source[record["geocode_source"]] += 1
            if record["geocode_precision"] == "none":
                summary.unresolved_rows.append(int(record.get("source_row") or 0))
        if self.online is not None:
            summary.warnings = list(self.online.warnings)
            summary.online_requests = self.online.requests
        result = pd.DataFrame(records, columns=list(result.columns), dtype=object)
        result["lat"] = pd.Series(latitudes, dtype="float64", index=result.index)
        result["lon"] = pd.Series(longitudes, dtype="float64", index=result.index)
        result["geocode_note"] = pd.Series(notes, dtype=object, index=result.index)
        result["geocode_suggestions"] = pd.Series(suggestions, dtype=object, index=result.index)
        return result, summary


def describe_note(note: str, suggestions: Iterable[str], language: str = "en") -> str:
    """One sentence for staff about a doubtful placement ("… Did you mean Bydgoszcz?"); "" when sure.

    For ``conflict`` the suggestions are the city and the postal code's place
    ("Neustadt (Hesse)", "67433 Neustadt an der Weinstraße").

    >>> describe_note("typo", ["Bydgoszcz"], "en")
    'Not a city name as written; placed at Bydgoszcz, the only city it can mean — please check.'
    """
    from partner_directory.i18n import t

    places = [place for place in suggestions if place]
    if not note:
        return ""
    if note == "typo":
        return t("geocoding.note.typo", language, place=places[0] if places else "?")
    if note in ("ambiguous", "unknown") and places:
        listed = (
            places[0] if len(places) == 1 else f"{', '.join(places[:-1])} {t('geocoding.or', language)} {places[-1]}"
        )
        return t(f"geocoding.note.{note}", language, places=listed)
    if note == "placeholder":
        return t("geocoding.note.placeholder", language)
    if note == "area":
        return t("geocoding.note.area", language)
    if note == "conflict" and len(places) >= 2:
        return t("geocoding.note.conflict", language, city=places[0], postal=places[1], distance=f"{SAME_PLACE_KM:.0f}")
    return t("geocoding.note.unknown_plain", language)


def _format(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _city_from_address(record: dict[str, Any], answer: GeocodeResult) -> bool:
    """Whether the row's empty city is the gazetteer's city, found in its address (or postal code).

    Only the offline gazetteer names a city as the label; an online answer's label is a whole address.
    """
    return (
        answer.resolved
        and answer.source == "gazetteer"
        and answer.precision == "city"
        and bool(answer.label)
        and not str(record.get("city") or "").strip()
        and "city" in record
    )


def _given_coordinates(record: dict[str, Any]) -> GeocodeResult | None:
    latitude = parse_number(str(record.get("latitude") or ""))
    longitude = parse_number(str(record.get("longitude") or ""))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    source = str(record.get("geocode_source") or "")
    precision = str(record.get("geocode_precision") or "")
    # Coordinates geocoded earlier keep their source; typed ones are "input".
    source = source if source in SOURCES and source != "none" else "input"
    precision = precision if precision in PRECISIONS and precision != "none" else "address"
    return GeocodeResult(latitude, longitude, source, precision)


def _is_valid(result: GeocodeResult) -> bool:
    if result.latitude is None or result.longitude is None:
        return False
    if not (-90 <= result.latitude <= 90 and -180 <= result.longitude <= 180):
        return False
    return not (result.latitude == 0 and result.longitude == 0)
