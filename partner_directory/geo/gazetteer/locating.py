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

from partner_directory.geo.countries import resolve_country, states_named
from partner_directory.geo.distance import distance_km
from partner_directory.geo.gazetteer.addresses import (
    MAX_CJK_PHRASE_CHARACTERS,
    MAX_PHRASE_WORDS,
    address_runs,
    is_place_phrase,
    is_placeholder,
    street_mask,
)
from partner_directory.geo.gazetteer.index import SAME_PLACE_KM, UNKNOWN_COUNTRY, Index
from partner_directory.geo.gazetteer.names import CHARACTER_VARIANTS, CJK_RUN, name_key, name_variants
from partner_directory.geo.gazetteer.places import NO_HINTS, Hints, Location, Place
from partner_directory.geo.gazetteer.postal import PostalIndex, PostalPlace
from partner_directory.geo.gazetteer.postcodes import codes_in_text, without_codes

#: Inside an address, a name found in part of a comma-separated part must be the
#: place's own name, or an alternate name of a place at least this populous.
PARTIAL_ALTERNATE_MIN_POPULATION = 100_000

#: Same-name places in one country: the most populous is taken without a hint from
#: the address only when it has at least this many times the inhabitants of any other.
AMBIGUITY_POPULATION_FACTOR = 5

#: A misspelled city (``fuzz.ratio`` of folded names at least this, or one typo by
#: OSA distance in a name of five letters or more) may be meant for a place.
TYPO_MIN_RATIO = 85
#: A misspelled name with nothing else in the row to confirm it is taken for one place only this large.
TYPO_MIN_POPULATION = 5_000

#: A place resembling a misspelled city competes with the most populous one only
#: with at least this share of its inhabitants (a hamlet does not make "Gdnask" doubtful).
TYPO_RIVAL_POPULATION_SHARE = 0.02

#: A postal code whose places lie farther than this from their mean point (km) is no evidence of a place.
POSTAL_MAX_SPREAD_KM = 25.0

#: A place named like a country or a state of the row's country is taken for that place
#: only when it is the country's capital or has at least this many inhabitants.
AREA_NAME_CITY_MIN_POPULATION = 100_000

_REGION_CODE = re.compile(r"^[A-Z]{2,3}$")
_US_ZIP = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?!\d)")


def locate(
    index: Index,
    *,
    city: str = "",
    address: str = "",
    postal_code: str = "",
    country: str,
    region: str = "",
    postal: PostalIndex | None = None,
) -> Location:
    """Place an office from its city column, address and postal code, sure or saying why not.

    Rules, in order (all within ``country``, an ISO alpha-2 code); the row's
    own evidence decides, never population alone:

    * A city column holding a placeholder
      (:data:`~partner_directory.geo.gazetteer.addresses.PLACEHOLDERS`: "Headquarters",
      "Siedziba główna", "Zentrale" …) counts as empty.
    * The postal code (from ``postal``, GeoNames' table of about 100 countries):
      the postal-code column first, then a code written in the city column
      ("D-80331 München"), then one in the address. A code whose places spread
      over more than :data:`POSTAL_MAX_SPREAD_KM` says nothing.
    * The address, city and postal code give region hints: GeoNames admin1
      codes ("ME" in "Portland, ME 04101"), admin1 and admin2 names in any
      spelling ("North Yorkshire", "woj. kujawsko-pomorskie"), and for the
      United States the state of a ZIP code.
    * A city name several places share is decided by the postal code (the
      place near it), then the hints, then the city the address names (or a
      place near it: a district), then population only when the largest has
      :data:`AMBIGUITY_POPULATION_FACTOR` times the inhabitants of each other;
      otherwise ``ambiguous``, with the candidates.
    * A city column naming a country or one of the country's states or
      regions ("Georgia", "Nevada") is not a city: a small town of that name is
      never taken for it; the address's city, the postal code, or ``unknown``.
    * A city column that names no place: its expansions (:func:`~partner_directory.geo.gazetteer.names.name_variants`:
      "Mt. Vernon", "LA"); a place named in it or in the address that resembles
      it; the one plausible city it can be a typo of (``typo``); a place the
      address names; the postal code's place (a ``postal`` place); else
      ``unknown`` with the similar names as suggestions.
    * A city and a postal code (from its column or the city column) more than
      :data:`~partner_directory.geo.gazetteer.index.SAME_PLACE_KM` plus the code's
      spread apart: ``conflict``, naming both; never placed at either.
    * No city and no address city: the postal code's place (``postal``).
    """
    country_id = index.country_filter(country)
    if country_id is None or country_id == UNKNOWN_COUNTRY:
        return Location(None, "unknown")
    code = country.strip().upper()
    city_text = "" if is_placeholder(city) else city.strip()
    code_place, code_is_strong = _postal_evidence(
        postal, code, postal_code=postal_code, city=city_text, address=address
    )
    city_text = without_codes(city_text)  # "D-15230 Frankfurt": the code is evidence above, the name is "Frankfurt"
    hints = _region_hints(index, " , ".join((address, city, postal_code, region)), code, city_key=name_key(city_text))
    if code == "US":
        states = _zip_states(index, f"{postal_code} {address}")
        hints = Hints(hints.admin | {index.admin_index[s] for s in states if s in index.admin_index}, hints.regions)
    in_address = _address_place(index, address, country_id, hints) if address.strip() else None
    if in_address is not None and code_place is not None and not _agrees(index, in_address, code_place):
        in_address = None if code_is_strong else in_address
    found = _from_city(index, city_text, country_id, code, hints, in_address, code_place) if city_text else None
    if found is None:
        if in_address is not None:
            found = Location(index.place(in_address))
        elif code_place is not None:
            return Location(postal_place(code_place))
        else:
            return Location(None, "placeholder" if city.strip() and not city_text else "unknown")
    if found.place is None and found.reason in ("unknown", "area") and code_place is not None:
        return Location(postal_place(code_place), "", found.suggestions)
    if (
        found.place is None
        and found.reason == "conflict"
        and code_place is not None
        and _code_names(code_place, city_text)
    ):
        return Location(
            postal_place(code_place, city_text)
        )  # a village too small for the gazetteer, which the code lists
    if (
        found.place is not None
        and found.place.kind == "city"
        and code_place is not None
        and code_is_strong
        and _distance(found.place.latitude, found.place.longitude, code_place) > _agreement_km(code_place)
    ):
        if _code_names(code_place, city_text) or found.reason == "typo":
            # a village the code lists, or a district the gazetteer does not know ("Schwabing", 80802):
            # the code is surer than a guessed spelling
            return Location(postal_place(code_place, city_text))
        return Location(None, "conflict", (found.place, postal_place(code_place)))
    return found


def _code_names(code_place: PostalPlace, city_text: str) -> bool:
    """Whether the postal code's own list of places holds the city as typed."""
    key = name_key(city_text)
    return bool(key) and any(name_key(name) == key for name in code_place.names)


def _from_city(
    index: Index,
    city_text: str,
    country_id: int,
    code: str,
    hints: Hints,
    in_address: int | None,
    code_place: PostalPlace | None,
) -> Location | None:
    """The city column's answer; ``None`` when it names nothing and nothing resembles it."""
    key = name_key(city_text)
    if _names_an_area(index, city_text, key, country_id, code):
        return Location(None, "area") if in_address is None else None
    meant = _city_key_id(index, key, country_id, code, hints, code_place)
    if meant is not None:
        key_id, key = meant
        return _decide(index, key_id, country_id, hints, in_address, key, code_place)
    if code_place is not None:
        named = _named_near(index, key, country_id, code_place)
        if named is not None:  # "Neustadt" with 01844: Neustadt in Sachsen
            return Location(index.place(named))
    inside = _address_place(index, city_text, country_id, hints)
    if inside is not None:
        return Location(index.place(inside))
    similar = _typo_places(index, key, country_id)
    if in_address is not None and (
        any(index.near(in_address, place) for place in similar)
        or fuzz.ratio(key, name_key(index.names[in_address])) >= TYPO_MIN_RATIO
    ):
        return Location(index.place(in_address))
    if code_place is not None:
        near_code = [place for place in similar if _agrees(index, place, code_place)]
        if near_code:
            return Location(index.place(near_code[0]), "typo" if len(similar) > 1 else "", ())
    if in_address is not None:
        return None  # a suburb or district the gazetteer does not know: the city the address names
    if len(similar) == 1 and int(index.population[similar[0]]) >= TYPO_MIN_POPULATION:
        return Location(index.place(similar[0]), "typo", (index.place(similar[0]),))
    # several places, or one too small to be sure of: a region's or a word's name is near some village's
    # ("Pomorze" → Pogórze); without the postal code or the address to confirm it, the row says nothing sure
    return Location(None, "unknown", tuple(index.place(place) for place in similar[:5]))


def _postal_evidence(
    postal: PostalIndex | None, country: str, *, postal_code: str, city: str, address: str
) -> tuple[PostalPlace | None, bool]:
    """The row's postal code as a place, and whether it is strong evidence (its column or the city column).

    A code found only in the address may be a house number ("1100 Wilson
    Blvd"), so it chooses among same-name places but never vetoes a city.
    """
    if postal is None or not postal.knows(country):
        return None, False
    candidates: list[tuple[str, bool, bool]] = []
    if postal_code.strip():
        candidates.append((postal_code, True, True))
    candidates += [(found, False, True) for found in codes_in_text(city)]
    candidates += [(found, False, False) for found in reversed(codes_in_text(address))]
    for text, padded, strong in candidates:
        place = postal.find(text, country, padded=padded)
        if place is not None:
            return (place, strong) if place.spread_km <= POSTAL_MAX_SPREAD_KM else (None, False)
    return None, False


def postal_place(code_place: PostalPlace, city: str = "") -> Place:
    """A postal code's place as a :class:`~partner_directory.geo.gazetteer.places.Place` of kind ``postal``.

    Named by the code and the city as typed when the code lists it ("57520 Rosenheim"), else its first place.
    """
    named = city.strip() if city.strip() and _code_names(code_place, city) else code_place.name
    return Place(
        name=f"{code_place.code} {named}".strip(),
        country=code_place.country,
        latitude=code_place.latitude,
        longitude=code_place.longitude,
        population=0,
        kind="postal",
    )


def _distance(latitude: float, longitude: float, code_place: PostalPlace) -> float:
    return distance_km(latitude, longitude, code_place.latitude, code_place.longitude)


def _agreement_km(code_place: PostalPlace) -> float:
    """How far a city may lie from a postal code's point and still be the code's place."""
    return SAME_PLACE_KM + code_place.spread_km


def _agrees(index: Index, place: int, code_place: PostalPlace) -> bool:
    return _distance(float(index.latitude[place]), float(index.longitude[place]), code_place) <= _agreement_km(
        code_place
    )


def _city_key_id(
    index: Index, key: str, country_id: int, country: str, hints: Hints, code_place: PostalPlace | None
) -> tuple[int, str] | None:
    """The key id and text a city name means in a country: as written, else an expansion ("Mt. Vernon" → "Mount Vernon").

    When the row's postal code or region points at a place one spelling names
    and the one as written does not, that spelling wins.
    """
    usable: list[tuple[int, str]] = []
    for text in (key, *name_variants(key, country)):
        key_id = index.key_id(text)
        if key_id is None:
            continue
        postings = index.postings_in(key_id, country_id)
        if not postings:
            continue
        usable.append((key_id, text))
        if code_place is None and not hints:
            break
        if (code_place is not None and any(_agrees(index, place, code_place) for place, _ in postings)) or (
            code_place is None and any(index.in_region(place, hints) for place, _ in postings)
        ):
            return key_id, text
    return usable[0] if usable else None


def _named_near(index: Index, key: str, country_id: int, code_place: PostalPlace) -> int | None:
    """The most populous place near a postal code whose name begins with the city as typed."""
    nearby = index.places_near(code_place.latitude, code_place.longitude, _agreement_km(code_place), country_id)
    for place in nearby:
        name = name_key(index.names[place])
        if name == key or name.startswith(key + " "):
            return place
    return None


def _names_an_area(index: Index, city_text: str, key: str, country_id: int, country: str) -> bool:
    """Whether a city column names a country or a state of the row's country rather than a town.

    "Georgia" or "Nevada" in the city column of a US row is not Georgia,
    Vermont; "Poland" is not a village called Poland. A capital sharing the
    country's name (Luxembourg, Singapore) and a city of
    :data:`AREA_NAME_CITY_MIN_POPULATION` (New York, Mexico) stay cities.
    """
    is_country = resolve_country(city_text) is not None and len(city_text.strip()) > 3
    is_state = any(state_country == country for state_country, _ in states_named(city_text))
    if not (is_country or is_state):
        return False
    capital = index.countries.get(country)
    key_id = index.key_id(key)
    for place, _ in index.postings_in(key_id, country_id) if key_id is not None else ():
        if (capital is not None and place == capital[2]) or int(
            index.population[place]
        ) >= AREA_NAME_CITY_MIN_POPULATION:
            return False
    return True


def _zip_states(index: Index, text: str) -> list[str]:
    """The states a US ZIP code in ``text`` lies in (by its first three digits)."""
    match = _US_ZIP.search(text)
    return index.us_zip3.get(match.group(1)[:3], []) if match else []


def _decide(
    index: Index,
    key_id: int,
    country_id: int,
    hints: Hints,
    in_address: int | None,
    key: str,
    code_place: PostalPlace | None = None,
) -> Location:
    """Choose among the places of the country a city name can mean; see :func:`locate`."""
    postings = index.postings_in(key_id, country_id)
    if code_place is not None:
        by_code = [place for place, _ in postings if _agrees(index, place, code_place)]
        if by_code:  # the postal code names one of them: the row's own evidence wins over population
            own = [place for place, primary in postings if primary and place in by_code]
            return Location(index.place((own or by_code)[0]))
        named = _named_near(index, key, country_id, code_place)
        if named is not None:  # "Neustadt" with 01844: Neustadt in Sachsen
            return Location(index.place(named))
    if in_address is not None and in_address not in {place for place, _ in postings}:
        # "Mitte" with "Berlin" in the address: the district of the city the address names
        by_address = [place for place, _ in postings if index.near(place, in_address)]
        if by_address:
            return Location(index.place(by_address[0]))
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
    if code_place is not None:
        return Location(None, "conflict", (index.place(best), postal_place(code_place)))
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
