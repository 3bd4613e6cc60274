"""The online geocoder as a resolver: geopy's Nominatim (or a self-hosted one), bounded and polite.

Only in the chain when settings switch it on. geopy's transport is bounded
here (a deadline per request, a cap on the answer's size), its log and its
warnings go to this package's log, never to stderr, and every failure is
answered with ``None`` so the chain falls through to the gazetteer.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

from partner_directory.geo.geocoding.base import GeocodeResult, Query, Resolver

log = logging.getLogger(__name__)

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


class OnlineResolver(Resolver):
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
