"""The map's vendored files under ``static/``: where they lie, where a page finds them, and inlining them.

Leaflet, supercluster, the country outlines and the map's own code
(``static/map/offices.js`` and ``offices.css``) are vendored under ``static/``
by ``scripts/vendor_static.sh``. Streamlit serves that folder at
:data:`DEFAULT_ASSET_BASE_URL` (``server.enableStaticServing``), and so does
``scripts/serve.py``'s nginx; the standalone page inlines them instead.

The app's map loads its code as one file, :func:`map_bundle` (Leaflet, supercluster and
``offices.js`` joined, written once under :data:`WRITTEN_DIR`, named by its content):
streamlit-folium loads a map's scripts one after the other, each waiting for the one
before, and one file is one wait. Before it, :data:`PREFETCH_JS` starts fetching the
files the map's first view needs (the offices' points, the country outlines), so that
they arrive while the code does.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from partner_directory.config import PROJECT_ROOT
from partner_directory.errors import ConfigurationError
from partner_directory.sheet.export import write_atomically

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

WRITTEN_DIR: Final = STATIC_DIR / "offices"
"""Where the app writes files named by their content (the map's offices, its code in one file): served at
``/app/static/offices/`` (by ``scripts/serve.py``'s nginx with ``expires max``), not in git."""
#: The map's code in the order the page needs it, joined into one file by :func:`map_bundle`.
BUNDLED_SCRIPTS: Final = (LEAFLET_JS, SUPERCLUSTER_JS, MAP_JS)
#: Loaded before the map's code: fetches the files named in its address (``?file=…``), see :func:`prefetch_url`.
PREFETCH_JS: Final = "map/prefetch.js"


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


@lru_cache(maxsize=1)
def _bundle() -> tuple[str, str]:
    """The bundle's name under ``static/`` and its text."""
    # A line break and a semicolon between files: each is a complete script, and none may run into the next.
    text = "\n;\n".join(_read_static(path).rstrip() for path in BUNDLED_SCRIPTS) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    return f"map-{digest}.js", text


def map_bundle(folder: Path = WRITTEN_DIR) -> str | None:
    """The map's code as one file (:data:`BUNDLED_SCRIPTS` joined), written into ``folder`` unless it is there.

    Returns the file's path under ``static/`` (``offices/map-<fingerprint>.js``), or ``None``
    when ``static/`` has not been vendored or ``folder`` cannot be written (a read-only
    install): the page then loads the vendored files one by one.
    """
    try:
        name, text = _bundle()
        path = Path(folder) / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, text.encode("utf-8"))
    except (ConfigurationError, OSError):
        return None
    return path.relative_to(STATIC_DIR).as_posix() if path.is_relative_to(STATIC_DIR) else f"offices/{name}"


def prefetch_url(base_url: str, files: list[str]) -> str:
    """The address of :data:`PREFETCH_JS` that fetches ``files`` (addresses the page may load) as soon as it runs.

    >>> prefetch_url("/app/static/", ["/app/static/offices/offices-1.json"])
    '/app/static/map/prefetch.js?file=%2Fapp%2Fstatic%2Foffices%2Foffices-1.json'
    """
    return base_url + PREFETCH_JS + "?" + urlencode([("file", file) for file in files])


def _read_static(relative_path: str) -> str:
    path = STATIC_DIR / relative_path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError("missing_asset", path=relative_path, folder=STATIC_DIR) from error
