"""Placing an office from its city column and address, sure or saying why not.

:func:`locate` is the gazetteer's answer to the geocoding chain. How a city
is found inside a free-text address (:func:`_address_place`):

* The address is split into parts at commas, semicolons and line breaks;
  later parts are tried first, since the city usually comes late.
* Words holding digits (house numbers, postcodes) are dropped and split a part
  into runs of words; later runs are tried first.
* A whole run may match any name of a place. Shorter phrases inside a run
  (longest first) must be a place's own name, or an alternate name of a place
  of at least :data:`PARTIAL_ALTERNATE_MIN_POPULATION` inhabitants; among
  equally long phrases the more populous place wins.
* A phrase containing a street or building word, made of stop words only, or
  shorter than three letters is never taken for a place
  (:mod:`~partner_directory.geo.gazetteer.addresses`).
* Runs that name a country ("Polska", "USA") are tried last.
* Text in Chinese, Japanese or Korean script is searched first for the longest
  substring that is a place name (earliest first, as such addresses go from
  large to small units); a two-character substring obeys the same rule as a
  partial phrase.
* Region codes and names ("CA" in ``Mountain View, CA 94043``) prefer places
  in that region.

Example: ``locate(index, address="2400 route des Colles, 06410 Biot", country="FR")``
is Biot; "route" is a street word and "Colles" is no place.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from partner_directory.geo.countries import resolve_country
from partner_directory.geo.gazetteer.addresses import (
    MAX_CJK_PHRASE_CHARACTERS,
    MAX_PHRASE_WORDS,
    address_runs,
    is_place_phrase,
    is_placeholder,
    street_mask,
)
from partner_directory.geo.gazetteer.index import UNKNOWN_COUNTRY, Index
from partner_directory.geo.gazetteer.names import CHARACTER_VARIANTS, CJK_RUN, name_key
from partner_directory.geo.gazetteer.places import NO_HINTS, Hints, Location

#: Inside an address, a name found in part of a comma-separated part must be the
#: place's own name, or an alternate name of a place at least this populous.
PARTIAL_ALTERNATE_MIN_POPULATION = 100_000

#: Same-name places in one country: the most populous is taken without a hint from
#: the address only when it has at least this many times the inhabitants of any other.
AMBIGUITY_POPULATION_FACTOR = 5

#: A misspelled city (``fuzz.ratio`` of folded names at least this, or one typo by
#: OSA distance in a name of five letters or more) may be meant for a place.
TYPO_MIN_RATIO = 85

#: A place resembling a misspelled city competes with the most populous one only
#: with at least this share of its inhabitants (a hamlet does not make "Gdnask" doubtful).
TYPO_RIVAL_POPULATION_SHARE = 0.02

_REGION_CODE = re.compile(r"^[A-Z]{2,3}$")
_US_ZIP = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?!\d)")


def locate(index: Index, *, city: str = "", address: str = "", postal_code: str = "", country: str) -> Location:
    """Place an office from its city column and address, sure or saying why not.

    Rules, in order (all within ``country``, an ISO alpha-2 code):

    * A city column holding a placeholder
      (:data:`~partner_directory.geo.gazetteer.addresses.PLACEHOLDERS`: "Headquarters",
      "Siedziba główna", "Zentrale" …) counts as empty.
    * The address, city and postal code give region hints: GeoNames admin1
      codes ("ME" in "Portland, ME 04101"), admin1 and admin2 names in any
      spelling GeoNames or ISO 3166-2 know ("North Yorkshire", "Brandenburg",
      "woj. kujawsko-pomorskie"), and for the United States the state of a ZIP
      code (by its first three digits, from the ``zipcodes`` package's
      offline table). Other countries' postal codes are not used: no offline
      table of them ships with a package, and a wrong guess is worse than none.
    * A city name several places share is decided by the hints, then by the
      address naming one of them in full ("15230 Frankfurt (Oder)"), then by
      population only when the largest has :data:`AMBIGUITY_POPULATION_FACTOR`
      times the inhabitants of each other; otherwise ``ambiguous``.
    * A city column that names no place: a place named in it or in the address
      (never a name after or before a street word: "Via Roma", "London Road")
      that resembles it; else the one plausible city it can be a typo of
      (``typo``); else a place the address names; else ``unknown`` with the
      similar names as suggestions.
    """
    country_id = index.country_filter(country)
    if country_id is None or country_id == UNKNOWN_COUNTRY:
        return Location(None, "unknown")
    code = country.strip().upper()
    city_text = "" if is_placeholder(city) else city.strip()
    hints = _region_hints(index, " , ".join((address, city, postal_code)), code, city_key=name_key(city_text))
    if code == "US":
        states = _zip_states(index, f"{postal_code} {address}")
        hints = Hints(hints.admin | {index.admin_index[s] for s in states if s in index.admin_index}, hints.regions)
    in_address = _address_place(index, address, country_id, hints) if address.strip() else None
    if city_text:
        key_id = index.key_id(name_key(city_text))
        if key_id is not None and index.postings_in(key_id, country_id):
            return _decide(index, key_id, country_id, hints, in_address, name_key(city_text))
        inside = _address_place(index, city_text, country_id, hints)
        if inside is not None:
            return Location(index.place(inside))
        similar = _typo_places(index, name_key(city_text), country_id)
        if in_address is not None and (
            any(index.near(in_address, place) for place in similar)
            or fuzz.ratio(name_key(city_text), name_key(index.names[in_address])) >= TYPO_MIN_RATIO
        ):
            return Location(index.place(in_address))
        if len(similar) == 1:
            return Location(index.place(similar[0]), "typo", (index.place(similar[0]),))
        if in_address is not None and not similar:
            return Location(index.place(in_address))
        return Location(None, "unknown", tuple(index.place(place) for place in similar[:5]))
    if in_address is not None:
        return Location(index.place(in_address))
    return Location(None, "placeholder" if city.strip() else "unknown")


def _zip_states(index: Index, text: str) -> list[str]:
    """The states a US ZIP code in ``text`` lies in (by its first three digits)."""
    match = _US_ZIP.search(text)
    return index.us_zip3.get(match.group(1)[:3], []) if match else []


def _decide(index: Index, key_id: int, country_id: int, hints: Hints, in_address: int | None, key: str) -> Location:
    """Choose among the places of the country a city name can mean; see :func:`locate`."""
    postings = index.postings_in(key_id, country_id)
    in_region = [(place, own) for place, own in postings if hints and index.in_region(place, hints)]
    if in_address is not None and (
        in_address in {place for place, _ in in_region or postings}
        # "Frankfurt" with "15230 Frankfurt (Oder)": the address names it in full
        or (key in name_key(index.names[in_address]) and any(index.near(in_address, p) for p, _ in postings))
    ):
        return Location(index.place(in_address))
    candidates = in_region or postings
    found = index.match_key_id(key_id, country_id, hints if in_region else NO_HINTS)
    if found is None:
        return Location(None, "unknown")
    best, best_own = found
    rivals = [
        place
        for place, own in candidates
        if (own or not best_own)
        and not index.near(place, best)
        and int(index.population[place]) * AMBIGUITY_POPULATION_FACTOR >= int(index.population[best])
    ]
    if not rivals:
        return Location(index.place(best))
    distinct: list[int] = [best]
    for place in rivals:
        if not any(index.near(place, kept) for kept in distinct):
            distinct.append(place)
    return Location(None, "ambiguous", tuple(index.place(place) for place in distinct[:5]))


def _address_place(index: Index, address: str, country_id: int | None, hints: Hints) -> int | None:
    """The place id of the city an address names, or ``None``; the rules are in the module docstring."""
    for chunk in CJK_RUN.findall(address):
        found = _match_cjk(index, chunk, country_id, hints)
        if found is not None:
            return found
    deferred: list[list[str]] = []
    for run in address_runs(address):
        if resolve_country(" ".join(run)) is not None:
            deferred.append(run)
            continue
        found = _match_run(index, run, country_id, hints)
        if found is not None:
            return found
    for run in deferred:
        found = _match_run(index, run, country_id, hints)
        if found is not None:
            return found
    return None


def _typo_places(index: Index, key: str, country_id: int) -> list[int]:
    """The distinct places a misspelled name may mean, most populous first, hamlets left out."""
    if len(key.replace(" ", "")) < 4:
        return []
    keys, key_ids = index.key_choices(country_id)
    matches = process.extract(key, keys, scorer=fuzz.ratio, processor=None, limit=50, score_cutoff=70)
    places: set[int] = set()
    for choice, ratio, position in matches:
        one_typo = len(key) >= 5 and OSA.distance(key, choice) <= 1
        if ratio >= TYPO_MIN_RATIO or one_typo:
            found = index.match_key_id(key_ids[position], country_id)
            if found is not None:
                places.add(found[0])
    ordered = sorted(places)  # place ids grow as population falls
    if not ordered:
        return []
    floor = TYPO_RIVAL_POPULATION_SHARE * int(index.population[ordered[0]])
    distinct: list[int] = []
    for place in ordered:
        if int(index.population[place]) >= floor and not any(index.near(place, kept) for kept in distinct):
            distinct.append(place)
    return distinct


def _acceptable_part(index: Index, found: tuple[int, bool]) -> bool:
    """Whether a match of part of an address is a real place, not a stray alternate name."""
    place_id, primary = found
    return primary or int(index.population[place_id]) >= PARTIAL_ALTERNATE_MIN_POPULATION


def _match_run(index: Index, words: list[str], country_id: int | None, regions: Hints) -> int | None:
    if is_place_phrase(words):
        found = index.match(" ".join(words), country_id, regions)
        if found is not None:
            return found[0]
    street = street_mask(words)
    for length in range(min(len(words) - 1, MAX_PHRASE_WORDS), 0, -1):
        candidates = []
        for start in range(len(words) - length, -1, -1):
            phrase = words[start : start + length]
            if any(street[start : start + length]) or not is_place_phrase(phrase):
                continue
            found = index.match(" ".join(phrase), country_id, regions)
            if found is not None and _acceptable_part(index, found):
                candidates.append(found[0])
        if candidates:
            return min(candidates)  # the most populous
    return None


def _match_cjk(index: Index, chunk: str, country_id: int | None, regions: Hints) -> int | None:
    chunk = chunk.translate(CHARACTER_VARIANTS)
    for length in range(min(len(chunk), MAX_CJK_PHRASE_CHARACTERS), 1, -1):
        for start in range(len(chunk) - length + 1):
            found = index.match(name_key(chunk[start : start + length]), country_id, regions)
            if found is not None and (length >= 3 or length == len(chunk) or _acceptable_part(index, found)):
                return found[0]
    return None


def _region_hints(index: Index, address: str, country: str | None = None, *, city_key: str = "") -> Hints:
    """Region codes and names in an address (names only when the country is known).

    A name equal to ``city_key`` is the city itself, not a hint ("Newport" is
    also a Welsh county, "Leicester" an English one).
    """
    codes = {token for token in re.split(r"[\s,;()]+", address) if _REGION_CODE.match(token)}
    if country:
        codes &= set(index.admin_codes_by_country.get(country, ()))
    admin = frozenset(index.admin_index[code] for code in codes if code in index.admin_index)
    regions: set[int] = set()
    if country:
        for run in address_runs(address):
            for length in range(1, min(len(run), MAX_PHRASE_WORDS) + 1):
                for start in range(len(run) - length + 1):
                    phrase = " ".join(run[start : start + length])
                    found = index.region_keys.get(f"{country}|{phrase}") if phrase != city_key else None
                    if found:
                        regions.update(found)
    return Hints(admin, frozenset(regions))
