"""Which partner a click on the map meant: streamlit-folium's report mapped back to an office.

Clicks reach the app through streamlit-folium (0.27.4; read from its frontend
bundle). Once, right after the map script runs, it adds its click listener to
every layer then in ``map._layers``; a listener on a group also hears clicks
on the group's members, because Leaflet passes events up to parent groups.
It reports ``last_object_clicked`` (the event's ``latlng``) and
``last_object_clicked_popup`` (``innerText`` of the clicked layer's popup, if
that popup holds an element; an older value stays when it has none). Left as
is, the cluster group's inner layer would report clicks on cluster icons and
spider legs too, and a marker's first click would carry no popup. So the
script adds the cluster group only after that moment, builds the popup on the
first click, and forwards office-marker clicks -- with the office's own
position -- to a small "relay" layer that streamlit-folium does listen to.
:func:`clicked_partner_id` maps the reported values back to a partner.
Passing ``feature_group_to_add`` or ``layer_control`` to ``st_folium`` makes
it listen to every layer again, cluster icons included. Never put office text
into a tooltip: streamlit-folium reads tooltips through ``innerHTML``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from partner_directory.maps.rows import numeric_column, text_column

# A click is matched back to an office within this many degrees (about 1 m; coordinates
# travel with 6 decimals, about 0.1 m).
CLICK_TOLERANCE_DEGREES: Final = 1e-5

# Ask st_folium for exactly these, so that panning does not rerun the app.
CLICK_RETURNED_OBJECTS: Final = ("last_object_clicked", "last_object_clicked_popup")


def clicked_partner_id(
    st_folium_result: Mapping[str, Any] | None,
    offices: pd.DataFrame,
    *,
    tolerance: float = CLICK_TOLERANCE_DEGREES,
) -> str | None:
    """Return the ``partner_id`` of the office marker last clicked, if any.

    ``st_folium_result`` is what ``st_folium(build_map(offices), ...,
    returned_objects=CLICK_RETURNED_OBJECTS)`` returned, and ``offices`` the
    frame the map was built from. streamlit-folium reports a marker click as

    * ``last_object_clicked``: ``{"lat": …, "lng": …}`` -- the office's own
      position (the map script reports it even when a cluster is spread out),
    * ``last_object_clicked_popup``: the popup's visible text, whose last line
      is ``"<Partner ID label>: <partner_id>"``.

    The position picks the offices within ``tolerance`` degrees; when they
    belong to several partners (offices at one city centre, say), the popup's
    last line decides. With no position, the popup alone is used. Returns
    ``None`` for no click, a click away from every office, or a choice the
    two values cannot settle.

    >>> import pandas as pd
    >>> offices = pd.DataFrame({"partner_id": ["P1"], "latitude": [52.2], "longitude": [21.0]})
    >>> clicked_partner_id({"last_object_clicked": {"lat": 52.2, "lng": 21.0}}, offices)
    'P1'
    """
    if not st_folium_result or offices is None or offices.empty or "partner_id" not in offices:
        return None
    popup = st_folium_result.get("last_object_clicked_popup")
    popup_text = popup if isinstance(popup, str) else ""
    position = _clicked_position(st_folium_result.get("last_object_clicked"))
    if position is None and not popup_text:
        return None  # no click yet: every rerun of the page asks, so the offices are not read
    partner_ids = text_column(offices, "partner_id")

    if position is not None:
        latitudes = numeric_column(offices, "latitude")
        longitudes = numeric_column(offices, "longitude")
        near = (np.abs(latitudes - position[0]) <= tolerance) & (
            np.abs(_wrap_longitude(longitudes - position[1])) <= tolerance
        )
        candidates = list(dict.fromkeys(partner_ids[i] for i in np.flatnonzero(near)))
    elif popup_text:
        candidates = list(dict.fromkeys(partner_ids))
    else:
        return None

    if len(candidates) == 1:
        return candidates[0]
    if not candidates or not popup_text:
        return None
    return _partner_named_by_popup(popup_text, candidates)


def _wrap_longitude(delta: np.ndarray) -> np.ndarray:
    """Bring longitude differences into [-180, 180): a map panned past 180° reports 190°."""
    return (delta + 180.0) % 360.0 - 180.0


def _clicked_position(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    try:
        latitude, longitude = float(value["lat"]), float(value["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    return latitude, longitude


def _collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


def _partner_named_by_popup(popup_text: str, candidates: Sequence[str]) -> str | None:
    """Pick the candidate whose id ends the popup text (``"…: <partner_id>"``).

    The browser may or may not insert line breaks, and collapses spaces, so
    both sides are compared with whitespace collapsed. When one id is a
    suffix of another (``"7"`` and ``"X: 7"``) the longer match wins.
    """
    text = _collapse_whitespace(popup_text)
    matches = [
        candidate for candidate in candidates if candidate and text.endswith(": " + _collapse_whitespace(candidate))
    ]
    if not matches:
        return None
    longest = max(len(_collapse_whitespace(match)) for match in matches)
    best = [match for match in matches if len(_collapse_whitespace(match)) == longest]
    return best[0] if len(best) == 1 else None
