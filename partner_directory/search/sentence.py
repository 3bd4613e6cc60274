"""The sentence that says what a search applied, and distances and radii worded for people.

"3 partners in 2 countries · sector Robotics · within 300 km of Gdańsk, Poland":
:func:`describe` puts the counts before the fragments the engine applied;
:func:`format_distance` words one office's distance as honestly as its
placement allows. English or Polish, from the translation tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from partner_directory.geo.countries import country_name
from partner_directory.geo.distance import shown_distance_km
from partner_directory.i18n import t, tn
from partner_directory.search.areas import Area
from partner_directory.search.inflection import without_leading_preposition
from partner_directory.search.places import PlaceLike
from partner_directory.text import fold

#: Below this distance (km) an office placed only at its city is "under N km", never "0.0 km".
CITY_DISTANCE_FLOOR_KM = 10


def place_name(place: PlaceLike, language: str) -> str:
    """The place searched near, named in ``language``: "Górny Śląsk", "Niemcy"; a city by its gazetteer name."""
    if isinstance(place, Area):
        return place.display_name(language)
    if place.kind == "country":
        return country_name(place.country, language)
    return place.name


def place_label(place: PlaceLike, typed: str, language: str) -> str:
    """ "Gdańsk, Poland"; with what was typed first when it reads differently ("Danzig (Gdańsk, Poland)").

    A named area is "Upper Silesia (Katowice, Gliwice, Zabrze, …)".
    """
    if isinstance(place, Area):  # a named area says which cities it stands for
        return place.label(language)
    label = place_name(place, language)
    if place.kind != "country":
        label = f"{label}, {country_name(place.country, language)}"
    typed = without_leading_preposition(typed)  # "w Wiedniu (Vienna, Austria)" reads "Wiedniu (Vienna, Austria)"
    return label if fold(typed) in (fold(place.name), fold(label)) else f"{typed} ({label})"


def describe(offices: int, partners: int, countries: int, fragments: list[str], notes: list[str], language: str) -> str:
    """The whole description: the counts, then each applied fragment, then any notes as sentences.

    >>> describe(3, 2, 1, ["sector Robotics"], [], "en")
    '2 partners (3 offices) in 1 country · sector Robotics'
    """
    if offices == 0:
        count = t("search.count.none", language)
    else:
        parts = [tn("search.count.partners", partners, language)]
        if offices != partners:
            parts.append(tn("search.count.offices", offices, language))
        if countries:
            parts.append(tn("search.count.countries", countries, language))
        count = " ".join(parts)
    sentence = " · ".join([count, *fragments])
    return " ".join([f"{sentence}.", *notes]) if notes else sentence


def join_names(names: list[str], conjunction: str, language: str) -> str:
    """ "A", "A or B", "A, B or C" (the conjunction translated)."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {t(f'search.{conjunction}', language)} {names[-1]}"


def format_kilometres(value: float, language: str) -> str:
    """A distance for people: ``300``, ``12.5`` (Polish ``12,5``)."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if language == "pl" else text


def format_distances(
    distances_km: Iterable[float], precisions: Iterable[str], language: str = "en", *, short: bool = False
) -> list[str]:
    """:func:`format_distance` for many offices at once: each distinct wording is made once.

    A search near a place words every office it finds (thousands at 10,000 offices); the
    wording depends only on the shown distance, the placement and whether a city office
    is "close", so offices sharing those share one translated sentence.

    >>> format_distances([12.34, 12.31, 57.2], ["address", "address", "city"], short=True)
    ['12.3 km', '12.3 km', '≈ 57 km']
    """
    worded: dict[tuple[bool, bool, float], str] = {}
    texts: list[str] = []
    for distance_km, raw_precision in zip(distances_km, precisions, strict=True):
        precision = str(raw_precision or "").strip().lower()
        shown = shown_distance_km(distance_km, precision)
        if shown is None:
            texts.append("")
            continue
        city = precision == "city"
        key = (city, city and float(distance_km) < CITY_DISTANCE_FLOOR_KM, shown)
        text = worded.get(key)
        if text is None:
            text = worded[key] = format_distance(float(distance_km), precision, language, short=short)
        texts.append(text)
    return texts


def format_distance(distance_km: float, precision: str = "", language: str = "en", *, short: bool = False) -> str:
    """A distance as honest as the office's placement; "" when unknown.

    An office placed at its address (or with typed coordinates) gets one
    decimal; one placed only at its city is "≈ 12 km", and near the place
    "under 10 km" — never "0.0 km" as if exact. Country-precision offices have
    no distance at all.

    ``short`` leaves out the words in brackets (for a narrow column whose help says them).

    >>> format_distance(12.34, "address"), format_distance(0.0, "city"), format_distance(57.2, "city")
    ('12.3 km', 'under 10 km (in the city; street not known)', '≈ 57 km (from the city centre)')
    >>> format_distance(57.2, "city", "pl", short=True), format_distance(3.0, "city", short=True)
    ('ok. 57 km', 'under 10 km')
    """
    precision = str(precision or "").strip().lower()  # as the published column may spell it
    shown = shown_distance_km(distance_km, precision)
    if shown is None:
        return ""
    if precision == "city":
        if distance_km < CITY_DISTANCE_FLOOR_KM:
            key = "search.distance.city_close_short" if short else "search.distance.city_close"
            return t(key, language, km=CITY_DISTANCE_FLOOR_KM)
        return t("search.distance.city_short" if short else "search.distance.city", language, km=int(shown))
    return t("search.distance.exact", language, km=format_kilometres(shown, language))
