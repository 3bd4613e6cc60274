"""Placing offices on the map: a chain of resolvers, first answer wins.

1. coordinates in the row (from the file, or typed by staff: ``manual``) always win;
2. the persistent cache (:mod:`partner_directory.geo.geocoding.cache`);
3. an online geocoder (geopy's Nominatim, a self-hosted one too) — only when switched on;
4. the offline gazetteer (:mod:`partner_directory.geo.gazetteer`);
5. the country's reference point (precision ``country``);
6. unresolved: no coordinates, precision ``none`` — never 0,0, never another country.

Every result records ``geocode_source`` (input | manual | cache | online |
gazetteer | none) and ``geocode_precision`` (address | city | country | none).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from partner_directory.geo.countries import country_name
from partner_directory.geo.gazetteer.queries import Gazetteer
from partner_directory.geo.geocoding.cache import CachedPlace, GeocodeCache
from partner_directory.sheet.schema import GEOCODE_COLUMNS
from partner_directory.sheet.validation import parse_number
from partner_directory.text import fold

log = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("input", "manual", "cache", "online", "gazetteer", "none")
PRECISIONS: tuple[str, ...] = ("address", "city", "country", "none")
#: Precisions shown as "approximate location" on the map.
APPROXIMATE: frozenset[str] = frozenset({"city", "country"})

# Nominatim place types that mean "somewhere in this town", not a street address.
_CITY_TYPES = frozenset(
    {
        "city",
        "town",
        "village",
        "hamlet",
        "municipality",
        "suburb",
        "borough",
        "quarter",
        "neighbourhood",
        "administrative",
        "county",
        "state",
        "region",
        "province",
        "district",
        "locality",
        "postcode",
    }
)


@dataclass(frozen=True)
class Query:
    """What is known of an office's place; ``country`` is ISO alpha-2 or ``""``."""

    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""

    @property
    def key(self) -> str:
        """The cache key: the folded parts joined, so spelling variants of case and accents share it."""
        return "|".join(fold(part) for part in (self.address, self.postal_code, self.city, self.country.upper()))

    def text(self) -> str:
        """The query as one line for a free-text geocoder."""
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.address, city, country_name(self.country)) if part)


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
    #: :class:`~partner_directory.geo.gazetteer.Location`); the last three stay at country precision.
    note: str = ""
    #: Places the office may be in, best first ("Bydgoszcz", "Portland (Maine)").
    suggestions: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.latitude is not None


UNRESOLVED = GeocodeResult(None, None, "none", "none")


class Resolver(Protocol):
    """One link of the chain: returns a result or ``None`` to let the next one try."""

    name: str

    def resolve(self, query: Query) -> GeocodeResult | None: ...


class GazetteerResolver:
    """Cities from the offline gazetteer, only when it is sure (:meth:`Gazetteer.locate`).

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
        if not (query.city or query.address):
            return None
        location = self.gazetteer.locate(
            city=query.city, address=query.address, postal_code=query.postal_code, country=query.country
        )
        suggestions = tuple(place.label for place in location.suggestions)
        place = location.place
        if place is not None and place.country == query.country:
            return GeocodeResult(
                place.latitude, place.longitude, "gazetteer", "city", place.name, location.reason, suggestions
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


class CountryResolver:
    """The country's reference point, when nothing more precise is known."""

    name = "country"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def resolve(self, query: Query) -> GeocodeResult | None:
        place = self.gazetteer.country_point(query.country) if query.country else None
        if place is None:
            return None
        return GeocodeResult(place.latitude, place.longitude, "gazetteer", "country", country_name(query.country))


#: The largest answer accepted from an online geocoder (one Nominatim result is a few KB).
MAX_ANSWER_BYTES = 1024 * 1024


def _bounded_adapter_factory(*, deadline: float, max_bytes: int) -> Callable[..., Any]:
    """geopy's requests adapter, bounded: a total deadline per request and a cap on the answer's size.

    geopy's own timeout bounds each read, so an answer that trickles one byte
    every two seconds never ends, and any size is read into memory. This
    adapter reads the answer in pieces, each piece waiting at most what is left
    of the deadline, and stops at the cap (checked on ``Content-Length`` first).
    """
    from geopy.adapters import AdapterHTTPError, RequestsAdapter
    from geopy.exc import GeocoderParseError, GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable

    class BoundedRequestsAdapter(RequestsAdapter):
        def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
            text = self.get_text(url, timeout=timeout, headers=headers)
            try:
                return json.loads(text)
            except ValueError as error:
                raise GeocoderParseError("The geocoder's answer is not JSON") from error

        def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
            limit = min(deadline, timeout) if timeout else deadline
            ends = time.monotonic() + limit
            try:
                response = self.session.get(url, timeout=(limit, limit), headers=headers, stream=True)
            except Exception as error:  # as geopy's own adapter sorts them
                import requests

                if isinstance(error, requests.Timeout) or "timed out" in str(error):
                    raise GeocoderTimedOut("Service timed out") from error
                if isinstance(error, requests.ConnectionError):
                    raise GeocoderUnavailable(str(error)) from error
                raise GeocoderServiceError(str(error)) from error
            try:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise GeocoderServiceError(f"The geocoder's answer is too large ({declared} bytes)")
                body = bytearray()
                while True:
                    left = ends - time.monotonic()
                    if left <= 0:
                        raise GeocoderTimedOut(f"No whole answer within {limit:g} s")
                    _limit_next_read(response, left)
                    try:
                        piece = response.raw.read1(65536)
                    except Exception as error:
                        raise GeocoderTimedOut(f"No whole answer within {limit:g} s") from error
                    if not piece:
                        break
                    body += piece
                    if len(body) > max_bytes:
                        raise GeocoderServiceError(f"The geocoder's answer is larger than {max_bytes} bytes")
                text = bytes(body).decode(response.encoding or "utf-8", errors="replace")
                if response.status_code >= 400:
                    raise AdapterHTTPError(
                        f"Non-successful status code {response.status_code}",
                        status_code=response.status_code,
                        headers=response.headers,
                        text=text,
                    )
                return text
            finally:
                response.close()

    return functools.partial(BoundedRequestsAdapter, max_retries=0)


def _limit_next_read(response: Any, seconds: float) -> None:
    """Let the next read of ``response`` wait at most ``seconds`` (the socket's timeout; best effort)."""
    # Another transport has no such socket: the read timeout given to the request still bounds each read.
    with contextlib.suppress(AttributeError):
        response.raw._connection.sock.settimeout(max(0.05, seconds))


class _ToPackageLog(logging.Handler):
    """Hands geopy's log records to this package's log, so none reaches stderr by Python's last resort."""

    def emit(self, record: logging.LogRecord) -> None:
        log.handle(record)


def _route_geopy_log() -> None:
    geopy_log = logging.getLogger("geopy")
    if not any(isinstance(handler, _ToPackageLog) for handler in geopy_log.handlers):
        geopy_log.addHandler(_ToPackageLog())
        geopy_log.propagate = False


class OnlineResolver:
    """geopy's Nominatim (or a self-hosted one), politely: one request a second, bounded timeout.

    A failed query is not retried within the same run; after
    ``give_up_after`` connection failures in a row the resolver stops asking
    for the rest of the run, so a missing network costs seconds, not hours.
    Every failure is logged once and answered with ``None``, so the chain
    falls through to the gazetteer.
    """

    name = "online"

    def __init__(
        self,
        *,
        domain: str,
        scheme: str = "https",
        user_agent: str,
        email: str = "",
        timeout: float = 5.0,
        min_delay_seconds: float = 1.0,
        give_up_after: int = 3,
    ) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        _route_geopy_log()
        agent = f"{user_agent} ({email})" if email else user_agent
        # geopy's requests adapter retries a timed-out request twice by default,
        # which would triple the wait; the chain's own fall-back is the retry.
        # ``timeout`` is the whole request's deadline, not each read's.
        self.geocoder = Nominatim(
            domain=domain,
            scheme=scheme,
            user_agent=agent,
            timeout=timeout,
            adapter_factory=_bounded_adapter_factory(deadline=timeout, max_bytes=MAX_ANSWER_BYTES),
        )
        self._geocode = RateLimiter(
            self.geocoder.geocode, min_delay_seconds=min_delay_seconds, max_retries=0, swallow_exceptions=False
        )
        self.failed: set[str] = set()
        self.warnings: list[str] = []
        self.requests = 0
        self._failures_in_a_row = 0
        self._give_up_after = give_up_after
        self.gave_up = False

    def resolve(self, query: Query) -> GeocodeResult | None:
        if self.gave_up or query.key in self.failed or not (query.address or query.city):
            return None
        from geopy.exc import GeocoderQueryError, GeocoderRateLimited, GeocoderServiceError

        self.requests += 1
        try:
            kwargs: dict[str, Any] = {"exactly_one": True, "addressdetails": True}
            if query.country:
                kwargs["country_codes"] = query.country.lower()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    location = self._geocode(query.text(), **kwargs)
                finally:
                    for warning in caught:  # geopy's warnings belong in the log, not on stderr
                        log.warning("geopy: %s", warning.message)
        except Exception as error:  # every geopy error — and any other — means "ask the next resolver"
            self.failed.add(query.key)
            connection_trouble = isinstance(error, GeocoderServiceError) and not isinstance(
                error, GeocoderQueryError | GeocoderRateLimited
            )
            self._failures_in_a_row = self._failures_in_a_row + 1 if connection_trouble else 0
            self._warn(f"Online geocoding failed ({type(error).__name__}); using the offline gazetteer.", error)
            if self._failures_in_a_row >= self._give_up_after or isinstance(error, GeocoderRateLimited):
                self.gave_up = True
                log.info("Online geocoding is switched off for the rest of this run.")
            return None
        self._failures_in_a_row = 0
        if location is None:
            self.failed.add(query.key)
            return None
        raw = location.raw if isinstance(location.raw, dict) else {}
        # geopy wraps a longitude of 999 to -81: judge the numbers the server sent, never the wrapped ones.
        latitude, longitude = _number(raw.get("lat")), _number(raw.get("lon"))
        if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            self.failed.add(query.key)
            self._warn(
                "The online geocoder answered coordinates out of range; using the offline gazetteer.",
                ValueError(f"{raw.get('lat')!r}, {raw.get('lon')!r}"),
            )
            return None
        found_country = str((raw.get("address") or {}).get("country_code", "")).upper()
        if query.country and found_country and found_country != query.country:
            self.failed.add(query.key)
            return None
        return GeocodeResult(latitude, longitude, "online", _precision(raw), str(location.address))

    def _warn(self, message: str, error: Exception) -> None:
        # One warning a run: the first failure says what happened, the rest are details.
        if not self.warnings:
            self.warnings.append(message)
            log.warning("%s (%s)", message, error)
        else:
            log.debug("Online geocoding failed again: %s", error)


def _number(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _precision(raw: dict[str, Any]) -> str:
    kind = str(raw.get("addresstype") or raw.get("type") or "")
    if kind == "country":
        return "country"
    if kind in _CITY_TYPES or raw.get("class") == "boundary":
        return "city"
    return "address"


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
        cache: GeocodeCache | None = None,
    ) -> None:
        self.resolvers = list(resolvers)
        self.cache = cache
        self.online = next((r for r in self.resolvers if isinstance(r, OnlineResolver)), None)

    @classmethod
    def offline(cls, *, gazetteer: Gazetteer | None = None, cache: GeocodeCache | None = None) -> Geocoder:
        """The embedded default: gazetteer, then the country's point."""
        from partner_directory.geo.gazetteer.queries import default_gazetteer

        gazetteer = gazetteer or default_gazetteer()
        return cls([GazetteerResolver(gazetteer), CountryResolver(gazetteer)], cache=cache)

    @classmethod
    def from_settings(cls, settings: Any, *, offline: bool = False, gazetteer: Gazetteer | None = None) -> Geocoder:
        """Build the chain that ``settings`` (a :class:`~partner_directory.config.Settings`) asks for."""
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
        return cls(resolvers, cache=GeocodeCache(settings.geocode_cache))

    def _usable(self, cached: CachedPlace) -> bool:
        # Offline answers are not reused: the gazetteer answers in microseconds, and an
        # answer remembered under older rules (a wrong Portland) must not outlive them.
        # With an online geocoder on, an older offline answer must not stop it either.
        if cached.source == "gazetteer":
            return False
        return self.online is None or self.online.gave_up or cached.source == "online" or cached.precision == "address"

    def geocode(self, query: Query) -> GeocodeResult:
        """Resolve one query through the chain (the cache first when there is one)."""
        cached = self.cache.get(query.key) if self.cache is not None else None
        result, new = self._resolve(query, cached)
        if new is not None and self.cache is not None:
            self.cache.put(query.key, new)
        return result

    def _remember(self, places: dict[str, CachedPlace]) -> None:
        if self.cache is not None and places:
            self.cache.put_many(dict(places))
        places.clear()

    def _resolve(self, query: Query, cached: CachedPlace | None) -> tuple[GeocodeResult, CachedPlace | None]:
        """The chain after the cache lookup; returns the result and what to remember (if anything)."""
        if cached is not None and self._usable(cached):
            return GeocodeResult(cached.latitude, cached.longitude, "cache", cached.precision, cached.label), None
        for resolver in self.resolvers:
            result = resolver.resolve(query)
            if (
                result is not None
                and result.latitude is not None
                and result.longitude is not None
                and _is_valid(result)
            ):
                if result.source != "online":
                    return result, None  # see _usable: only online answers are worth remembering
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
                queries[position] = Query(
                    address=str(record.get("address") or ""),
                    postal_code=str(record.get("postal_code") or ""),
                    city=str(record.get("city") or ""),
                    country=_country_code(record),
                )
            else:
                record["geocode_source"], record["geocode_precision"] = "none", "none"
        keys = {position: query.key for position, query in queries.items()}
        cached = self.cache.get_many(list(keys.values())) if self.cache is not None else {}
        answers: dict[str, GeocodeResult] = {}
        remember: dict[str, CachedPlace] = {}
        for done, (position, query) in enumerate(queries.items(), start=1):
            key = keys[position]
            answer = answers.get(key)
            if answer is None:
                answer, new = self._resolve(query, cached.get(key))
                answers[key] = answer
                if new is not None:
                    remember[key] = new
                    if len(remember) >= 500:  # one transaction per batch, not per row; a crash loses little
                        self._remember(remember)
            record = records[position]
            record["geocode_source"], record["geocode_precision"] = answer.source, answer.precision
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
    return t("geocoding.note.unknown_plain", language)


def _format(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _country_code(record: dict[str, Any]) -> str:
    code = str(record.get("country") or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() else ""


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
