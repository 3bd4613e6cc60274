"""The map's folium elements: tiles, inlined assets, country outlines, place labels and the office markers.

Each element writes a line or two of script that calls the map's own code
(``partnerDirectoryMap.offices/outlines/labels`` in ``static/map/offices.js``)
with data serialised by :func:`~partner_directory.maps.rows.script_json`, so
each rerun sends data and calls, not code.

* Every element renders its macros once, as they are (:class:`_SafeMacroElement`):
  branca would compile each macro's output as a new Jinja template, and data in
  it would then be evaluated on the server.
* Folium's own ``Popup``, ``Tooltip`` and ``FastMarkerCluster`` are not used
  for office data: they neither escape HTML nor protect against the template
  re-parse. Never put office text into a tooltip: streamlit-folium reads
  tooltips through ``innerHTML``.
* The map must never scroll the app's page. streamlit-folium's frame is a
  little shorter than its document, and Leaflet focuses the map on mousedown;
  with the map partly out of the window the page then jumped under the mouse
  and the click was lost. The frame's page cannot scroll (``overflow:
  hidden``) and the map's container focuses with ``preventScroll``.
* Without tiles the map still says where it is: 1:110m country outlines, the
  1:50m ones once zoomed in (app only, fetched once), and, when given, place
  labels -- city names under the tile pane, so tiles cover them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import jinja2
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin

from partner_directory.errors import ConfigurationError
from partner_directory.i18n import t
from partner_directory.links import is_page_resource
from partner_directory.maps.assets import SUPERCLUSTER_JS
from partner_directory.maps.rows import (
    LABELS_MIN_ZOOM,
    ROW_FIELDS,
    SCRIPT_FLAGS,
    SCRIPT_PRECISIONS,
    OfficeData,
    PlaceLabel,
    place_label_rows,
    script_json,
)

# Finer country outlines are fetched by the app's map only when zoomed in this far.
FINE_OUTLINES_MIN_ZOOM: Final = 4

LABEL_KEYS: Final = {
    "approximate": "map.approximate",
    "approximateCity": "map.approximate.city",
    "approximateCountry": "map.approximate.country",
    "approximatePostal": "map.approximate.postal",
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
CLUSTER_LABEL_KEYS: Final = {category: f"map.cluster.{category}" for category in ("one", "few", "many", "other")}

# Marker looks, passed to Leaflet's circleMarker. The radius stays at most 10
# pixels: Leaflet then reports a click at the marker's own position rather
# than at the mouse, which :func:`~partner_directory.maps.clicks.clicked_partner_id`
# relies on.
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


def has_template_syntax(text: str) -> bool:
    """Whether ``text`` holds Jinja syntax (``{{``, ``{%``, ``{#``), which folium would evaluate on the server."""
    return any(delimiter in text for delimiter in _JINJA_DELIMITERS)


@dataclass(frozen=True)
class TileConfig:
    """Where map tiles come from.

    ``url_template`` is a Leaflet tile URL such as
    ``https://tile.example.org/{z}/{x}/{y}.png`` or a path on the app's own
    server (``/tiles/{z}/{x}/{y}.png``); an empty template means no tiles.
    ``attribution`` is trusted HTML shown in the map corner, as the tile
    provider requires. ``max_zoom`` is the deepest zoom the tiles offer.

    Raises :class:`~partner_directory.errors.ConfigurationError` for a
    template that is neither http(s) nor a path (:func:`~partner_directory.links.is_page_resource`),
    or for template syntax
    (``{{``, ``{%``, ``{#``) in either text.
    """

    url_template: str
    attribution: str
    max_zoom: int = 19

    def __post_init__(self) -> None:
        url = self.url_template.strip()
        if url and not is_page_resource(url):
            raise ConfigurationError("tile_url", value=self.url_template)
        if url and not self.attribution.strip():
            raise ConfigurationError("tile_attribution")
        for text in (self.url_template, self.attribution):
            if has_template_syntax(text):
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


class InlineAssets(_SafeMacroElement):
    """Leaflet, supercluster and the map's own code inlined in the page header."""

    _template = jinja2.Template("{% macro header(this, kwargs) %}{{ this.assets }}{% endmacro %}")

    def __init__(self, assets: str) -> None:
        super().__init__()
        self._name = "InlineAssets"
        self.assets = assets


class CountryOutlines(_SafeMacroElement):
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


class Tiles(_SafeMacroElement):
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


class PlaceLabels(_SafeMacroElement):
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


class OfficeMarkers(JSCSSMixin, _SafeMacroElement):
    """The offices: clusters (supercluster) and circle markers, only those in view drawn."""

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
            if data.texts_url is not None:
                source["texts"] = asset_base_url + data.texts_url
        self.source_json = script_json(source)
        self.options_json = script_json(
            {
                "fields": list(ROW_FIELDS),
                "language": language,
                "selected": None if selected_id is None else str(selected_id),
                "selectionParameter": selection_parameter,
                "labels": {name: t(key, language) for name, key in LABEL_KEYS.items()},
                "clusterLabels": {category: t(key, language) for category, key in CLUSTER_LABEL_KEYS.items()},
                "styles": MARKER_STYLES,
                "cluster": CLUSTER_OPTIONS,
                "flags": SCRIPT_FLAGS,
                "precision": SCRIPT_PRECISIONS,
                # Fetched by the map's code beside the offices' points (inlined in the standalone page).
                "superclusterUrl": None if asset_base_url is None else asset_base_url + SUPERCLUSTER_JS,
            }
        )
        # Per instance, so other maps keep folium's class-wide lists untouched.
        self.default_js = []
        self.default_css = []

    def _get_self_bounds(self) -> list[list[float | None]]:
        if self._bounds is None:
            return [[None, None], [None, None]]
        return [list(corner) for corner in self._bounds]
