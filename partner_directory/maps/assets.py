"""The map's vendored files under ``static/``: where they lie, where a page finds them, and inlining them.

Leaflet, supercluster, the country outlines and the map's own code
(``static/map/offices.js`` and ``offices.css``) are vendored under ``static/``
by ``scripts/vendor_static.sh``. Streamlit serves that folder at
:data:`DEFAULT_ASSET_BASE_URL` (``server.enableStaticServing``), and so does
``scripts/serve.py``'s nginx; the standalone page inlines them instead.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Final

from partner_directory.config import PROJECT_ROOT
from partner_directory.errors import ConfigurationError

STATIC_DIR: Final = PROJECT_ROOT / "static"
"""Project folder that Streamlit serves at ``/app/static/``."""

DEFAULT_ASSET_BASE_URL: Final = "/app/static/"

LEAFLET_JS: Final = "leaflet/leaflet.js"
LEAFLET_CSS: Final = "leaflet/leaflet.css"
# Clusters by a KD-tree per zoom level (supercluster, with kdbush inside): the map draws only what is in view.
SUPERCLUSTER_JS: Final = "supercluster/supercluster.min.js"
# The directory's own map code and style: loaded by URL (cached by the browser), inlined
# only in the standalone page. They define ``partnerDirectoryMap.offices/outlines/labels``.
MAP_JS: Final = "map/offices.js"
MAP_CSS: Final = "map/offices.css"
COUNTRY_OUTLINES: Final = "world/countries-110m.geojson"
# Finer outlines, fetched by the app's map only once zoomed in (the standalone
# page keeps the coarse ones inline, to stay small).
FINE_COUNTRY_OUTLINES: Final = "world/countries-50m.geojson"


def _inline_tag(tag: str, code: str) -> str:
    """Wrap vendored code in ``<script>``/``<style>`` so it cannot end the tag early."""
    # "</" is "<\/" to JavaScript strings and regular expressions alike;
    # in CSS, "\/" is an escaped "/".
    closing = re.compile(rf"</(?={tag})", re.IGNORECASE)
    code = closing.sub(r"<\\/", code).replace("<!--", "<\\!--")
    return f"<{tag}>\n{code}\n</{tag}>"


@lru_cache(maxsize=1)
def inlined_assets() -> str:
    """Leaflet, supercluster and the map's own code as inline ``<style>``/``<script>`` tags.

    Raises :class:`~partner_directory.errors.ConfigurationError` when ``static/`` has not been vendored.
    """
    styles = [LEAFLET_CSS, MAP_CSS]
    scripts = [LEAFLET_JS, SUPERCLUSTER_JS, MAP_JS]
    parts = [_inline_tag("style", _read_static(path)) for path in styles]
    parts += [_inline_tag("script", _read_static(path)) for path in scripts]
    return "\n".join(parts)


@lru_cache(maxsize=1)
def inlined_outlines() -> Any:
    """The coarse country outlines (GeoJSON), for a page that carries them inside."""
    return json.loads(_read_static(COUNTRY_OUTLINES))


def _read_static(relative_path: str) -> str:
    path = STATIC_DIR / relative_path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError("missing_asset", path=relative_path, folder=STATIC_DIR) from error
