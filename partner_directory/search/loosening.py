"""When nothing matches: which one filter to loosen, and how many offices that would show.

A member who sees "No partners found" should not have to guess. For every
part of the search that was applied, :func:`loosenings` counts the offices the
same search finds without that part alone; :func:`loosening_sentence` says it
in words ("No offices match. Without the sector filter: 4; without the 300 km
radius: 12.").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from partner_directory.i18n import t
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex
from partner_directory.search.places import PlaceResolver
from partner_directory.search.sentence import format_kilometres

#: The parts of a search that can be dropped one at a time, in the order the sentence names them.
#: ``near`` is a place that was found (dropping it drops its radius); ``place`` is one that was not,
#: which finds no offices at all until it is corrected or dropped.
PARTS = ("text", "countries", "continents", "sectors", "services", "languages", "near", "place")

#: What each part becomes when it is dropped.
_DROPPED: dict[str, dict[str, object]] = {
    "text": {"text": ""},
    "countries": {"countries": ()},
    "continents": {"continents": ()},
    "sectors": {"sectors": ()},
    "services": {"services": ()},
    "languages": {"languages": ()},
    "near": {"near": "", "radius_km": None},
    "place": {"near": "", "radius_km": None},
}


@dataclass(frozen=True)
class Loosening:
    """The search without one ``part`` (see :data:`PARTS`) would find ``offices`` offices."""

    part: str
    offices: int


def loosenings(
    table: pd.DataFrame | SearchIndex,
    criteria: Criteria,
    *,
    resolve_place: PlaceResolver | None = None,
) -> tuple[Loosening, ...]:
    """For a search that finds nothing, each applied part whose removal alone finds something.

    Returns an empty tuple when the search finds offices, or when no single
    part is to blame (then only several together, or nothing, would help).
    A place that could not be found finds nothing by itself, so it is offered
    as ``place`` (drop or correct it) and nothing else can help alone.
    """
    result = search(table, criteria, resolve_place=resolve_place)
    if result.offices:
        return ()
    found: list[Loosening] = []
    for part in _applied(criteria, place_used=result.place is not None):
        looser = dataclasses.replace(criteria, **_DROPPED[part])  # type: ignore[arg-type]
        offices = search(table, looser, resolve_place=resolve_place).offices
        if offices:
            found.append(Loosening(part, offices))
    return tuple(found)


def _applied(criteria: Criteria, *, place_used: bool) -> list[str]:
    present = {
        "text": bool(criteria.text.strip()),
        "countries": bool(criteria.countries),
        "continents": bool(criteria.continents),
        "sectors": bool(criteria.sectors),
        "services": bool(criteria.services),
        "languages": bool(criteria.languages),
        "near": bool(criteria.near.strip()) and place_used,
        "place": bool(criteria.near.strip()) and not place_used,
    }
    return [part for part in PARTS if present[part]]


def loosening_sentence(found: tuple[Loosening, ...], criteria: Criteria, *, language: str = "en") -> str:
    """Say which filter to loosen, with counts; or, when none alone helps, to clear the search.

    >>> loosening_sentence((Loosening("sectors", 4), Loosening("near", 12)), Criteria(near="Gdańsk", radius_km=300))
    'No offices match. Without the sector filter: 4; without the 300 km radius: 12.'
    """
    if not found:
        return t("loosen.nothing_alone", language, clear=t("ui.clear", language))
    parts = [f"{_part_name(item.part, criteria, language)}: {item.offices}" for item in found]
    listed = "; ".join(parts)
    return t("loosen.none", language) + " " + listed[:1].upper() + listed[1:] + "."


def _part_name(part: str, criteria: Criteria, language: str) -> str:
    if part == "text":
        return t("loosen.without.text", language, text=" ".join(criteria.text.split()))
    if part == "place":
        return t("loosen.without.place", language, place=" ".join(criteria.near.split()))
    if part == "near":
        if criteria.radius_km is None:
            return t("loosen.without.place", language, place=" ".join(criteria.near.split()))
        return t("loosen.without.radius", language, radius=format_kilometres(criteria.radius_km, language))
    return t(f"loosen.without.{part}", language)
