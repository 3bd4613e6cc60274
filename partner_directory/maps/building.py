"""The offices map: build it for streamlit-folium, or as one self-contained HTML page.

``build_map`` turns a frame of offices into a :class:`folium.Map` for
streamlit-folium's ``st_folium``; ``render_standalone_html`` turns it into one
self-contained HTML page. Both load only Leaflet and supercluster,
vendored under ``static/`` (:mod:`~partner_directory.maps.assets`); nothing
but map tiles comes from the internet, and a bundled country-outline layer
lies under the tiles, so the map still shows the world when no tile server
answers.

The offices travel as one compact JSON array read by the map's own code,
``static/map/offices.js`` (loaded once by URL and cached by the browser,
inlined only in the standalone page): :mod:`~partner_directory.maps.rows`.
The folium elements that call that code are in
:mod:`~partner_directory.maps.elements`; a click is mapped back to a partner by
:mod:`~partner_directory.maps.clicks`. 10,000 offices build and render in about
0.06 s into 1.6 MB of HTML (``bench/bench_map.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import folium
import pandas as pd
from branca.element import Figure

from partner_directory.errors import ConfigurationError
from partner_directory.i18n import normalise_language, t
from partner_directory.links import is_page_resource
from partner_directory.maps.assets import (
    COUNTRY_OUTLINES,
    DEFAULT_ASSET_BASE_URL,
    FINE_COUNTRY_OUTLINES,
    LEAFLET_CSS,
    LEAFLET_JS,
    MAP_CSS,
    MAP_JS,
    inlined_assets,
    inlined_outlines,
    map_bundle,
    prefetch_url,
)
from partner_directory.maps.elements import (
    OPENSTREETMAP,
    CountryOutlines,
    InlineAssets,
    OfficeMarkers,
    PlaceLabels,
    TileConfig,
    Tiles,
    has_template_syntax,
)
from partner_directory.maps.rows import (
    LABELS_MIN_ZOOM,
    OfficeData,
    PlaceLabel,
    office_data,
    place_label_rows,
    script_json,
)

# The view for a map without offices: the whole inhabited world.
DEFAULT_CENTER: Final = (20.0, 10.0)
DEFAULT_ZOOM: Final = 2
MIN_ZOOM: Final = 1
# Fitting the bounds of a single office must not zoom to street level.
FIT_MAX_ZOOM: Final = 12
FIT_PADDING_PIXELS: Final = (24, 24)
# The clusters are built down to the map's maximum zoom, which must be finite even without tiles.
NO_TILES_MAX_ZOOM: Final = 18
# A JavaScript name or a dotted path of names (``window.map``): what a search script may call the map.
_SCRIPT_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*")


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
        inline_assets: put Leaflet, supercluster and the outlines
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
    read through ``selection_parameter`` does not. A map of every office of a
    published list's file can stay mounted across searches: each shows its rows
    through :func:`search_script`.

    Raises :class:`~partner_directory.errors.ConfigurationError` when
    ``inline_assets`` is set but ``static/`` has not been vendored, or when
    ``asset_base_url`` is not an address a page may load from
    (:func:`~partner_directory.links.is_page_resource`: http(s) or a path, without
    spaces, quotes or angle brackets).

    >>> import pandas as pd
    >>> m = build_map(pd.DataFrame(), tiles=None)
    >>> m.get_bounds()
    [[None, None], [None, None]]
    """
    language = normalise_language(language)
    if not is_page_resource(asset_base_url) or has_template_syntax(asset_base_url):
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
        fmap.add_child(InlineAssets(inlined_assets()))
    else:
        fmap.default_js = _scripts(base_url, offices)
        fmap.default_css = [("leaflet_css", base_url + LEAFLET_CSS), ("partner_directory_map_css", base_url + MAP_CSS)]

    fmap.add_child(
        CountryOutlines(
            url=base_url + COUNTRY_OUTLINES,
            geojson=inlined_outlines() if inline_assets else None,
            fine_url=None if inline_assets else base_url + FINE_COUNTRY_OUTLINES,
        )
    )
    if place_labels:
        fmap.add_child(PlaceLabels(place_labels))
    if tile_config is not None:
        fmap.add_child(Tiles(tile_config))

    data = offices if isinstance(offices, OfficeData) else office_data(offices, language=language)
    if inline_assets and data.json is None:
        raise ValueError("the standalone page carries its offices inside: give it office_data(), not a file")
    bounds = data.bounds
    fmap.add_child(
        OfficeMarkers(
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


def _scripts(base_url: str, offices: pd.DataFrame | OfficeData) -> list[tuple[str, str]]:
    """The map page's scripts, in order: the prefetch of the first view's files, then the map's code.

    The code is one file (:func:`~partner_directory.maps.assets.map_bundle`), or Leaflet and
    ``offices.js`` where it cannot be written (supercluster then comes beside the offices).
    streamlit-folium loads them one after the other; the offices' points and the outlines
    arrive meanwhile (``static/map/prefetch.js``) instead of after them.
    """
    first_view = [base_url + COUNTRY_OUTLINES]
    if isinstance(offices, OfficeData) and offices.url is not None:
        first_view.insert(0, base_url + offices.url)
    bundle = map_bundle()
    code = (
        [("partner_directory_map", base_url + bundle)]
        if bundle is not None
        else [("leaflet", base_url + LEAFLET_JS), ("partner_directory_map", base_url + MAP_JS)]
    )
    return [("partner_directory_prefetch", prefetch_url(base_url, first_view)), *code]


def render_standalone_html(
    offices: pd.DataFrame,
    *,
    language: str = "en",
    tiles: TileConfig | None = OPENSTREETMAP,
    selected_id: str | None = None,
) -> str:
    """Return one self-contained HTML page showing ``offices`` on a map.

    Leaflet, supercluster and the country outlines are inlined; only
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


def _html_text(text: str) -> str:
    """Escape trusted text for an HTML text node that folium will not escape."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
    )


def search_script(map_name: str, found: OfficeData, *, place_labels: Sequence[PlaceLabel] = ()) -> str:
    """The script that shows a search on a map already mounted, instead of a new map.

    The mounted map is :func:`build_map` of the whole file that ``found`` is a
    view of (``OfficeFile.view``: every row, no labels); the script tells it
    which rows ``found`` shows (its bitmap), fits the view to them (or shows the
    world when there are none) and names ``place_labels``, as a map built for
    ``found`` alone would. The offices' layers are clustered again in the
    browser; nothing is fetched and no frame is made. ``map_name`` is the map's
    JavaScript variable (``window.map``: streamlit-folium's name for it).

    Raises ``ValueError`` for offices inside the page (``office_data``: their
    rows are not those of a mounted map) or a ``map_name`` that is not a name.

    >>> from partner_directory.maps.rows import OfficeData
    >>> search_script("window.map", OfficeData("x", None, url="offices/a.json", shown="AA=="))[:40]
    'partnerDirectoryMap.search(window.map, {'
    """
    if found.url is None:
        raise ValueError("only offices from a file can be shown on a mounted map")
    if not _SCRIPT_NAME.fullmatch(map_name):
        raise ValueError(f"not a JavaScript name: {map_name!r}")
    change = {
        "shown": found.shown,
        "bounds": found.bounds,
        "padding": list(FIT_PADDING_PIXELS),
        "maxZoom": FIT_MAX_ZOOM,
        "center": list(DEFAULT_CENTER),
        "zoom": DEFAULT_ZOOM,
    }
    return (
        f"partnerDirectoryMap.search({map_name}, {script_json(change)}, "
        f"{script_json(place_label_rows(place_labels), has_objects=False)}, "
        f"{script_json({'minZoom': LABELS_MIN_ZOOM})});\n"
    )
