"""Searching the partner offices: free text, filters and distance, and a sentence saying what was done.

:func:`search` takes the partner table (or a :class:`SearchIndex` built from
it) and a :class:`Criteria`, and returns a :class:`SearchResult`: the matching
rows, best first, and a plain description of what was applied ("3 partners in
2 countries · sector Robotics · within 300 km of Gdańsk, Poland") in English
or Polish. :func:`facet_values` lists the options the filter widgets offer.

How free text matches
---------------------
* The query and the table are folded (:func:`~partner_directory.text.fold`):
  case, accents and Polish letters do not matter ("lodz" finds "Łódź").
* The query is split into words; every word must match somewhere in the row
  (AND). Very common joining words ("and", "i", "oraz" …, :data:`QUERY_STOP_WORDS`)
  are ignored unless the query has nothing else.
* A word matches a word of the row exactly; or as its beginning when it has
  at least :data:`MIN_PREFIX_LENGTH` characters ("Gda" finds Gdańsk); or with
  typos when it has at least :data:`MIN_FUZZY_LENGTH` characters, within
  :func:`allowed_edits` insertions, deletions, substitutions or swaps of two
  neighbouring letters ("Robtics" finds Robotics, "Gdnask" finds Gdańsk).
  Typos are tried only for a word found nowhere as typed, so "Germany" does
  not also find "German". So "AI" finds the sector AI but not "Dubai" or
  "air", and "zzzz" finds nothing. (An edit budget rather than a rapidfuzz
  ratio: the ratio of "Gdnask" to "gdansk" is 83, below any safe threshold.)
* Searched: partner, office and city names, the country (its English and
  Polish names; any other spelling pycountry knows through
  :func:`~partner_directory.geo.countries.resolve_country`), sectors, services
  (their keys, English and Polish names and the aliases of
  :data:`~partner_directory.sheet.schema.SERVICE_ALIASES`: "biurko" finds desk),
  spoken languages (English and Polish names, any name
  :func:`~partner_directory.geo.languages.resolve_language` knows), the
  description and the contact person.
* Two- and three-letter country codes ("DE", "POL") count only when typed in
  capitals, so the word "de" in "Ciudad de México" is not Germany. "usa", "uk"
  and "uae" count in any case.
* Ranking: each word scores its best match, weighted by the field it matched
  (:data:`FIELD_WEIGHTS`): exact 100, beginning 80–90, typo at most 75; naming
  the office's country scores 100. A row's score is the mean over the words
  times :data:`WORDS_SHARE`; a query equal to a whole partner, office or city
  name, or naming the country as a whole, scores 100.

Distance
--------
``near`` is resolved to a place by a resolver (by default the offline
gazetteer's ``find_place``, loaded only when first needed). Offices within
``radius_km`` (:data:`DEFAULT_RADIUS_KM` when none is given) of it are kept,
nearest first; offices without coordinates are left out, and the description
says how many. **A country given as the place without a radius filters by
that country instead** ("near Poland" means offices in Poland, whatever their
distance from its capital); with a radius, distance is measured from the
country's reference point (its capital).

Tables are treated as immutable: the index built for a table is cached by
identity (and shape and columns); build a new table, or pass a fresh
:meth:`SearchIndex.build`, after changing values in place.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from partner_directory.geo.countries import CONTINENTS, continent_of, country_name, resolve_country
from partner_directory.geo.distance import great_circle_km
from partner_directory.geo.languages import language_name, resolve_language
from partner_directory.i18n import t, tn
from partner_directory.sheet.schema import SERVICE_ALIASES, SERVICES, canonical_service, split_list
from partner_directory.text import fold, fold_compact

#: Radius used when a place is given without one, in kilometres.
DEFAULT_RADIUS_KM = 300.0

#: Half the Earth's circumference: every office is within this distance of any place.
MAX_RADIUS_KM = 20_040.0
#: Stands in the list of fragments for "matching …" until the partner count it agrees with is known.
_TEXT_FRAGMENT = "\0matching"

#: Longest free text or place name read from query parameters.
MAX_TEXT_LENGTH = 200

#: Most values read for one list filter from query parameters.
MAX_LIST_ITEMS = 50

#: How much a match in each field counts (1.0 = the partner's own name).
FIELD_WEIGHTS: Mapping[str, float] = {
    "partner_name": 1.0,
    "city": 0.95,
    "office_name": 0.9,
    "country": 0.9,
    "sectors": 0.9,
    "services": 0.8,
    "languages": 0.8,
    "contact_name": 0.8,
    "description": 0.6,
}

#: Fields whose whole value, typed as the query, scores 100.
PHRASE_FIELDS: tuple[str, ...] = ("partner_name", "office_name", "city")

#: Share of the score earned word by word; the rest is for a query equal to a whole name.
WORDS_SHARE = 0.95

#: Shortest query word matched as the beginning of a longer word.
MIN_PREFIX_LENGTH = 3

#: Shortest query word (and row word) matched with typos.
MIN_FUZZY_LENGTH = 4

#: Match qualities before the field weight: exact, beginning (range by length covered), best typo.
EXACT_QUALITY = 100.0
PREFIX_QUALITY: tuple[float, float] = (80.0, 90.0)
FUZZY_QUALITY = 75.0

#: Joining words ignored in a query that has other words (English and Polish), folded.
QUERY_STOP_WORDS = frozenset({"and", "or", "the", "of", "in", "a", "an", "i", "oraz", "lub", "w", "z", "na", "we"})

#: A query word naming a city (in any language: "Monachium", "Rzym") finds the offices
#: placed within this many km of it, in its country.
PLACE_MATCH_KM = 15.0

#: A match through a synonym ("robotyka" → Robotics) counts this share of a direct match,
#: so the word as typed ranks first.
SYNONYM_QUALITY = 0.85

#: Longest run of query words looked up as one synonym or place ("sztuczna inteligencja", "Tel Awiw").
MAX_QUERY_PHRASE_WORDS = 4

#: Precisions whose coordinates say nothing about distance (the country's reference point, or none).
UNLOCATED_PRECISIONS = frozenset({"country", "none"})

#: Below this distance (km) an office placed only at its city is "under N km", never "0.0 km".
CITY_DISTANCE_FLOOR_KM = 10

#: Country abbreviations that count in lower case too (other short codes need capitals).
LOWERCASE_COUNTRY_ABBREVIATIONS = frozenset({"usa", "uk", "uae"})

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

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_RADIUS = re.compile(r"\s*(\d+(?:[.,]\d*)?|[.,]\d+)\s*(?:km)?\s*", re.IGNORECASE)
_SERVICE_NAME_LANGUAGES = ("en", "pl")
_NAME_LANGUAGES = ("en", "pl")


class PlaceLike(Protocol):
    """What :func:`search` needs of a resolved place (the gazetteer's ``Place`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def country(self) -> str: ...

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...

    @property
    def kind(self) -> str: ...  # "city" or "country"


#: Turns a place name as typed (any language) into a place, or ``None``.
PlaceResolver = Callable[[str], PlaceLike | None]


# -- what a member asked for ---------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What a member asked for; every part is optional and an empty one applies nothing.

    Values are read generously by :func:`search`: countries in any spelling
    ("Polska" → PL), continents in any case, services by key or alias
    ("biurko" → desk), languages by code or name. Values that cannot be
    understood are dropped and named in :attr:`SearchResult.problems`.

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
            return _unique(code for code in map(understand, values) if code)

        sectors = _unique(value.strip()[:MAX_TEXT_LENGTH] for value in _parameter_values(params, "sectors"))
        return cls(
            text=_last_text(params, "text"),
            countries=codes("countries", _understand_country),
            continents=codes("continents", _understand_continent),
            sectors=tuple(sector for sector in sectors if sector),
            services=codes("services", canonical_service),
            languages=codes("languages", _understand_language),
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


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))[:MAX_LIST_ITEMS]


def _understand_country(value: str) -> str | None:
    return resolve_country(value) if value.strip() else None


def _understand_continent(value: str) -> str | None:
    code = value.strip().upper()
    return code if code in CONTINENTS else None


def _understand_language(value: str) -> str | None:
    return resolve_language(value.strip()) if value.strip() else None


# -- distance ----------------------------------------------------------------------------


# -- the index ---------------------------------------------------------------------------


def allowed_edits(length: int) -> int:
    """How many typos a query word of ``length`` characters may have and still match.

    >>> [allowed_edits(n) for n in (2, 3, 4, 7, 8, 12)]
    [0, 0, 1, 1, 2, 2]
    """
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 8 else 2


def words(text: str) -> list[str]:
    """Split folded ``text`` into words (letters and digits; CJK runs stay whole).

    >>> words("Pomeranian ICT; meeting_room, Łódź")
    ['pomeranian', 'ict', 'meeting', 'room', 'lodz']
    """
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class _QueryUnit:
    """Query words that match together: alternatives of (folded, typed) words, and rows of a named place."""

    alternatives: tuple[tuple[tuple[str, str], ...], ...]
    synonyms: tuple[tuple[tuple[str, str], ...], ...] = ()
    place_rows: npt.NDArray[np.int64] | None = None


@lru_cache(maxsize=1)
def _synonym_groups() -> dict[str, tuple[str, ...]]:
    """Folded term → every term of its group, English and Polish (``translations/synonyms.json``).

    Each ``synonyms.*`` key lists, per language, the words for one sector or
    service separated by ``;``. A query naming any of them finds rows naming any.
    """
    from partner_directory.i18n import tables

    groups: dict[str, tuple[str, ...]] = {}
    for key, texts in tables().items():
        if not key.startswith("synonyms."):
            continue
        terms = tuple(
            dict.fromkeys(" ".join(words(term)) for text in texts.values() for term in text.split(";") if words(term))
        )
        for term in terms:
            groups[term] = tuple(dict.fromkeys((*groups.get(term, ()), *terms)))
    return groups


@dataclass(frozen=True)
class _Posting:
    rows: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]


class SearchIndex:
    """The partner table prepared for fast searching.

    Building takes about 0.3 s for 10,000 offices; each search then takes a
    few milliseconds (``bench/bench_search.py``).

    Build one with :meth:`build` and pass it to :func:`search` and
    :func:`facet_values` instead of the table; both also accept the table and
    then use an index cached for it. An app builds it once per table (e.g.
    with ``st.cache_resource``).
    """

    def __init__(self, table: pd.DataFrame) -> None:
        """Prepare ``table``; use :meth:`build` instead of calling this."""
        self.table = table
        self.size = len(table)
        columns = {name: _column(table, name) for name in (*FIELD_WEIGHTS, "continent")}
        self._columns = columns
        self._country_keys = [_country_key(value) for value in columns["country"]]
        self.partner_ids = _factorize([fold(name) for name in columns["partner_name"]])
        self.country_ids = _factorize(self._country_keys)
        self.latitudes, self.longitudes = _coordinates(table)
        self.precisions = [value.strip().lower() for value in _column(table, "geocode_precision")]
        unlocated = np.array([value in UNLOCATED_PRECISIONS for value in self.precisions], dtype=bool)
        # The country's reference point is no place to measure a distance from.
        self.latitudes[unlocated] = np.nan
        self.longitudes[unlocated] = np.nan
        self._resolve_place: PlaceResolver | None = None
        self._place_cache: dict[str, npt.NDArray[np.int64] | None] = {}
        self._phrases = {
            name: np.array([fold(value) for value in columns[name]], dtype=object) for name in PHRASE_FIELDS
        }

        country_rows: dict[str, list[int]] = {}
        continent_rows: dict[str, list[int]] = {}
        sector_rows: dict[str, list[int]] = {}
        sector_forms: dict[str, Counter[str]] = {}
        service_rows: dict[str, list[int]] = {}
        language_rows: dict[str, list[int]] = {}
        self._row_services: list[list[str]] = []
        self._row_languages: list[list[str]] = []
        for row, key in enumerate(self._country_keys):
            if key:
                country_rows.setdefault(key, []).append(row)
            continent = columns["continent"][row].strip().upper() or continent_of(key)
            if continent:
                continent_rows.setdefault(continent, []).append(row)
            for sector in split_list(columns["sectors"][row]):
                folded = fold(sector)
                sector_rows.setdefault(folded, []).append(row)
                sector_forms.setdefault(folded, Counter())[sector] += 1
            services = [canonical_service(item) or item for item in split_list(columns["services"][row])]
            self._row_services.append(services)
            for service in dict.fromkeys(services):
                service_rows.setdefault(service, []).append(row)
            spoken = [resolve_language(item) or fold(item) for item in split_list(columns["languages"][row])]
            self._row_languages.append(spoken)
            for code in dict.fromkeys(spoken):
                language_rows.setdefault(code, []).append(row)
        self._country_rows = _arrays(country_rows)
        self._continent_rows = _arrays(continent_rows)
        self._sector_rows = _arrays(sector_rows)
        self._sector_display = {folded: forms.most_common(1)[0][0] for folded, forms in sector_forms.items()}
        self._service_rows = _arrays(service_rows)
        self._language_rows = _arrays(language_rows)
        self._postings: dict[str, _Posting] = {}
        self._vocabulary: list[str] = []
        self._fuzzy_vocabulary: dict[int, list[str]] = {}  # by length: typos change it by at most the edits
        self._cjk_vocabulary: list[str] = []

    @classmethod
    def build(cls, table: pd.DataFrame, *, resolve_place: PlaceResolver | str | None = "gazetteer") -> SearchIndex:
        """Prepare ``table`` (one row per office, text columns) for :func:`search`.

        Args:
            table: the checked (optionally geocoded) partner table. Missing
                columns count as empty; float columns ``lat``/``lon`` are used
                for distance when present, else ``latitude``/``longitude`` text.
            resolve_place: optional place resolver (e.g. the gazetteer's
                ``find_place``). When given, each distinct city is looked up and
                the found place's name becomes searchable too, so "Munich" finds
                an office in "München" — but only when the place lies in the
                office's country. Costs one lookup per distinct city. The
                default, ``"gazetteer"``, is the offline gazetteer's
                ``find_place``, so the dashboard and the ``search`` command build
                the same index; ``None`` leaves places out. The resolver is also
                kept for queries: a query word naming a city in any language
                ("Monachium", "Mediolan", "Tel Awiw") finds the offices placed
                within :data:`PLACE_MATCH_KM` of it.
        """
        resolver = _default_resolver() if resolve_place == "gazetteer" else resolve_place
        index = cls(table)
        index._resolve_place = resolver if callable(resolver) else None
        index._build_text(index._resolve_place)
        return index

    # -- building the text index ---------------------------------------------------------

    def _build_text(self, resolve_place: PlaceResolver | None) -> None:
        postings: dict[str, dict[int, float]] = {}
        word_cache: dict[str, list[str]] = {}

        def words_of(text: str) -> list[str]:
            found = word_cache.get(text)
            if found is None:
                found = word_cache[text] = words(text)
            return found

        city_aliases = self._city_aliases(resolve_place) if resolve_place is not None else {}
        # Fields in falling weight, so the first weight recorded for a row is its best.
        for field_name in sorted(FIELD_WEIGHTS, key=lambda name: -FIELD_WEIGHTS[name]):
            weight = FIELD_WEIGHTS[field_name]
            for row in range(self.size):
                for word in self._row_words(field_name, row, words_of, city_aliases):
                    postings.setdefault(word, {}).setdefault(row, weight)
        self._postings = {
            word: _Posting(
                rows=np.fromiter(rows.keys(), dtype=np.int64, count=len(rows)),
                weights=np.fromiter(rows.values(), dtype=np.float64, count=len(rows)),
            )
            for word, rows in postings.items()
        }
        self._vocabulary = sorted(self._postings)
        self._fuzzy_vocabulary = {}
        for word in self._vocabulary:
            if len(word) >= MIN_FUZZY_LENGTH and not word.isdigit():
                self._fuzzy_vocabulary.setdefault(len(word), []).append(word)
        self._cjk_vocabulary = [w for w in self._vocabulary if _CJK.search(w)]

    def _row_words(
        self,
        field_name: str,
        row: int,
        words_of: Callable[[str], list[str]],
        city_aliases: Mapping[tuple[str, str], str],
    ) -> Iterable[str]:
        value = self._columns[field_name][row]
        if field_name == "country":
            code = self._country_keys[row]
            if len(code) == 2 and country_name(code) != code:
                return [word for language in _NAME_LANGUAGES for word in words_of(country_name(code, language))]
            return words_of(value)
        if field_name == "services":
            return [word for service in self._row_services[row] for word in _service_words(service)]
        if field_name == "languages":
            return [word for code in self._row_languages[row] for word in _language_words(code)]
        if field_name == "city":
            alias = city_aliases.get((value, self._country_keys[row]))
            return words_of(value) + words_of(alias) if alias else words_of(value)
        return words_of(value)

    def _city_aliases(self, resolve_place: PlaceResolver) -> dict[tuple[str, str], str]:
        aliases: dict[tuple[str, str], str] = {}
        for city, country in dict.fromkeys(zip(self._columns["city"], self._country_keys, strict=True)):
            if not city.strip():
                continue
            place = resolve_place(city)
            if (
                place is not None
                and place.kind == "city"
                and place.country == country
                and fold(place.name) != fold(city)
            ):
                aliases[(city, country)] = place.name
        return aliases

    # -- matching -------------------------------------------------------------------------

    def text_scores(self, text: str) -> npt.NDArray[np.float64] | None:
        """Score every row against free ``text`` (0 = no match, else up to 100); ``None`` if no words."""
        query = _query_words(text)
        if not query:
            return None
        units = self._query_units(query)
        total = np.zeros(self.size)
        matched = np.ones(self.size, dtype=bool)
        for unit in units:
            scores = self._unit_scores(unit)
            matched &= scores > 0
            total += scores
            if not matched.any():  # every word must match: no need to look at the rest
                break
        result = np.where(matched, WORDS_SHARE * total / len(units), 0.0)
        code = _country_in_query(text)
        if code is not None:  # "Stany Zjednoczone", "Vereinigte Staaten": the whole query names a country
            self._raise_scores(result, self._country_rows.get(code), EXACT_QUALITY)
        phrase = fold(text)
        for name in PHRASE_FIELDS:
            result[self._phrases[name] == phrase] = EXACT_QUALITY
        return result

    def _query_units(self, query: list[tuple[str, str]]) -> list[_QueryUnit]:
        """Group query words into units: a synonym phrase or a place name of several words is one unit.

        Each unit matches a row when any of its alternatives does (all words of
        an alternative must match), or when the row lies in the place it names.
        """
        units: list[_QueryUnit] = []
        position = 0
        while position < len(query):
            for length in range(min(MAX_QUERY_PHRASE_WORDS, len(query) - position), 0, -1):
                part = query[position : position + length]
                phrase = " ".join(folded for folded, _ in part)
                typed = " ".join(typed for _, typed in part)
                group = _synonym_groups().get(phrase)
                rows = self._place_rows(typed) if length > 1 or len(phrase) >= MIN_PREFIX_LENGTH else None
                if length == 1 or group is not None or rows is not None:
                    synonyms = tuple(
                        tuple((word, word) for word in term.split()) for term in group or () if term != phrase
                    )
                    units.append(_QueryUnit((tuple(part),), synonyms, rows))
                    position += length
                    break
        return units

    def _unit_scores(self, unit: _QueryUnit) -> npt.NDArray[np.float64]:
        scores = np.zeros(self.size)
        for alternatives, quality in ((unit.alternatives, 1.0), (unit.synonyms, SYNONYM_QUALITY)):
            for alternative in alternatives:
                found = None
                for folded, typed in alternative:
                    word_scores = self._word_scores(folded, typed)
                    found = word_scores if found is None else np.minimum(found, word_scores)
                if found is not None:
                    scores = np.maximum(scores, quality * found)
        if unit.place_rows is not None:
            self._raise_scores(scores, unit.place_rows, EXACT_QUALITY * FIELD_WEIGHTS["city"])
        return scores

    def _place_rows(self, typed: str) -> npt.NDArray[np.int64] | None:
        """Rows placed in the city ``typed`` names (any language), or ``None``."""
        if self._resolve_place is None:
            return None
        key = fold(typed)
        if key in self._place_cache:
            return self._place_cache[key]
        rows = None
        if len(fold_compact(typed)) >= MIN_PREFIX_LENGTH and _country_in_query(typed) is None:
            try:
                place = self._resolve_place(typed)
            except (LookupError, ValueError, OSError):
                place = None
            if place is not None and place.kind == "city":
                distances = great_circle_km(place.latitude, place.longitude, self.latitudes, self.longitudes)
                in_country = np.array([code == place.country for code in self._country_keys], dtype=bool)
                found = np.flatnonzero((distances <= PLACE_MATCH_KM) & in_country)
                rows = found if len(found) else None
        if len(self._place_cache) < 10_000:
            self._place_cache[key] = rows
        return rows

    def _word_scores(self, folded: str, typed: str) -> npt.NDArray[np.float64]:
        scores = np.zeros(self.size)
        code = _country_in_query(typed)
        if code is not None:  # naming the country is an exact match, whichever language it was named in
            self._raise_scores(scores, self._country_rows.get(code), EXACT_QUALITY)
        spoken = resolve_language(folded) if len(folded) >= MIN_FUZZY_LENGTH else None
        if spoken is not None:
            self._raise_scores(scores, self._language_rows.get(spoken), EXACT_QUALITY * FIELD_WEIGHTS["languages"])
        matches = self._matching_words(folded)
        if not matches and code is None and spoken is None:
            # Typos are only considered for a word found nowhere as typed, so
            # "Germany" does not also bring in every German-speaking office.
            matches = self._fuzzy_words(folded)
        for word, quality in matches.items():
            posting = self._postings[word]  # rows are distinct within a posting
            scores[posting.rows] = np.maximum(scores[posting.rows], quality * posting.weights)
        return scores

    @staticmethod
    def _raise_scores(scores: npt.NDArray[np.float64], rows: npt.NDArray[np.int64] | None, value: float) -> None:
        if rows is not None:
            scores[rows] = np.maximum(scores[rows], value)

    def _matching_words(self, word: str) -> dict[str, float]:
        """Words of the table that ``word`` equals or begins, with the quality of each match."""
        found: dict[str, float] = {}
        if word in self._postings:
            found[word] = EXACT_QUALITY
        cjk = bool(_CJK.search(word))
        if len(word) >= MIN_PREFIX_LENGTH or cjk:
            low, high = PREFIX_QUALITY
            start = bisect.bisect_left(self._vocabulary, word)
            for candidate in self._vocabulary[start:]:
                if not candidate.startswith(word):
                    break
                if candidate != word:
                    found[candidate] = low + (high - low) * len(word) / len(candidate)
        if cjk:  # CJK text has no spaces: a name may sit inside a longer run
            for candidate in self._cjk_vocabulary:
                if word in candidate and candidate not in found:
                    found[candidate] = PREFIX_QUALITY[0]
        return found

    def _fuzzy_words(self, word: str) -> dict[str, float]:
        """Words of the table within :func:`allowed_edits` typos of ``word``, with match quality."""
        edits = allowed_edits(len(word))
        if not edits or word.isdigit() or _CJK.search(word):
            return {}
        found: dict[str, float] = {}
        for length in range(len(word) - edits, len(word) + edits + 1):
            choices = self._fuzzy_vocabulary.get(length)
            if not choices:
                continue
            for candidate, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                found[candidate] = FUZZY_QUALITY * (1 - distance / max(len(word), len(candidate)))
        return found

    def filter_mask(self, values: Iterable[str], kind: str) -> npt.NDArray[np.bool_]:
        """Rows holding ANY of ``values`` of ``kind`` (country, continent, sector, service, language)."""
        rows_by_value = {
            "country": self._country_rows,
            "continent": self._continent_rows,
            "sector": self._sector_rows,
            "service": self._service_rows,
            "language": self._language_rows,
        }[kind]
        mask = np.zeros(self.size, dtype=bool)
        for value in values:
            rows = rows_by_value.get(fold(value) if kind == "sector" else value)
            if rows is not None:
                mask[rows] = True
        return mask

    def sector_display(self, sector: str) -> str:
        """The sector as the table writes it most often, else as given."""
        return self._sector_display.get(fold(sector), sector.strip())

    def facets(self, language: str) -> Facets:
        """The filter options present in the table, named in ``language``."""
        codes = [code for code in self._country_rows if len(code) == 2 and country_name(code) != code]
        countries = sorted(((code, country_name(code, language)) for code in codes), key=lambda pair: fold(pair[1]))
        continents = [
            (code, t(f"search.continent.{code}", language)) for code in CONTINENTS if code in self._continent_rows
        ]
        sectors = sorted(self._sector_display.values(), key=lambda name: (fold(name), name))
        services = [
            (key, _capitalised(t(f"search.service.{key}", language))) for key in SERVICES if key in self._service_rows
        ]
        known = [code for code in self._language_rows if language_name(code) != code]
        languages = sorted(((code, language_name(code, language)) for code in known), key=lambda pair: fold(pair[1]))
        return Facets(
            countries=tuple(countries),
            continents=tuple(continents),
            sectors=tuple(sectors),
            services=tuple(services),
            languages=tuple(languages),
        )


def _column(table: pd.DataFrame, name: str) -> list[str]:
    if name not in table.columns:
        return [""] * len(table)
    return [
        value if isinstance(value, str) else "" if _missing(value) else str(value) for value in table[name].tolist()
    ]


def _missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _country_key(value: str) -> str:
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return resolve_country(text) or fold(text)


def _factorize(values: list[str]) -> npt.NDArray[np.int64]:
    codes, _ = pd.factorize(np.array([value or None for value in values], dtype=object))
    return np.asarray(codes, dtype=np.int64)


def _arrays(rows: dict[str, list[int]]) -> dict[str, npt.NDArray[np.int64]]:
    return {key: np.asarray(values, dtype=np.int64) for key, values in rows.items()}


def _coordinates(table: pd.DataFrame) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes as floats: ``lat``/``lon`` where placed, else the text columns."""

    def numbers(name: str) -> npt.NDArray[np.float64]:
        if name not in table.columns:
            return np.full(len(table), np.nan)
        series = table[name]
        if not pd.api.types.is_numeric_dtype(series):
            series = series.astype(object).where(series.notna(), "").astype(str).str.strip().str.replace(",", ".")
        return np.array(pd.to_numeric(series, errors="coerce"), dtype=np.float64)  # a writable copy

    latitudes, longitudes = numbers("latitude"), numbers("longitude")
    if "lat" in table.columns and "lon" in table.columns:
        placed_lat, placed_lon = numbers("lat"), numbers("lon")
        placed = ~(np.isnan(placed_lat) | np.isnan(placed_lon))
        latitudes = np.where(placed, placed_lat, latitudes)
        longitudes = np.where(placed, placed_lon, longitudes)
    bad = ~((np.abs(latitudes) <= 90) & (np.abs(longitudes) <= 180))  # also true for NaN
    latitudes[bad] = np.nan
    longitudes[bad] = np.nan
    return latitudes, longitudes


def _service_words(service: str) -> list[str]:
    return _service_vocabulary().get(service) or words(service)


@lru_cache(maxsize=1)
def _service_vocabulary() -> dict[str, list[str]]:
    """The searchable words of each service: its key, aliases, English and Polish names."""
    spellings: dict[str, list[str]] = {key: [key.replace("_", " ")] for key in SERVICES}
    for alias, key in SERVICE_ALIASES.items():
        spellings[key].append(alias)
    for key in SERVICES:
        spellings[key].extend(t(f"search.service.{key}", language) for language in _SERVICE_NAME_LANGUAGES)
    return {
        key: list(dict.fromkeys(word for text in texts for word in words(text))) for key, texts in spellings.items()
    }


_LANGUAGE_WORDS: dict[str, list[str]] = {}


def _language_words(code: str) -> list[str]:
    found = _LANGUAGE_WORDS.get(code)
    if found is None:
        names = [language_name(code, language) for language in _NAME_LANGUAGES]
        found = _LANGUAGE_WORDS[code] = list(dict.fromkeys(w for name in names if name != code for w in words(name)))
    return found


def _query_words(text: str) -> list[tuple[str, str]]:
    """(folded, as typed) for each word of a query, joining words left out unless alone."""
    query = [(folded, typed) for typed in _WORD.findall(text) for folded in words(typed)]
    meaningful = [(folded, typed) for folded, typed in query if folded not in QUERY_STOP_WORDS]
    return meaningful or query


def _country_in_query(typed: str) -> str | None:
    """The country a query (or a word of it) names; short codes only in capitals."""
    compact = fold_compact(typed)
    if not compact:
        return None
    is_code = len(compact) <= 3 and compact.isascii()  # 日本 is a name, not a code
    if is_code and compact not in LOWERCASE_COUNTRY_ABBREVIATIONS and not typed.strip().isupper():
        return None
    return resolve_country(typed)


# -- index cache -------------------------------------------------------------------------

_CACHE_SIZE = 4
_cache: dict[int, tuple[weakref.ref[pd.DataFrame], tuple[Any, ...], SearchIndex]] = {}
_cache_lock = threading.Lock()


def index_for(table: pd.DataFrame | SearchIndex) -> SearchIndex:
    """Return a :class:`SearchIndex` for ``table``, reusing the one built for this very table.

    The cache holds the last few tables by identity and checks their shape and
    columns, so a table that gains a column (e.g. after geocoding) is indexed anew.
    """
    if isinstance(table, SearchIndex):
        return table
    fingerprint = (table.shape, tuple(table.columns))
    with _cache_lock:
        entry = _cache.get(id(table))
        if entry is not None and entry[0]() is table and entry[1] == fingerprint:
            return entry[2]
    index = SearchIndex.build(table)
    with _cache_lock:
        for key in [key for key, (reference, _, _) in _cache.items() if reference() is None]:
            del _cache[key]
        while len(_cache) >= _CACHE_SIZE:
            del _cache[next(iter(_cache))]
        _cache[id(table)] = (weakref.ref(table), fingerprint, index)
    return index


# -- searching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    """What a search found and a plain account of what was applied.

    ``rows`` are the matching rows of the table (original index kept), best
    first, with two added columns: ``score`` (0–100 for free text, NaN without
    text) and ``distance_km`` (NaN unless a place was used). ``description``
    is one or more sentences in the chosen language; ``problems`` are sentences
    about parts of the criteria that could not be used. ``positions`` are the
    rows' positions (``iloc``) in the searched index's table, in the same order.
    """

    rows: pd.DataFrame
    description: str
    partners: int  # distinct partner names (folded)
    countries: int
    place: PlaceLike | None  # the resolved ``near`` place
    problems: tuple[str, ...]
    positions: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    @property
    def offices(self) -> int:
        """Number of matching rows (offices)."""
        return len(self.rows)


@dataclass(frozen=True)
class Facets:
    """Options for the filter widgets, as present in the table, named in one language.

    ``countries`` and ``languages`` are ``(code, name)`` sorted by name;
    ``continents`` and ``services`` are ``(code, name)`` in their usual order;
    ``sectors`` are names as written, sorted ignoring case and accents.
    """

    countries: tuple[tuple[str, str], ...]
    continents: tuple[tuple[str, str], ...]
    sectors: tuple[str, ...]
    services: tuple[tuple[str, str], ...]
    languages: tuple[tuple[str, str], ...]


def facet_values(table: pd.DataFrame | SearchIndex, *, language: str = "en") -> Facets:
    """Return the options the filter widgets offer for ``table``, named in ``language``.

    Countries that were not recognised (kept as typed) are not offered; free
    text still finds them.
    """
    return index_for(table).facets(language)


def search(
    table: pd.DataFrame | SearchIndex,
    criteria: Criteria,
    *,
    language: str = "en",
    resolve_place: PlaceResolver | None = None,
) -> SearchResult:
    """Find the offices matching ``criteria`` and describe what was applied.

    Args:
        table: the partner table, or a :class:`SearchIndex` built from it.
        criteria: what the member asked for (see :class:`Criteria`).
        language: ``"en"`` or ``"pl"``, for the description, problems and names.
        resolve_place: turns ``criteria.near`` into a place; by default the
            offline gazetteer (``partner_directory.geo.gazetteer``), loaded on first use.

    Returns:
        A :class:`SearchResult`. Order: nearest first when a place is used,
        else best text score first, else the table's order. Nothing raises for
        criteria that cannot be used; they are named in ``problems``.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"partner_name": ["Baltic Robots"], "city": ["Gdańsk"], "country": ["PL"],
    ...                       "sectors": ["Robotics"]})
    >>> search(table, Criteria(text="gdansk robtics")).description
    '1 partner in 1 country · matching “gdansk robtics”'
    """
    index = index_for(table)
    problems: list[str] = []
    fragments: list[str] = []
    notes: list[str] = []
    mask = np.ones(index.size, dtype=bool)

    scores: npt.NDArray[np.float64] | None = index.text_scores(criteria.text)
    if scores is not None:
        mask &= scores > 0
        fragments.append(_TEXT_FRAGMENT)  # worded once the count it must agree with is known

    countries = _understood(criteria.countries, _understand_country, "unknown_country", problems, language)
    if countries:
        mask &= index.filter_mask(countries, "country")
        names = [country_name(code, language) for code in countries]
        fragments.append(t("search.applied.countries", language, names=_join(names, "or", language)))
    continents = _understood(criteria.continents, _understand_continent, "unknown_continent", problems, language)
    if continents:
        mask &= index.filter_mask(continents, "continent")
        names = [t(f"search.continent.{code}", language) for code in continents]
        fragments.append(t("search.applied.continents", language, names=_join(names, "or", language)))
    sectors = _unique(sector.strip() for sector in criteria.sectors if sector.strip())
    if sectors:
        mask &= index.filter_mask(sectors, "sector")
        names = list(dict.fromkeys(index.sector_display(sector) for sector in sectors))
        fragments.append(t("search.applied.sectors", language, names=_join(names, "or", language)))
    services = _understood(criteria.services, canonical_service, "unknown_service", problems, language)
    if services:
        for service in services:
            mask &= index.filter_mask([service], "service")
        names = [t(f"search.service.{key}", language) for key in services]
        fragments.append(t("search.applied.services", language, names=_join(names, "and", language)))
    spoken = _understood(criteria.languages, _understand_language, "unknown_language", problems, language)
    if spoken:
        mask &= index.filter_mask(spoken, "language")
        names = [language_name(code, language) for code in spoken]
        fragments.append(t("search.applied.languages", language, names=_join(names, "or", language)))

    distances = np.full(index.size, np.nan)
    place = None
    near = " ".join(criteria.near.split())
    radius = _valid_radius(criteria.radius_km)
    if near:
        resolver = resolve_place or index._resolve_place or _default_resolver()
        place = resolver(near) if resolver is not None else None
        if resolver is None:
            problems.append(t("search.problem.no_gazetteer", language))
        elif place is None or not (math.isfinite(place.latitude) and math.isfinite(place.longitude)):
            # An unknown place shows nothing rather than everything: "near Xyz" is not "anywhere".
            place = None
            mask[:] = False
            problems.append(t("search.problem.place_not_found", language, place=near))
            fragments.append(t("search.applied.near_unknown", language, place=near))
        elif place.kind == "country":
            # A country is not a point: "near Polska" (with or without a radius) means its offices.
            mask &= index.filter_mask([place.country], "country")
            fragments.append(t("search.applied.in_country", language, place=country_name(place.country, language)))
            if radius is not None:
                notes.append(t("search.note.country_radius", language, place=country_name(place.country, language)))
        else:
            radius = radius or DEFAULT_RADIUS_KM
            distances = great_circle_km(place.latitude, place.longitude, index.latitudes, index.longitudes)
            unlocated = int(np.count_nonzero(mask & np.isnan(distances)))
            mask &= distances <= radius
            fragments.append(
                t(
                    "search.applied.within",
                    language,
                    radius=_number(radius, language),
                    place=_place_label(place, near, language),
                )
            )
            if unlocated:
                notes.append(tn("search.note.unlocated", unlocated, language))
    elif criteria.radius_km is not None:
        problems.append(
            t("search.problem.radius_without_place", language, radius=_number(criteria.radius_km, language))
        )

    positions = np.flatnonzero(mask)
    if place is not None and not np.isnan(distances[positions]).all():
        text_order = -scores[positions] if scores is not None else np.zeros(len(positions))
        positions = positions[np.lexsort((positions, text_order, distances[positions]))]
    elif scores is not None:
        positions = positions[np.lexsort((positions, -scores[positions]))]

    rows = index.table.iloc[positions].copy()
    rows["score"] = np.round(scores[positions], 1) if scores is not None else np.nan
    rows["distance_km"] = distances[positions]
    rows["distance_text"] = [
        format_distance(float(distances[position]), index.precisions[position], language) for position in positions
    ]
    partners = int(np.unique(index.partner_ids[positions][index.partner_ids[positions] >= 0]).size)
    country_count = int(np.unique(index.country_ids[positions][index.country_ids[positions] >= 0]).size)
    fragments = [
        tn("search.applied.text", partners, language, text=" ".join(criteria.text.split()))
        if fragment == _TEXT_FRAGMENT
        else fragment
        for fragment in fragments
    ]
    description = _describe(len(positions), partners, country_count, fragments, notes, language)
    return SearchResult(
        rows=rows,
        description=description,
        partners=partners,
        countries=country_count,
        place=place,
        problems=tuple(problems),
        positions=positions,
    )


def _understood(
    values: Iterable[str], understand: Callable[[str], str | None], problem: str, problems: list[str], language: str
) -> tuple[str, ...]:
    understood: list[str] = []
    for value in values:
        code = understand(value) if value.strip() else None
        if code is None:
            if value.strip():
                problems.append(t(f"search.problem.{problem}", language, value=value.strip()))
        elif code not in understood:
            understood.append(code)
    return tuple(understood)


def _valid_radius(radius_km: float | None) -> float | None:
    if radius_km is None:
        return None
    try:
        value = float(radius_km)
    except (TypeError, ValueError):
        return None
    return min(value, MAX_RADIUS_KM) if math.isfinite(value) and value > 0 else None


def _default_resolver() -> PlaceResolver | None:
    """The offline gazetteer's ``find_place``, or ``None`` when it cannot be loaded."""
    try:
        from partner_directory.geo.gazetteer.queries import default_gazetteer  # imported late: loading it takes time

        return default_gazetteer().find_place
    except (ImportError, OSError, RuntimeError, ValueError):
        return None


def _place_label(place: PlaceLike, typed: str, language: str) -> str:
    """ "Gdańsk, Poland"; with what was typed first when it reads differently ("Danzig (Gdańsk, Poland)")."""
    if place.kind == "country":
        label = country_name(place.country, language)
    else:
        label = f"{place.name}, {country_name(place.country, language)}"
    return label if fold(typed) in (fold(place.name), fold(label)) else f"{typed} ({label})"


def _describe(
    offices: int, partners: int, countries: int, fragments: list[str], notes: list[str], language: str
) -> str:
    if offices == 0:
        count = t("search.count.none", language)
    else:
        parts = [tn("search.count.partners", partners, language)]
        if offices != partners:
            parts.append(tn("search.count.offices", offices, language))
        if countries:
            parts.append(tn("search.count.countries", countries, language))
        count = " ".join(parts)
    sentence = " · ".join([count, *fragments])
    return " ".join([f"{sentence}.", *notes]) if notes else sentence


def _join(names: list[str], conjunction: str, language: str) -> str:
    """ "A", "A or B", "A, B or C" (the conjunction translated)."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {t(f'search.{conjunction}', language)} {names[-1]}"


def _number(value: float, language: str) -> str:
    """A distance for people: ``300``, ``12.5`` (Polish ``12,5``)."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if language == "pl" else text


def format_distance(distance_km: float, precision: str = "", language: str = "en") -> str:
    """A distance as honest as the office's placement; "" when unknown.

    An office placed at its address (or with typed coordinates) gets one
    decimal; one placed only at its city is "≈ 12 km", and near the place
    "under 10 km" — never "0.0 km" as if exact. Country-precision offices have
    no distance at all.

    >>> format_distance(12.34, "address"), format_distance(0.0, "city"), format_distance(57.2, "city")
    ('12.3 km', 'under 10 km (in the city; street not known)', '≈ 57 km (from the city centre)')
    """
    if not math.isfinite(distance_km) or precision in UNLOCATED_PRECISIONS:
        return ""
    if precision == "city":
        if distance_km < CITY_DISTANCE_FLOOR_KM:
            return t("search.distance.city_close", language, km=CITY_DISTANCE_FLOOR_KM)
        return t("search.distance.city", language, km=round(distance_km))
    return t("search.distance.exact", language, km=_number(round(distance_km, 1), language))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
