"""Places: what a search needs of a resolved place, and where it is resolved by default.

A place typed by a member ("Gdańsk", "Monachium", "Polska") becomes a
:class:`PlaceLike` through a :data:`PlaceResolver`. By default that is the
offline gazetteer's ``find_place`` (:func:`default_resolver`), loaded only
when first needed. Offices whose coordinates stand only for their country
(``geo.geocoding.base.UNLOCATED``) have no place to measure a distance from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class PlaceLike(Protocol):
    """What :func:`search` needs of a resolved place (the gazetteer's ``Place`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def country(self) -> str: ...

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...

    @property
    def kind(self) -> str: ...  # "city", "country" or "area" (a named area, search.areas)


#: Turns a place name as typed (any language) into a place, or ``None``.
PlaceResolver = Callable[[str], PlaceLike | None]


def default_resolver() -> PlaceResolver | None:
    """The offline gazetteer's ``find_place``, or ``None`` when it cannot be loaded."""
    try:
        from partner_directory.geo.gazetteer.queries import default_gazetteer  # imported late: loading it takes time

        return default_gazetteer().find_place
    except (ImportError, OSError, RuntimeError, ValueError):
        return None
