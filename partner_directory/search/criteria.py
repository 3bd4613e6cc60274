"""What a member asked for (:class:`Criteria`), and the URL's query parameters that carry it.

A search's criteria live in the page's address, so a link reproduces the
search: :meth:`Criteria.to_query_params` writes them, :meth:`Criteria.from_query_params`
reads them back and drops whatever cannot be understood. The ``understand_*``
functions read one value as a member may type it ("Polska" → ``PL``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from partner_directory.geo.countries import CONTINENTS, resolve_country
from partner_directory.geo.languages import resolve_language
from partner_directory.sheet.schema import canonical_service

#: Half the Earth's circumference: every office is within this distance of any place.
MAX_RADIUS_KM = 20_040.0

#: Radius used when a place is given without one, in kilometres (the search form starts with it too).
DEFAULT_RADIUS_KM = 300.0

#: Most offices the members' list shows at once, best matches (or nearest) first: every rerun sends the
#: list to the browser, and 100,000 rows would be 5 MB each time. The downloads and the map hold them all.
LIST_MAX_ROWS = 1_000

#: Longest free text or place name read from query parameters.
MAX_TEXT_LENGTH = 200

#: Most values read for one list filter from query parameters.
MAX_LIST_ITEMS = 50

#: Query parameter name of each :class:`Criteria` field.
QUERY_PARAMETERS: Mapping[str, str] = {
    "text": "q",
    "countries": "country",
    "continents": "continent",
    "sectors": "sector",
    "services": "service",
    "languages": "language",
    "near": "near",
    "radius_km": "radius",
}

_RADIUS = re.compile(r"\s*(\d+(?:[.,]\d*)?|[.,]\d+)\s*(?:km)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Criteria:
    """What a member asked for; every part is optional and an empty one applies nothing.

    Values are read generously by :func:`~partner_directory.search.engine.search`: countries in any spelling
    ("Polska" → PL), continents in any case, services by key or alias
    ("biurko" → desk), languages by code or name. Values that cannot be
    understood are dropped and named in :attr:`~partner_directory.search.engine.SearchResult.problems`.

    Semantics: ``countries``, ``continents``, ``sectors`` and ``languages``
    each keep an office matching ANY of the values; ``services`` keeps an
    office offering ALL of them; the parts combine with AND.
    """

    text: str = ""
    countries: tuple[str, ...] = ()  # alpha-2 codes
    continents: tuple[str, ...] = ()  # GeoNames codes, see countries.CONTINENTS
    sectors: tuple[str, ...] = ()  # compared folded with each item of the sectors list
    services: tuple[str, ...] = ()  # schema.SERVICES keys
    languages: tuple[str, ...] = ()  # ISO 639-1
    near: str = ""  # a place name, any language
    radius_km: float | None = None

    @property
    def is_empty(self) -> bool:
        """Whether nothing at all was asked for."""
        return not (
            self.text.strip()
            or self.countries
            or self.continents
            or self.sectors
            or self.services
            or self.languages
            or self.near.strip()
            or self.radius_km is not None
        )

    def to_query_params(self) -> dict[str, str | list[str]]:
        """Return the criteria as URL query parameters; empty parts are left out.

        Lists become lists (repeated parameters, as ``st.query_params.from_dict``
        writes them), text stays text. :meth:`from_query_params` reads them back.

        >>> Criteria(text="robotics", countries=("PL", "DE"), near="Gdańsk", radius_km=300.0).to_query_params()
        {'q': 'robotics', 'country': ['PL', 'DE'], 'near': 'Gdańsk', 'radius': '300'}
        """
        params: dict[str, str | list[str]] = {}
        if self.text.strip():
            params[QUERY_PARAMETERS["text"]] = self.text.strip()
        for name in ("countries", "continents", "sectors", "services", "languages"):
            values = [value for value in getattr(self, name) if value.strip()]
            if values:
                params[QUERY_PARAMETERS[name]] = values
        if self.near.strip():
            params[QUERY_PARAMETERS["near"]] = self.near.strip()
        if self.radius_km is not None:
            params[QUERY_PARAMETERS["radius_km"]] = format_radius(self.radius_km)
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any]) -> Criteria:
        """Read criteria from URL query parameters, dropping whatever cannot be understood.

        Args:
            params: a mapping of parameter name to a text or a list of texts,
                or Streamlit's ``st.query_params`` (its ``get_all`` is used).
                Codes may also be given comma-separated (``country=PL,DE``).

        Returns:
            Criteria with normalised values: countries as alpha-2 codes, services
            as keys, languages as ISO 639-1 codes; unknown ones are dropped, as
            is a radius that is not a positive number (one above
            :data:`MAX_RADIUS_KM` is lowered to it). Texts are cut to
            :data:`MAX_TEXT_LENGTH` characters, lists to :data:`MAX_LIST_ITEMS`.

        >>> Criteria.from_query_params({"country": "Polska,xx", "service": ["biurko", "parking"], "radius": "-5"})
        Criteria(text='', countries=('PL',), continents=(), sectors=(), services=('desk',), languages=(), near='', radius_km=None)
        """

        def codes(name: str, understand: Callable[[str], str | None]) -> tuple[str, ...]:
            values = (part for value in _parameter_values(params, name) for part in value.split(","))
            return unique_values(code for code in map(understand, values) if code)

        sectors = unique_values(value.strip()[:MAX_TEXT_LENGTH] for value in _parameter_values(params, "sectors"))
        return cls(
            text=_last_text(params, "text"),
            countries=codes("countries", understand_country),
            continents=codes("continents", understand_continent),
            sectors=tuple(sector for sector in sectors if sector),
            services=codes("services", canonical_service),
            languages=codes("languages", understand_language),
            near=_last_text(params, "near"),
            radius_km=next((parse_radius(value) for value in reversed(_parameter_values(params, "radius_km"))), None),
        )


def parse_radius(text: str) -> float | None:
    """Read a radius in kilometres ("300", "12,5", "50 km"); ``None`` unless a positive number.

    A radius above :data:`MAX_RADIUS_KM` is lowered to it.

    >>> parse_radius("50 km"), parse_radius("12,5"), parse_radius("-3"), parse_radius("abc"), parse_radius("1e9")
    (50.0, 12.5, None, None, None)
    """
    match = _RADIUS.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    value = float(match.group(1).replace(",", "."))
    if not math.isfinite(value) or value <= 0:
        return None
    return min(value, MAX_RADIUS_KM)


def format_radius(radius_km: float) -> str:
    """Write a radius for a URL: ``300.0`` → ``"300"``, ``12.5`` → ``"12.5"``."""
    return str(int(radius_km)) if float(radius_km).is_integer() else repr(float(radius_km))


def _parameter_values(params: Mapping[str, Any], field_name: str) -> list[str]:
    key = QUERY_PARAMETERS[field_name]
    get_all = getattr(params, "get_all", None)
    try:
        raw = get_all(key) if callable(get_all) else params.get(key)
    except (KeyError, TypeError):
        return []
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str | bytes) else list(raw) if isinstance(raw, Iterable) else [raw]
    values = [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item) for item in items]
    return values[:MAX_LIST_ITEMS]


def _last_text(params: Mapping[str, Any], field_name: str) -> str:
    values = [value.strip() for value in _parameter_values(params, field_name) if value.strip()]
    return values[-1][:MAX_TEXT_LENGTH] if values else ""


def unique_values(values: Iterable[str]) -> tuple[str, ...]:
    """The values without repeats, first spelling first, at most :data:`MAX_LIST_ITEMS` of them."""
    return tuple(dict.fromkeys(values))[:MAX_LIST_ITEMS]


def understand_country(value: str) -> str | None:
    """The alpha-2 code of a country in any spelling ("Polska", "POL", "pl" → ``PL``), or ``None``."""
    return resolve_country(value) if value.strip() else None


def understand_continent(value: str) -> str | None:
    """A continent's GeoNames code in any case ("eu" → ``EU``), or ``None``."""
    code = value.strip().upper()
    return code if code in CONTINENTS else None


def understand_language(value: str) -> str | None:
    """The ISO 639-1 code of a language given by code or name ("polski" → ``pl``), or ``None``."""
    return resolve_language(value.strip()) if value.strip() else None
