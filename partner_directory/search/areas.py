"""Named areas: everyday names of metropolitan areas and regions ("Górny Śląsk", "Randstad", "Bay Area").

Each area is defined once, in ``search/data/areas.json``: the names and Polish
grammatical forms that name it, and its member cities with their countries.
Its display name in each language is ``search.area.<key>`` in
``translations/search_areas.json``. A search near an area keeps the offices
within the radius of ANY of its cities (:func:`distances_km`): a metropolitan
area is a string of cities, and a hull would take in the countryside between
distant members. A query naming an area finds the offices in its cities.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from partner_directory.geo.distance import great_circle_km
from partner_directory.i18n import t
from partner_directory.search.inflection import MIN_GUESS_LENGTH, phrase_variants, without_leading_preposition
from partner_directory.search.places import PlaceLike, PlaceResolver
from partner_directory.text import fold, fold_compact

#: The table of named areas.
AREAS_FILE = Path(__file__).with_name("data") / "areas.json"

#: How many member cities the sentence names before "…".
CITIES_NAMED = 3

#: Finds a city by its name in one country (ISO alpha-2), or ``None``: the gazetteer's ``find_city``.
CityFinder = Callable[[str, str], PlaceLike | None]


@dataclass(frozen=True)
class AreaDefinition:
    """One row of the table: its key, the names that name it, its member cities as (name, country)."""

    key: str
    names: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Area:
    """A named area resolved to its member cities; fits :class:`~partner_directory.search.places.PlaceLike`.

    ``latitude``/``longitude`` are the mean of its cities (where a map may
    centre); distances are measured from each city (:func:`distances_km`).
    ``country`` is the first city's; ``countries`` all of them.
    """

    key: str
    cities: tuple[PlaceLike, ...]
    kind: str = "area"

    @property
    def name(self) -> str:
        """The area's English name (:meth:`display_name` for another language)."""
        return self.display_name("en")

    def display_name(self, language: str) -> str:
        """ "Upper Silesia" / "Górny Śląsk"."""
        return t(f"search.area.{self.key}", language)

    @property
    def country(self) -> str:
        return self.cities[0].country

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(city.country for city in self.cities))

    @property
    def latitude(self) -> float:
        return float(np.mean([city.latitude for city in self.cities]))

    @property
    def longitude(self) -> float:
        return float(np.mean([city.longitude for city in self.cities]))

    def label(self, language: str) -> str:
        """ "Upper Silesia (Katowice, Gliwice, Zabrze, …)", for the sentence of what was searched."""
        names = [city.name for city in self.cities[:CITIES_NAMED]]
        if len(self.cities) > CITIES_NAMED:
            names.append("…")
        return t("search.area.label", language, area=self.display_name(language), cities=", ".join(names))


@lru_cache(maxsize=1)
def area_definitions() -> tuple[AreaDefinition, ...]:
    """Every named area of ``search/data/areas.json``, in its order."""
    table = json.loads(AREAS_FILE.read_text(encoding="utf-8"))
    return tuple(
        AreaDefinition(
            key=key, names=tuple(entry["names"]), cities=tuple((name, code) for name, code in entry["cities"])
        )
        for key, entry in table.items()
        if not key.startswith("_")
    )


@lru_cache(maxsize=1)
def _areas_by_name() -> dict[str, str]:
    """Folded name (any language, any listed form, the display names) → area key."""
    by_name: dict[str, str] = {}
    for area in area_definitions():
        displayed = (t(f"search.area.{area.key}", language) for language in ("en", "pl"))
        for name in (*displayed, *area.names):
            by_name.setdefault(" ".join(fold(name).replace("-", " ").split()), area.key)
    return by_name


def area_key(text: str) -> str | None:
    """The key of the area ``text`` names, as typed or in a Polish case form, or ``None``.

    >>> area_key("na Górnym Śląsku"), area_key("Zagłębiu Ruhry"), area_key("Bay Area"), area_key("Gdańsk")
    ('upper_silesia', 'ruhr', 'bay_area', None)
    """
    by_name = _areas_by_name()
    phrase = without_leading_preposition(text)
    for candidate in (phrase, *phrase_variants(phrase)):
        key = by_name.get(" ".join(fold(candidate).replace("-", " ").split()))
        if key is not None:
            return key
    return None


def resolve_area(text: str, *, find_city: CityFinder | None = None) -> Area | None:
    """The area ``text`` names with its cities found, or ``None`` (also when none of its cities is found).

    Args:
        text: a place as typed ("Trójmiasto", "w Trójmieście", "Tricity").
        find_city: finds a member city in its country; by default the offline
            gazetteer's ``find_city`` (loaded on first use).
    """
    key = area_key(text)
    if key is None:
        return None
    return area_with_cities(key, find_city=find_city)


def area_with_cities(key: str, *, find_city: CityFinder | None = None) -> Area | None:
    """The area ``key`` with those of its cities that ``find_city`` finds (in their country), or ``None``."""
    finder = find_city or _default_city_finder()
    if finder is None:
        return None
    definition = next(area for area in area_definitions() if area.key == key)
    cities: list[PlaceLike] = []
    for name, code in definition.cities:
        place = finder(name, code)
        if (
            place is not None
            and place.country == code
            and math.isfinite(place.latitude)
            and math.isfinite(place.longitude)
        ):
            cities.append(place)
    return Area(key=key, cities=tuple(cities)) if cities else None


def distances_km(
    area: Area, latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Each point's distance to the area: to its nearest member city (NaN where a point has no coordinates)."""
    distances = np.full(len(latitudes), np.inf)
    for city in area.cities:
        distances = np.fmin(distances, great_circle_km(city.latitude, city.longitude, latitudes, longitudes))
    return np.where(np.isinf(distances), np.nan, distances)


def _default_city_finder() -> CityFinder | None:
    try:
        from partner_directory.geo.gazetteer.queries import default_gazetteer  # imported late: loading takes time

        gazetteer = default_gazetteer()
    except (ImportError, OSError, RuntimeError, ValueError):
        return None
    return lambda name, country: gazetteer.find_city(name, country=country)


def resolve_searched_place(text: str, resolver: PlaceResolver, *, guess: bool = True) -> PlaceLike | None:
    """The place a member typed to search near or in, in this order of evidence, or ``None``.

    1. A named area ("Górny Śląsk", "na Górnym Śląsku", "Randstad"): the table is curated, so it wins.
    2. The text as typed, by ``resolver`` ("Wiedeń", "Vienna", "Polska").
    3. Its Polish base forms (:func:`~partner_directory.search.inflection.phrase_variants`),
       without a leading preposition: "w Wiedniu" → "Wiedeń", "w Niemczech" → "Niemcy";
       a country before a city ("z Niemiec": Niemcy, not the village Niemce).

    So a word another language uses as it is never meets the Polish dictionary
    unless it names nothing as typed. ``guess=False`` leaves out the guessed
    forms of words the dictionary does not know (a query word found in the
    table as typed is not guessed at: "energy" is not "Energa").
    """
    area = resolve_area(text)
    if area is not None:
        return area
    place = resolver(text)
    if place is not None:
        return place
    phrase = without_leading_preposition(text)
    if phrase != text.strip():
        place = resolver(phrase)
        if place is not None:
            return place
    found: list[PlaceLike] = []
    for variant in phrase_variants(phrase, guess=guess):
        if len(fold_compact(variant)) < MIN_GUESS_LENGTH:  # "Kir" would be a country's code
            continue
        place = resolver(variant)
        if place is not None:
            found.append(place)
    # "z Niemiec" is Germany (Niemcy), not the village Niemce: a country named by a base form comes first.
    return next((place for place in found if place.kind == "country"), found[0] if found else None)
