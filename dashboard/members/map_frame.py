"""The members' map as streamlit-folium sends it, made once per published list and language, then only sent.

``st_folium`` builds and renders the whole folium map at every call: two dozen
elements, each with a new random id and a jinja template compiled for it, then
rendered to a script, a header and HTML -- about a third of a rerun of the
members' page at 10,000 offices. What it sends to its frontend depends only on
the map, so :func:`prepare` does that work once, and :meth:`MapFrame.draw`
sends the same arguments every rerun.

A search does not mount a new map. streamlit-folium keys its frame by a hash
of the script; a map whose script is the same for every search (the whole
published list's file) keeps its frame, its Leaflet and its clustered points,
and the search reaches it as ``update``, a short script (partner_directory's
``search_script``) sent as streamlit-folium's ``feature_group`` argument, which
its frontend evaluates in the mounted map whenever it changes (and once after
mounting). Nothing else of the frame is touched: no feature group or layer
control is registered with streamlit-folium, so it removes nothing. While the
frame mounts, its frontend ignores new arguments; Streamlit sends them again
once it is mounted (``tests/test_map_search_browser.py`` holds the frame's
scripts back while a search is made).

This reaches into streamlit-folium (0.27.x, pinned in ``requirements.txt``): its
component function and the helpers ``st_folium`` itself calls. ``tests/test_map_frame.py``
compares what :meth:`MapFrame.draw` sends with what ``st_folium`` sends for the
same map, so an upgrade that changes either fails there.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium

#: The mounted map in streamlit-folium's frame, as an ``update`` script names it (its frontend sets it).
MOUNTED_MAP = "window.map"

#: What ``st_folium`` reports before any interaction, for the objects the page asks for.
_DEFAULTS: Mapping[str, Any] = {
    "last_clicked": None,
    "last_object_clicked": None,
    "last_object_clicked_count": None,
    "last_object_clicked_tooltip": None,
    "last_object_clicked_popup": None,
}


@dataclass(frozen=True)
class MapFrame:
    """Everything ``st_folium`` would send for one map: its script, header, HTML and assets."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float | None]]
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]

    def draw(
        self,
        *,
        key: str,
        height: int,
        returned_objects: Sequence[str],
        update: str | None = None,
    ) -> Any:
        """Send the map as ``st_folium(map, key=key, height=height, use_container_width=True, returned_objects=…)``.

        ``update``, a script run in the mounted map (naming it :data:`MOUNTED_MAP`)
        once it is mounted and again whenever it changes; the frame stays as long as
        the map's script does.
        """
        returned = list(returned_objects)
        everything = {**_DEFAULTS, "bounds": self.bounds, "zoom": self.zoom}
        component_key = _component_key(self.script, key)

        def on_change() -> None:  # as st_folium's: the page's key holds the component's last report
            st.session_state[key] = st.session_state.get(component_key, {})

        # Private: st_folium's component function, called with the arguments st_folium itself passes.
        return streamlit_folium._component_func(
            script=self.script,
            header=self.header,
            html=self.html,
            id=self.map_id,
            key=component_key,
            height=height,
            width=None,
            returned_objects=returned,
            default={name: value for name, value in everything.items() if name in returned},
            zoom=None,
            center=None,
            # Private use: the frontend evaluates a changed feature_group in the mounted map (0.27.x).
            feature_group=update,
            return_on_hover=False,
            layer_control=None,
            pixelated=False,
            css_links=list(self.css_links),
            js_links=list(self.js_links),
            on_change=on_change,
            wrap_longitude=False,
        )


@functools.lru_cache(maxsize=64)
def _component_key(script: str, key: str) -> str:
    # st_folium's key for the component: a hash of the whole script after a few regular expressions, per call.
    return streamlit_folium.generate_js_hash(script, key, False)


def _bounds(the_map: folium.Map) -> dict[str, dict[str, float | None]]:
    southwest, northeast = the_map.get_bounds()
    return {
        "_southWest": {"lat": southwest[0], "lng": southwest[1]},
        "_northEast": {"lat": northeast[0], "lng": northeast[1]},
    }


def _assets(the_map: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    css: list[str] = []
    js: list[str] = []
    stack: list[Any] = [the_map]
    while stack:  # depth first, children in order, as st_folium walks them
        element = stack.pop()
        if isinstance(element, folium.elements.JSCSSMixin):
            css.extend(href for _, href in getattr(element, "default_css", []))
            js.extend(src for _, src in getattr(element, "default_js", []))
        stack.extend(reversed(list(getattr(element, "_children", {}).values())))
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def prepare(the_map: folium.Map) -> MapFrame:
    """Render ``the_map`` once, as ``st_folium`` does at each call (the map is changed by it: use it only here)."""
    # Private: the helpers st_folium calls, in its order (the script's renaming changes the map's elements).
    the_map.get_root().render()
    the_map.render()
    html = streamlit_folium._get_html(the_map)
    header = streamlit_folium._get_header(the_map)
    script = streamlit_folium._get_map_string(the_map)
    map_id = streamlit_folium.get_full_id(the_map)
    css, js = _assets(the_map)
    return MapFrame(
        script=script,
        header=header,
        html=html,
        map_id=map_id,
        bounds=_bounds(the_map),
        zoom=the_map.options.get("zoom"),
        css_links=css,
        js_links=js,
    )
