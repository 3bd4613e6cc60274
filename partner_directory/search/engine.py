"""Searching the partner offices: free text, filters and distance, and a sentence saying what was done.

:func:`search` takes the partner table (or a :class:`~partner_directory.search.index.SearchIndex`
built from it) and a :class:`~partner_directory.search.criteria.Criteria`, and returns a
:class:`SearchResult`: the matching rows, best first, and a plain description of what was
applied ("3 partners in 2 countries · sector Robotics · within 300 km of Gdańsk, Poland")
in English or Polish (worded by :mod:`partner_directory.search.sentence`). How free text
matches and ranks is described in :mod:`partner_directory.search.index`.

Distance
--------
``near`` is resolved to a place by a resolver (by default the offline
gazetteer's ``find_place``, loaded only when first needed). Offices within
``radius_km`` (:data:`DEFAULT_RADIUS_KM` when none is given) of it are kept,
nearest first; offices without coordinates are left out, and the description
says how many. **A country given as the place without a radius filters by
that country instead** ("near Poland" means offices in Poland, whatever their
distance from its capital); with a radius, distance is measured from the
country's reference point (its capital).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from partner_directory.geo.countries import country_name
from partner_directory.geo.distance import great_circle_km
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t, tn
from partner_directory.search.areas import Area, distances_km, resolve_searched_place
from partner_directory.search.criteria import (
    DEFAULT_RADIUS_KM,
    MAX_RADIUS_KM,
    Criteria,
    understand_continent,
    understand_country,
    understand_language,
    unique_values,
)
from partner_directory.search.index import SearchIndex, index_for
from partner_directory.search.places import PlaceLike, PlaceResolver, default_resolver
from partner_directory.search.sentence import (
    describe,
    format_distances,
    format_kilometres,
    join_names,
    place_label,
)
from partner_directory.sheet.schema import canonical_service, sector_name

#: Stands in the list of fragments for "matching …" until the partner count it agrees with is known.
_TEXT_FRAGMENT = "\0matching"


@dataclass(frozen=True)
class SearchResult:
    """What a search found and a plain account of what was applied.

    ``rows`` are the matching rows of the table (original index kept), best
    first, with three added columns: ``score`` (0–100 for free text, NaN without
    text), ``distance_km`` (NaN unless a place was used) and ``distance_text``
    (that distance worded by :func:`~partner_directory.search.sentence.format_distance`,
    "" when unknown). ``description``
    is one or more sentences in the chosen language; ``problems`` are sentences
    about parts of the criteria that could not be used. ``positions`` are the
    rows' positions (``iloc``) in the searched index's table, in the same order.

    A result keeps the positions, not the rows: ``rows`` (and :meth:`head`) take them from
    the searched table when asked, a new frame each time. A server keeps many results per
    published list, and a copy of the rows in each was most of its memory at 100,000 offices.
    """

    description: str
    partners: int  # distinct partner names (folded)
    countries: int
    place: PlaceLike | None  # the resolved ``near`` place
    problems: tuple[str, ...]
    positions: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    #: Where distances were measured from, named as the sentence names it ("Monachium (Munich, Niemcy)");
    #: "" when no distance was used -- a country is no point, so "near Polska" measures nothing.
    measured_from: str = ""
    #: The searched table (the index's own, shared: not a copy), each found row's score and distance
    #: (in the order of ``positions``), and the language distances are worded in.
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    scores: npt.NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    distances: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    language: str = "en"
    #: Every row's placement in the searched table (the index's own array, shared), by table position.
    precisions: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.empty(0, dtype=object), repr=False, compare=False
    )

    @property
    def offices(self) -> int:
        """Number of matching rows (offices)."""
        return len(self.positions)

    @property
    def rows(self) -> pd.DataFrame:
        """The matching rows with ``score``, ``distance_km`` and ``distance_text`` (see the class): made at each call."""
        return self.head(len(self.positions))

    def head(self, count: int) -> pd.DataFrame:
        """The first ``count`` of :attr:`rows` (only they are taken from the table and worded)."""
        positions = self.positions[:count]
        rows = self.table.iloc[positions]  # a new frame already (pandas copies on write): no second copy
        rows["score"] = np.round(self.scores[: len(positions)], 1) if self.scores is not None else np.nan
        rows["distance_km"] = self.distances[: len(positions)]
        # Without a place every distance is unknown, and its text "" (100,000 calls saved on a search of everything).
        rows["distance_text"] = self.worded_distances(count) if self.place is not None and len(rows) else ""
        return rows

    def worded_distances(self, count: int, *, short: bool = False) -> list[str]:
        """The first ``count`` found rows' distances in words (``format_distances``, by each row's placement): "" each
        without a place. No rows are taken from the table."""
        positions = self.positions[:count]
        if self.place is None:
            return [""] * len(positions)
        return format_distances(
            self.distances[: len(positions)], self.precisions[positions], self.language, short=short
        )

    def column(self, name: str, count: int | None = None) -> pd.Series:
        """One column of the table at the first ``count`` (all: ``None``) found rows, in their order."""
        return self.table[name].iloc[self.positions[:count]]


def search(
    table: pd.DataFrame | SearchIndex,
    criteria: Criteria,
    *,
    language: str = "en",
    resolve_place: PlaceResolver | None = None,
) -> SearchResult:
    """Find the offices matching ``criteria`` and describe what was applied.

    Args:
        table: the partner table, or a :class:`SearchIndex` built from it.
        criteria: what the member asked for (see :class:`Criteria`).
        language: ``"en"`` or ``"pl"``, for the description, problems and names.
        resolve_place: turns ``criteria.near`` into a place; by default the
            offline gazetteer (``partner_directory.geo.gazetteer``), loaded on first use.

    Returns:
        A :class:`SearchResult`. Order: nearest first when a place is used,
        else best text score first, else the table's order. Nothing raises for
        criteria that cannot be used; they are named in ``problems``.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"partner_name": ["Baltic Robots"], "city": ["Gdańsk"], "country": ["PL"],
    ...                       "sectors": ["Robotics"]})
    >>> search(table, Criteria(text="gdansk robtics")).description
    '1 partner in 1 country · matching “gdansk robtics”'
    """
    index = index_for(table)
    problems: list[str] = []
    fragments: list[str] = []
    notes: list[str] = []
    mask = np.ones(index.size, dtype=bool)

    scores: npt.NDArray[np.float64] | None = index.text_scores(criteria.text)
    if scores is not None:
        mask &= scores > 0
        fragments.append(_TEXT_FRAGMENT)  # worded once the count it must agree with is known

    countries = _understood(criteria.countries, understand_country, "unknown_country", problems, language)
    if countries:
        mask &= index.filter_mask(countries, "country")
        names = [country_name(code, language) for code in countries]
        fragments.append(t("search.applied.countries", language, names=join_names(names, "or", language)))
    continents = _understood(criteria.continents, understand_continent, "unknown_continent", problems, language)
    if continents:
        mask &= index.filter_mask(continents, "continent")
        names = [t(f"search.continent.{code}", language) for code in continents]
        fragments.append(t("search.applied.continents", language, names=join_names(names, "or", language)))
    sectors = unique_values(sector.strip() for sector in criteria.sectors if sector.strip())
    if sectors:
        mask &= index.filter_mask(sectors, "sector")
        names = list(dict.fromkeys(sector_name(index.sector_display(sector), language) for sector in sectors))
        fragments.append(t("search.applied.sectors", language, names=join_names(names, "or", language)))
    services = _understood(criteria.services, canonical_service, "unknown_service", problems, language)
    if services:
        for service in services:
            mask &= index.filter_mask([service], "service")
        names = [t(f"search.service.{key}", language) for key in services]
        fragments.append(t("search.applied.services", language, names=join_names(names, "and", language)))
    spoken = _understood(criteria.languages, understand_language, "unknown_language", problems, language)
    if spoken:
        mask &= index.filter_mask(spoken, "language")
        names = [language_name(code, language) for code in spoken]
        fragments.append(t("search.applied.languages", language, names=join_names(names, "or", language)))

    distances = np.full(index.size, np.nan)
    place = None
    near = " ".join(criteria.near.split())
    radius = _valid_radius(criteria.radius_km)
    if near:
        resolver = resolve_place or index.place_resolver or default_resolver()
        place = resolve_searched_place(near, resolver) if resolver is not None else None
        if resolver is None:
            problems.append(t("search.problem.no_gazetteer", language))
        elif place is None or not (math.isfinite(place.latitude) and math.isfinite(place.longitude)):
            # An unknown place shows nothing rather than everything: "near Xyz" is not "anywhere".
            place = None
            mask[:] = False
            problems.append(t("search.problem.place_not_found", language, place=near))
            fragments.append(t("search.applied.near_unknown", language, place=near))
        elif place.kind == "country":
            # A country is not a point: "near Polska" (with or without a radius) means its offices.
            mask &= index.filter_mask([place.country], "country")
            fragments.append(t("search.applied.in_country", language, place=country_name(place.country, language)))
            if radius is not None:
                notes.append(t("search.note.country_radius", language, place=country_name(place.country, language)))
        else:
            radius = radius or DEFAULT_RADIUS_KM
            # Measured only for the rows the words and filters left (100,000 distances took 10 ms a search).
            candidates = np.flatnonzero(mask)
            latitudes, longitudes = index.latitudes[candidates], index.longitudes[candidates]
            if isinstance(place, Area):  # any of its cities is the place
                measured = distances_km(place, latitudes, longitudes)
            else:
                measured = great_circle_km(place.latitude, place.longitude, latitudes, longitudes)
            distances[candidates] = measured
            unlocated = int(np.count_nonzero(np.isnan(measured)))
            mask[candidates] = measured <= radius
            fragments.append(
                t(
                    "search.applied.within_area" if isinstance(place, Area) else "search.applied.within",
                    language,
                    radius=format_kilometres(radius, language),
                    place=place_label(place, near, language),
                )
            )
            if unlocated:
                notes.append(tn("search.note.unlocated", unlocated, language))
    elif criteria.radius_km is not None:
        problems.append(
            t("search.problem.radius_without_place", language, radius=format_kilometres(criteria.radius_km, language))
        )

    positions = np.flatnonzero(mask)
    measured_from = place_label(place, near, language) if place is not None and place.kind != "country" else ""
    if place is not None and not np.isnan(distances[positions]).all():
        text_order = -scores[positions] if scores is not None else np.zeros(len(positions))
        positions = positions[np.lexsort((positions, text_order, distances[positions]))]
    elif scores is not None:
        positions = positions[np.lexsort((positions, -scores[positions]))]

    partners = int(np.unique(index.partner_ids[positions][index.partner_ids[positions] >= 0]).size)
    country_count = int(np.unique(index.country_ids[positions][index.country_ids[positions] >= 0]).size)
    fragments = [
        tn("search.applied.text", partners, language, text=" ".join(criteria.text.split()))
        if fragment == _TEXT_FRAGMENT
        else fragment
        for fragment in fragments
    ]
    description = describe(len(positions), partners, country_count, fragments, notes, language)
    return SearchResult(
        description=description,
        partners=partners,
        countries=country_count,
        place=place,
        problems=tuple(problems),
        positions=positions,
        measured_from=measured_from,
        table=index.table,
        scores=scores[positions] if scores is not None else None,
        distances=distances[positions],
        language=language,
        precisions=index.precisions,
    )


def _understood(
    values: Iterable[str], understand: Callable[[str], str | None], problem: str, problems: list[str], language: str
) -> tuple[str, ...]:
    understood: list[str] = []
    for value in values:
        code = understand(value) if value.strip() else None
        if code is None:
            if value.strip():
                problems.append(t(f"search.problem.{problem}", language, value=value.strip()))
        elif code not in understood:
            understood.append(code)
    return tuple(understood)


def _valid_radius(radius_km: float | None) -> float | None:
    if radius_km is None:
        return None
    try:
        value = float(radius_km)
    except (TypeError, ValueError):
        return None
    return min(value, MAX_RADIUS_KM) if math.isfinite(value) and value > 0 else None
