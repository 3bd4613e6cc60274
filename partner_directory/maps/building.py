"""The offices map: clustered markers, safe popups and offline country outlines.

``build_map`` turns a frame of offices into a :class:`folium.Map` for
streamlit-folium's ``st_folium``; ``render_standalone_html`` turns it into one
self-contained HTML page. Both load only Leaflet and Leaflet.markercluster,
vendored under ``static/`` by ``scripts/vendor_static.sh``; nothing but map
tiles comes from the internet, and a bundled country-outline layer lies under
the tiles, so the map still shows the world when no tile server answers.

How the page is built, and why:

* All offices travel as ONE compact JSON array (see :data:`ROW_FIELDS`, each
  distinct text stored once by :func:`pack_rows`); the map's own code,
  ``static/map/offices.js`` (loaded once by URL and cached by the browser,
  inlined only in the standalone page), turns each row into a circle marker
  inside one marker-cluster group. Each rerun sends data and calls, not code. 10,000 offices
  build and render in about 0.06 s into 1.6 MB of HTML (``bench/bench_map.py``).
* Office data is hostile until proven otherwise. The array is serialised so it
  cannot leave its ``<script>`` (``<``, ``>``, ``&``, U+2028, U+2029 escaped)
  nor be read as a Jinja template (``{`` and ``}`` escaped: folium re-parses
  every element's output as a template, so a ``{{ … }}`` in a partner name
  would otherwise run on the server). Popups are built in the browser with
  ``textContent`` only, and a link gets its ``href`` only when both Python and
  the browser agree that it is http(s) or a plain e-mail address.
* The map must never scroll the app's page. streamlit-folium's frame is a
  little shorter than its document, and Leaflet focuses the map on mousedown;
  with the map partly out of the window the page then jumped under the mouse
  and the click was lost. The frame's page cannot scroll (``overflow:
  hidden``) and the map's container focuses with ``preventScroll``.
* Without tiles the map still says where it is: 1:110m country outlines, the
  1:50m ones once zoomed in (app only, fetched once), and, when given,
  ``place_labels`` -- city names under the tile pane, so tiles cover them.
* Folium's own ``Popup``, ``Tooltip`` and ``FastMarkerCluster`` are not used
  for office data: they neither escape HTML nor protect against the template
  re-parse.

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

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import folium
import jinja2
import numpy as np
import numpy.typing as npt
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin

from partner_directory.config import PROJECT_ROOT
from partner_directory.errors import ConfigurationError
from partner_directory.i18n import normalise_language, t
from partner_directory.links import check_website, is_email, safe_href

STATIC_DIR: Final = PROJECT_ROOT / "static"
"""Project folder that Streamlit serves at ``/app/static/``."""

DEFAULT_ASSET_BASE_URL: Final = "/app/static/"

LEAFLET_JS: Final = "leaflet/leaflet.js"
LEAFLET_CSS: Final = "leaflet/leaflet.css"
MARKERCLUSTER_JS: Final = "leaflet.markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS: Final = (
    "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/MarkerCluster.Default.css",
)
# The directory's own map code and style: loaded by URL (cached by the browser), inlined
# only in the standalone page. They define ``partnerDirectoryMap.offices/outlines/labels``.
MAP_JS: Final = "map/offices.js"
MAP_CSS: Final = "map/offices.css"
COUNTRY_OUTLINES: Final = "world/countries-110m.geojson"
# Finer outlines, fetched by the app's map only when zoomed in this far (the
# standalone page keeps the coarse ones inline, to stay small).
FINE_COUNTRY_OUTLINES: Final = "world/countries-50m.geojson"
FINE_OUTLINES_MIN_ZOOM: Final = 4
# City names from the gazetteer, shown under the tiles (so only when no tiles
# load) from LABELS_MIN_ZOOM on; smaller cities only from deeper zooms.
LABELS_MIN_ZOOM: Final = 5
LABEL_ZOOM_BY_POPULATION: Final = ((1_000_000, 5), (200_000, 6), (50_000, 7), (0, 8))

# The view for a map without offices: the whole inhabited world.
DEFAULT_CENTER: Final = (20.0, 10.0)
DEFAULT_ZOOM: Final = 2
MIN_ZOOM: Final = 1
# Fitting the bounds of a single office must not zoom to street level.
FIT_MAX_ZOOM: Final = 12
FIT_PADDING_PIXELS: Final = (24, 24)
# Leaflet.markercluster needs a finite maximum zoom even without tiles.
NO_TILES_MAX_ZOOM: Final = 18

# Coordinates are sent with 6 decimals (about 0.1 m); a click is matched back
# to an office within this many degrees (about 1 m).
COORDINATE_DECIMALS: Final = 6
CLICK_TOLERANCE_DEGREES: Final = 1e-5

# Ask st_folium for exactly these, so that panning does not rerun the app.
CLICK_RETURNED_OBJECTS: Final = ("last_object_clicked", "last_object_clicked_popup")

SERVICE_KEYS: Final = ("desk", "meeting_room", "internet", "introductions", "events")

# Precision codes carried in the lowest two bits of a row's flags.
PRECISION_CODES: Final = {"address": 0, "city": 1, "country": 2}
PRECISION_UNKNOWN: Final = 3
FLAG_PRECISION_MASK: Final = 3
# 4 was the selection, now an option of the map (``selected`` in the script's options).
FLAG_WEBSITE_LINK: Final = 8
FLAG_WEBSITE_ADD_SCHEME: Final = 16
FLAG_EMAIL_LINK: Final = 32

ROW_FIELDS: Final = (
    "latitude",
    "longitude",
    "flags",
    "partner_id",
    "partner_name",
    "office_name",
    "city",
    "country_name",
    "sectors",
    "services",
    "contact_name",
    "contact_email",
    "website",
)
"""Order of the values in each row of the data array sent to the browser."""

_TEXT_COLUMNS: Final = (
    "partner_id",
    "partner_name",
    "office_name",
    "city",
    "country",
    "country_name",
    "sectors",
    "services",
    "contact_name",
    "contact_email",
    "website",
    "geocode_precision",
)

_LABEL_KEYS: Final = {
    "approximate": "map.approximate",
    "approximateCity": "map.approximate.city",
    "approximateCountry": "map.approximate.country",
    "sectors": "map.sectors",
    "services": "map.services",
    "contact": "map.contact",
    "email": "map.email",
    "website": "map.website",
    "partnerId": "map.partner_id",
    "legendExact": "map.legend.exact",
    "legendApproximate": "map.legend.approximate",
    "legendSelected": "map.legend.selected",
    "legend": "map.legend.name",
    "notLoaded": "map.not_loaded",
}

# Cluster icons are named "39 offices" in the map's language; the browser picks
# the CLDR plural category (Intl.PluralRules), these give each category's words.
_CLUSTER_LABEL_KEYS: Final = {category: f"map.cluster.{category}" for category in ("one", "few", "many", "other")}

# Marker looks, passed to Leaflet's circleMarker. The radius stays at most 10
# pixels: Leaflet then reports a click at the marker's own position rather
# than at the mouse, which clicked_partner_id relies on.
MARKER_STYLES: Final = {
    "exact": {
        "radius": 7,
        "color": "#1e40af",
        "weight": 1.5,
        "fillColor": "#3b82f6",
        "fillOpacity": 0.9,
    },
    "approximate": {
        "radius": 7,
        "color": "#4b5563",
        "weight": 2,
        "dashArray": "3 3",
        "fillColor": "#ffffff",
        "fillOpacity": 0.6,
    },
    "selected": {
        "radius": 9,
        "color": "#9a3412",
        "weight": 3,
        "fillColor": "#f97316",
        "fillOpacity": 0.95,
    },
}
OUTLINE_STYLE: Final = {
    "color": "#9ca3af",
    "weight": 0.7,
    "fillColor": "#f5f3ee",
    "fillOpacity": 1,
}
SEA_COLOUR: Final = "#dbe7ef"
CLUSTER_OPTIONS: Final = {
    "maxClusterRadius": 45,
    "showCoverageOnHover": False,
    "spiderfyOnMaxZoom": True,
    "spiderfyDistanceMultiplier": 1.6,
}

_JINJA_DELIMITERS: Final = ("{{", "{%", "{#")
_SCRIPT_ESCAPES: Final = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_JSON_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"')
# Deliberately narrower than RFC 5322: no "?", "%" or "&" that could add
# headers to a mailto: link. The browser applies the same rule.
# "www.example.com/path": a web address written without its scheme.
_UNSAFE_URL_CHARACTERS: Final = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")


class PlaceLabel(Protocol):
    """A named place to write on the map (a gazetteer ``Place`` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def latitude(self) -> float: ...
    @property
    def longitude(self) -> float: ...
    @property
    def population(self) -> int: ...


@dataclass(frozen=True)
class TileConfig:
    """Where map tiles come from.

    ``url_template`` is a Leaflet tile URL such as
    ``https://tile.example.org/{z}/{x}/{y}.png`` or a path on the app's own
    server (``/tiles/{z}/{x}/{y}.png``); an empty template means no tiles.
    ``attribution`` is trusted HTML shown in the map corner, as the tile
    provider requires. ``max_zoom`` is the deepest zoom the tiles offer.

    Raises :class:`~partner_directory.errors.ConfigurationError` for a
    template that is neither http(s) nor a path, or for template syntax
    (``{{``, ``{%``, ``{#``) in either text.
    """

    url_template: str
    attribution: str
    max_zoom: int = 19

    def __post_init__(self) -> None:
        url = self.url_template.strip()
        if url and not url.lower().startswith(("https://", "http://", "/")):
            raise ConfigurationError("tile_url", value=self.url_template)
        if url and not self.attribution.strip():
            raise ConfigurationError("tile_attribution")
        for text in (self.url_template, self.attribution):
            if any(delimiter in text for delimiter in _JINJA_DELIMITERS):
                raise ConfigurationError("tile_template", value=text)
        if not 0 < self.max_zoom <= 30:
            raise ConfigurationError("tile_zoom", value=self.max_zoom)

    @property
    def enabled(self) -> bool:
        """Whether this configuration adds a tile layer at all."""
        return bool(self.url_template.strip())


OPENSTREETMAP: Final = TileConfig(
    url_template="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    attribution=('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    max_zoom=19,
)
"""The default tiles: OpenStreetMap's standard layer with its required credit."""


# ---------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class OfficeData:
    """The offices one map shows, as its browser code reads them: made once, reusable by any number of maps.

    Two ways to travel, one value:

    * ``json`` -- ``[texts, rows]`` (see :func:`office_rows` and :func:`pack_rows`)
      safe inside ``<script>``, put into the map's page (:func:`office_data`);
    * ``url`` -- a file with every office of the published list, under ``static/``
      and relative to it, fetched once and cached by the browser, and ``shown``,
      which of its rows this map shows (base64 of a little-endian bitmap; ``None``
      for all). See :mod:`partner_directory.maps.office_file`.

    ``id`` changes with what is shown (streamlit-folium mounts a new map when
    the script changes); ``bounds`` are ``[[south, west], [north, east]]`` or
    ``None``. Preparing 10,000 offices inline takes a fifth of a second and
    1.9 MB in every rerun's message; by file, a bitmap of 1.7 KB.
    """

    id: str
    bounds: list[list[float]] | None
    json: str | None = None
    url: str | None = None
    shown: str | None = None


def office_data(offices: pd.DataFrame, *, language: str = "en") -> OfficeData:
    """Prepare ``offices`` (columns as for :func:`build_map`) for one or more maps, inside the map's page.

    >>> import pandas as pd
    >>> office_data(pd.DataFrame()).bounds is None
    True
    """
    rows, bounds = office_rows(offices, language=normalise_language(language))
    text = script_json(list(pack_rows(rows)), has_objects=False)
    return OfficeData(
        "partner-directory-offices-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20], bounds, json=text
    )


def build_map(
    offices: pd.DataFrame | OfficeData,
    *,
    language: str = "en",
    tiles: TileConfig | None = OPENSTREETMAP,
    asset_base_url: str = DEFAULT_ASSET_BASE_URL,
    inline_assets: bool = False,
    selected_id: str | None = None,
    selection_parameter: str | None = None,
    place_labels: Sequence[PlaceLabel] = (),
) -> folium.Map:
    """Return a folium map of ``offices``, ready for ``st_folium`` or rendering.

    Arguments:
        offices: one row per office, with the columns of the input contract
            (``partner_id`` … ``website`` as text, ``latitude``/``longitude``
            as floats, ``geocode_precision``). Rows without coordinates are
            left out; missing text columns count as empty. Or the same
            already prepared: :func:`office_data` (inside the page) or
            :meth:`partner_directory.maps.office_file.OfficeFile.view` (by URL, which
            the standalone page cannot use).
        language: ``"en"`` or ``"pl"`` (a locale such as ``"pl-PL"`` works too)
            for every word in popups and the legend.
        tiles: the tile source; ``None`` or an empty ``url_template`` gives a
            map of country outlines only.
        asset_base_url: where ``static/`` is served, ending in ``/``. Prefix it
            with Streamlit's ``server.baseUrlPath`` when that is set.
        inline_assets: put Leaflet, Leaflet.markercluster and the outlines
            into the page instead of loading them from ``asset_base_url``
            (used by :func:`render_standalone_html`).
        selected_id: a ``partner_id`` whose offices are highlighted.
        selection_parameter: the name of a query parameter of the page around
            the map (the app's ``partner``) that says whose offices to
            highlight; the map follows it as it changes, without being built
            again (the member's zoom stays). ``selected_id`` is then only the
            fallback where that page cannot be read.
        place_labels: places to name on the map from zoom
            :data:`LABELS_MIN_ZOOM` on, under the tiles, so that a zoomed map
            without tiles still says where it is -- typically
            ``gazetteer.cities_near(latitudes, longitudes)``. Names are text.

    Returns a :class:`folium.Map` fitted to the offices (or showing the world
    when there are none). Its ``default_js``/``default_css`` are replaced on
    this instance only, so folium's CDN links are never emitted. Changing any
    argument -- ``selected_id`` too -- changes the map's script, and
    streamlit-folium then mounts a fresh map at the fitted view; a selection
    read through ``selection_parameter`` does not.

    Raises :class:`~partner_directory.errors.ConfigurationError` when
    ``inline_assets`` is set but ``static/`` has not been vendored, or when
    ``asset_base_url`` holds spaces, quotes or angle brackets.

    >>> import pandas as pd
    >>> m = build_map(pd.DataFrame(), tiles=None)
    >>> m.get_bounds()
    [[None, None], [None, None]]
    """
    language = normalise_language(language)
    if _UNSAFE_URL_CHARACTERS.search(asset_base_url) or any(
        delimiter in asset_base_url for delimiter in _JINJA_DELIMITERS
    ):
        raise ConfigurationError("asset_url", value=asset_base_url)
    base_url = asset_base_url if asset_base_url.endswith("/") else asset_base_url + "/"
    tile_config = tiles if tiles is not None and tiles.enabled else None
    max_zoom = tile_config.max_zoom if tile_config else NO_TILES_MAX_ZOOM

    fmap = folium.Map(location=DEFAULT_CENTER, zoom_start=DEFAULT_ZOOM, tiles=None)
    fmap.options["max_zoom"] = max_zoom
    fmap.options["min_zoom"] = MIN_ZOOM
    fmap.options["world_copy_jump"] = True
    # Instance attributes shadow folium's class-wide CDN lists for this map only.
    if inline_assets:
        fmap.default_js = []
        fmap.default_css = []
        fmap.add_child(_InlineAssets(_read_assets()))
    else:
        fmap.default_js = [("leaflet", base_url + LEAFLET_JS), ("partner_directory_map", base_url + MAP_JS)]
        fmap.default_css = [("leaflet_css", base_url + LEAFLET_CSS), ("partner_directory_map_css", base_url + MAP_CSS)]

    fmap.add_child(
        _CountryOutlines(
            url=base_url + COUNTRY_OUTLINES,
            geojson=_read_outlines() if inline_assets else None,
            fine_url=None if inline_assets else base_url + FINE_COUNTRY_OUTLINES,
        )
    )
    if place_labels:
        fmap.add_child(_PlaceLabels(place_labels))
    if tile_config is not None:
        fmap.add_child(_Tiles(tile_config))

    data = offices if isinstance(offices, OfficeData) else office_data(offices, language=language)
    if inline_assets and data.json is None:
        raise ValueError("the standalone page carries its offices inside: give it office_data(), not a file")
    bounds = data.bounds
    fmap.add_child(
        _OfficeMarkers(
            data,
            language=language,
            asset_base_url=None if inline_assets else base_url,
            selected_id=selected_id,
            selection_parameter=selection_parameter,
        )
    )
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=FIT_PADDING_PIXELS, max_zoom=FIT_MAX_ZOOM)
    return fmap


def render_standalone_html(
    offices: pd.DataFrame,
    *,
    language: str = "en",
    tiles: TileConfig | None = OPENSTREETMAP,
    selected_id: str | None = None,
) -> str:
    """Return one self-contained HTML page showing ``offices`` on a map.

    Leaflet, Leaflet.markercluster and the country outlines are inlined; only
    tiles (if any) are fetched from outside. Arguments are as for
    :func:`build_map`. Raises
    :class:`~partner_directory.errors.ConfigurationError` when ``static/``
    has not been vendored.
    """
    fmap = build_map(
        offices,
        language=language,
        tiles=tiles,
        inline_assets=True,
        selected_id=selected_id,
    )
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    figure.title = _html_text(t("map.title", normalise_language(language)))
    return figure.render()


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
    partner_ids = _text_column(offices, "partner_id")
    popup = st_folium_result.get("last_object_clicked_popup")
    popup_text = popup if isinstance(popup, str) else ""
    position = _clicked_position(st_folium_result.get("last_object_clicked"))

    if position is not None:
        latitudes = _numeric_column(offices, "latitude")
        longitudes = _numeric_column(offices, "longitude")
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


def placed_positions(offices: pd.DataFrame | None) -> npt.NDArray[np.intp]:
    """Positions (``iloc``) of the offices with a valid latitude and longitude: the ones a map can show.

    >>> import pandas as pd
    >>> placed_positions(pd.DataFrame({"latitude": [52.2, None, 91.0], "longitude": [21.0, 1.0, 0.0]})).tolist()
    [0]
    """
    if offices is None or offices.empty:
        return np.empty(0, dtype=np.intp)
    latitudes = _numeric_column(offices, "latitude")
    longitudes = _numeric_column(offices, "longitude")
    valid = np.isfinite(latitudes) & np.isfinite(longitudes) & (np.abs(latitudes) <= 90) & (np.abs(longitudes) <= 180)
    return np.flatnonzero(valid)


def office_rows(offices: pd.DataFrame, *, language: str = "en") -> tuple[list[list[Any]], list[list[float]] | None]:
    """Return the data array for the browser and the bounds of its offices.

    Each row holds the values named in :data:`ROW_FIELDS`; ``flags`` combines
    the precision code (:data:`PRECISION_CODES`, unknown = 3) with
    :data:`FLAG_WEBSITE_LINK`, :data:`FLAG_WEBSITE_ADD_SCHEME` and
    :data:`FLAG_EMAIL_LINK` (the selection is an option of the map, not part
    of its data). Services are translated into ``language``; sectors and
    services are joined with ``", "``. Rows without valid coordinates
    (:func:`placed_positions`) are skipped. Bounds are
    ``[[south, west], [north, east]]``, or ``None`` with no rows.
    """
    keep = placed_positions(offices)
    if keep.size == 0:
        return [], None
    latitudes = _numeric_column(offices, "latitude")
    longitudes = _numeric_column(offices, "longitude")
    columns = {name: _text_column(offices, name) for name in _TEXT_COLUMNS}
    services = _service_translator(normalise_language(language))
    rounded_latitudes = np.round(latitudes[keep], COORDINATE_DECIMALS).tolist()
    rounded_longitudes = np.round(longitudes[keep], COORDINATE_DECIMALS).tolist()

    rows: list[list[Any]] = []
    for position, index in enumerate(keep.tolist()):
        website = columns["website"][index].strip()
        email = columns["contact_email"][index].strip()
        flags = PRECISION_CODES.get(columns["geocode_precision"][index].strip().lower(), PRECISION_UNKNOWN)
        flags |= _website_flags(website)
        if email_is_linkable(email):
            flags |= FLAG_EMAIL_LINK
        rows.append(
            [
                rounded_latitudes[position],
                rounded_longitudes[position],
                flags,
                columns["partner_id"][index],
                columns["partner_name"][index],
                columns["office_name"][index],
                columns["city"][index],
                columns["country_name"][index] or columns["country"][index],
                _joined_list(columns["sectors"][index]),
                services(columns["services"][index]),
                columns["contact_name"][index],
                email,
                website,
            ]
        )
    bounds = [
        [float(latitudes[keep].min()), float(longitudes[keep].min())],
        [float(latitudes[keep].max()), float(longitudes[keep].max())],
    ]
    return rows, bounds


def place_label_rows(places: Sequence[PlaceLabel]) -> list[list[Any]]:
    """Return ``[latitude, longitude, name, minimum zoom]`` for each place with a name and a position.

    The minimum zoom grows as the population falls
    (:data:`LABEL_ZOOM_BY_POPULATION`), so a wide view names only large cities.

    >>> from types import SimpleNamespace as P
    >>> place_label_rows([P(name="Gdańsk", latitude=54.352, longitude=18.6466, population=461_865)])
    [[54.352, 18.6466, 'Gdańsk', 6]]
    """
    rows = []
    for place in places:
        name = str(place.name or "").strip()
        latitude, longitude = float(place.latitude), float(place.longitude)
        if not name or not (math.isfinite(latitude) and math.isfinite(longitude)):
            continue
        population = int(place.population or 0)
        zoom = next(zoom for floor, zoom in LABEL_ZOOM_BY_POPULATION if population >= floor)
        rows.append([round(latitude, 4), round(longitude, 4), name, zoom])
    return rows


def pack_rows(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Store each distinct text once: return the texts and rows that point into them.

    The first three values of a row (latitude, longitude, flags) are kept;
    every text after them becomes its position in the returned list. Partner
    names, websites, cities, sectors and services repeat across offices, so
    this keeps 10,000 offices well under 2 MB of HTML.

    >>> pack_rows([[1.0, 2.0, 0, "P1", "Acme"], [3.0, 4.0, 0, "P1", ""]])
    (['', 'P1', 'Acme'], [[1.0, 2.0, 0, 1, 2], [3.0, 4.0, 0, 1, 0]])
    """
    positions: dict[str, int] = {"": 0}
    packed = []
    for row in rows:
        packed.append([*row[:3], *(positions.setdefault(value, len(positions)) for value in row[3:])])
    return list(positions), packed


def website_link(value: str) -> str | None:
    """Return the address a website value may link to, or ``None``.

    Only ``http``/``https`` addresses with a host qualify; a bare host name
    such as ``www.example.com`` is given ``https://``. Anything else --
    ``javascript:``, ``data:``, relative paths, text with spaces or quotes --
    is shown as plain text.

    >>> website_link("www.example.com/en")
    'https://www.example.com/en'
    >>> website_link("javascript:alert(1)") is None
    True
    """
    return check_website(value.strip()).url if _website_flags(value.strip()) & FLAG_WEBSITE_LINK else None


def email_is_linkable(value: str) -> bool:
    """Whether ``value`` is a plain e-mail address safe to put behind ``mailto:``.

    >>> email_is_linkable("anna@example.pl"), email_is_linkable("a@b.pl?cc=x@y.pl")
    (True, False)
    """
    return is_email(value)


# ---------------------------------------------------------------------------
# Office data helpers


def _text_column(offices: pd.DataFrame, name: str) -> list[str]:
    """The column as plain strings: missing values become "", numbers their text."""
    if name not in offices.columns:
        return [""] * len(offices)
    return [str(value) for value in offices[name].astype("string").fillna("").tolist()]


def _numeric_column(offices: pd.DataFrame, name: str) -> np.ndarray:
    if name not in offices.columns:
        return np.full(len(offices), np.nan)
    return pd.to_numeric(offices[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


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


@lru_cache(maxsize=65_536)
def _website_flags(value: str) -> int:
    # The decision is links.check_website's; the map only refuses, in addition,
    # characters that have no business in an address it puts into a page.
    # The browser adds "https://" to the raw value itself, so a protocol-relative
    # "//host" (which would become "https:////host") is shown as text.
    if not value or _UNSAFE_URL_CHARACTERS.search(value) or value.startswith("//"):
        return 0
    checked = check_website(value)
    if not checked.url or checked.problem not in (None, "added_scheme") or safe_href(checked.url) is None:
        return 0
    try:
        urlsplit(checked.url).port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return 0
    return FLAG_WEBSITE_LINK | (FLAG_WEBSITE_ADD_SCHEME if checked.problem == "added_scheme" else 0)


@lru_cache(maxsize=4096)
def _joined_list(value: str) -> str:
    """``"Robotics; AI"`` -> ``"Robotics, AI"``."""
    return ", ".join(part.strip() for part in value.split(";") if part.strip())


def _service_translator(language: str) -> Callable[[str], str]:
    @lru_cache(maxsize=1024)
    def translate(value: str) -> str:
        names = []
        for part in value.split(";"):
            key = part.strip()
            if not key:
                continue
            names.append(t(f"map.service.{key}", language) if key in SERVICE_KEYS else key)
        return ", ".join(names)

    return translate


# ---------------------------------------------------------------------------
# Serialisation


def script_json(value: Any, *, has_objects: bool = True) -> str:
    """Serialise ``value`` as a JavaScript literal safe inside ``<script>``.

    ``<``, ``>``, ``&``, U+2028 and U+2029 become ``\\uXXXX`` escapes, so no
    text can close the script, open an HTML comment or end a JS line; ``{``
    and ``}`` inside strings are escaped too, so folium's Jinja re-parse
    never sees ``{{``, ``{%`` or ``{#``. ``has_objects=False`` promises that
    ``value`` holds only lists and scalars; then every brace is inside a
    string and the fast whole-text replacement is used.

    >>> script_json(["</script>{{x}}"], has_objects=False)
    '["\\\\u003c/script\\\\u003e\\\\u007b\\\\u007bx\\\\u007d\\\\u007d"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    if "{" not in text and "}" not in text:
        return text
    if has_objects:
        return _JSON_STRING.sub(_escape_braces, text)
    return _escape_braces_in(text)


def _escape_braces(match: re.Match[str]) -> str:
    return _escape_braces_in(match.group(0))


def _escape_braces_in(text: str) -> str:
    return text.replace("{", "\\u007b").replace("}", "\\u007d")


def _html_text(text: str) -> str:
    """Escape trusted text for an HTML text node that folium will not escape."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
    )


def _inline_tag(tag: str, code: str) -> str:
    """Wrap vendored code in ``<script>``/``<style>`` so it cannot end the tag early."""
    # "</" is "<\/" to JavaScript strings and regular expressions alike;
    # in CSS, "\/" is an escaped "/".
    closing = re.compile(rf"</(?={tag})", re.IGNORECASE)
    code = closing.sub(r"<\\/", code).replace("<!--", "<\\!--")
    return f"<{tag}>\n{code}\n</{tag}>"


@lru_cache(maxsize=1)
def _read_assets() -> str:
    """Leaflet, Leaflet.markercluster and the map's own code as inline ``<style>``/``<script>`` tags."""
    styles = [LEAFLET_CSS, *MARKERCLUSTER_CSS, MAP_CSS]
    scripts = [LEAFLET_JS, MARKERCLUSTER_JS, MAP_JS]
    parts = [_inline_tag("style", _read_static(path)) for path in styles]
    parts += [_inline_tag("script", _read_static(path)) for path in scripts]
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _read_outlines() -> Any:
    return json.loads(_read_static(COUNTRY_OUTLINES))


def _read_static(relative_path: str) -> str:
    path = STATIC_DIR / relative_path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError("missing_asset", path=relative_path, folder=STATIC_DIR) from error


# ---------------------------------------------------------------------------
# Folium elements


class _Raw(Element):
    """Text emitted as it is, never compiled as a Jinja template."""

    _template = jinja2.Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class _SafeMacroElement(MacroElement):
    """A MacroElement whose rendered macros are not parsed as templates again.

    branca's ``MacroElement.render`` wraps each macro's output in
    ``Element(output)``, which compiles it as a new Jinja template; data in
    that output would then be evaluated on the server. streamlit-folium
    calls the ``script`` macro directly and never does that second pass.
    """

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("This map element can only be rendered inside a folium Figure.")
        module = self._template.module
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = getattr(module, part, None)
            if macro is not None:
                target.add_child(_Raw(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
        return ""


class _InlineAssets(_SafeMacroElement):
    """Leaflet and Leaflet.markercluster inlined in the page header."""

    _template = jinja2.Template("{% macro header(this, kwargs) %}{{ this.assets }}{% endmacro %}")

    def __init__(self, assets: str) -> None:
        super().__init__()
        self._name = "InlineAssets"
        self.assets = assets


class _CountryOutlines(_SafeMacroElement):
    """Country shapes under the tiles, fetched from ``url`` or given inline."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}\n"
        "partnerDirectoryMap.outlines({{ this._parent.get_name() }}, {{ this.options_json }});\n"
        "{% endmacro %}"
    )

    def __init__(self, *, url: str, geojson: Any | None, fine_url: str | None = None) -> None:
        super().__init__()
        self._name = "CountryOutlines"
        self.options_json = script_json(
            {
                "url": url,
                "geojson": geojson,
                "fineUrl": fine_url,
                "fineMinZoom": FINE_OUTLINES_MIN_ZOOM,
                "style": OUTLINE_STYLE,
            }
        )


class _Tiles(_SafeMacroElement):
    """The tile layer, as Leaflet takes it.

    Not folium's ``TileLayer``: it looks every URL up among a thousand named
    providers (xyzservices), 4 % of a loaded server's time for one line of script.
    """

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}\n"
        "L.tileLayer({{ this.url_json }}, {{ this.options_json }}).addTo({{ this._parent.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self, tiles: TileConfig) -> None:
        super().__init__()
        self._name = "Tiles"
        self.url_json = script_json(tiles.url_template.strip())
        self.options_json = script_json({"attribution": tiles.attribution, "maxZoom": tiles.max_zoom})


class _PlaceLabels(_SafeMacroElement):
    """Names of places near the offices, under the tiles, shown from a zoom on."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}\n"
        "partnerDirectoryMap.labels({{ this._parent.get_name() }}, {{ this.labels_json }}, {{ this.options_json }});\n"
        "{% endmacro %}"
    )

    def __init__(self, places: Sequence[PlaceLabel]) -> None:
        super().__init__()
        self._name = "PlaceLabels"
        self.labels_json = script_json(place_label_rows(places), has_objects=False)
        self.options_json = script_json({"minZoom": LABELS_MIN_ZOOM})


class _OfficeMarkers(JSCSSMixin, _SafeMacroElement):
    """All offices as circle markers in one marker-cluster group."""

    _template = jinja2.Template(
        "{% macro header(this, kwargs) %}\n"
        "<style>\n"
        "html, body { margin: 0; overflow: hidden; }\n"
        "#{{ this._parent.get_name() }} { background: {{ this.sea_colour }}; }\n"
        "</style>\n"
        "{% endmacro %}\n"
        "{% macro html(this, kwargs) %}{% if this.data_json is not none %}"
        '<script type="application/json" id="{{ this.data_id }}">{{ this.data_json }}</script>'
        "{% endif %}{% endmacro %}\n"
        "{% macro script(this, kwargs) %}\n"
        "var {{ this.get_name() }} = partnerDirectoryMap.offices(\n"
        "    {{ this._parent.get_name() }},\n"
        "    {{ this.source_json }},\n"
        "    {{ this.options_json }}\n"
        ");\n"
        "{% endmacro %}"
    )

    def __init__(
        self,
        data: OfficeData,
        *,
        language: str,
        asset_base_url: str | None,
        selected_id: str | None = None,
        selection_parameter: str | None = None,
    ) -> None:
        super().__init__()
        self._name = "OfficeMarkers"
        self._bounds = data.bounds
        self.sea_colour = SEA_COLOUR
        # The offices travel in a JSON element of the map's HTML, or in a file the
        # browser fetches once, named by their fingerprint: the script stays a few
        # hundred bytes (streamlit-folium scans and hashes the script on every rerun)
        # yet changes with what is shown, which makes streamlit-folium show a new map.
        self.data_json = data.json
        self.data_id = data.id
        source: dict[str, Any] = {"id": data.id}
        if data.json is None:
            if data.url is None or asset_base_url is None:
                raise ValueError("office data needs either its JSON or a URL under the served static folder")
            source |= {"url": asset_base_url + data.url, "shown": data.shown}
        self.source_json = script_json(source)
        self.options_json = script_json(
            {
                "fields": list(ROW_FIELDS),
                "language": language,
                "selected": None if selected_id is None else str(selected_id),
                "selectionParameter": selection_parameter,
                "labels": {name: t(key, language) for name, key in _LABEL_KEYS.items()},
                "clusterLabels": {category: t(key, language) for category, key in _CLUSTER_LABEL_KEYS.items()},
                "styles": MARKER_STYLES,
                "cluster": CLUSTER_OPTIONS,
                "flags": {
                    "precisionMask": FLAG_PRECISION_MASK,
                    "websiteLink": FLAG_WEBSITE_LINK,
                    "websiteAddScheme": FLAG_WEBSITE_ADD_SCHEME,
                    "emailLink": FLAG_EMAIL_LINK,
                },
                "precision": {"city": PRECISION_CODES["city"], "country": PRECISION_CODES["country"]},
            }
        )
        # Per instance, so other maps keep folium's class-wide lists untouched.
        if asset_base_url is None:
            self.default_js = []
            self.default_css = []
        else:
            self.default_js = [("markerclusterjs", asset_base_url + MARKERCLUSTER_JS)]
            self.default_css = [
                (f"markercluster_css_{index}", asset_base_url + path) for index, path in enumerate(MARKERCLUSTER_CSS)
            ]

    def _get_self_bounds(self) -> list[list[float | None]]:
        if self._bounds is None:
            return [[None, None], [None, None]]
        return [list(corner) for corner in self._bounds]
