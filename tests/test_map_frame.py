"""The members' map made once per search sends exactly what ``st_folium`` sends for the same map.

``dashboard.members.map_frame`` does ``st_folium``'s work once and then only
sends; this compares the two, argument by argument, for maps of the demo
offices, so that a streamlit-folium upgrade that changes either fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import streamlit_folium

from dashboard.members import map_frame
from partner_directory.maps.building import build_map
from partner_directory.maps.clicks import CLICK_RETURNED_OBJECTS
from partner_directory.maps.elements import TileConfig
from partner_directory.publication.published import load_directory

#: folium's random element ids (hex), which differ between two builds of one map.
_RANDOM_ID = re.compile(r"[0-9a-f]{32}")


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return _RANDOM_ID.sub("ID", value)
    if isinstance(value, dict):
        return {name: _normalised(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(item) for item in value]
    return value


@pytest.fixture(scope="module")
def offices(tmp_path_factory):
    from tests.conftest import ROOT

    table = load_directory(
        ROOT / "data" / "partners.csv", cache_path=tmp_path_factory.mktemp("frame") / "g.sqlite"
    ).table
    return table.assign(latitude=table["lat"], longitude=table["lon"], country_name=table["country"])


@pytest.mark.parametrize("tiles", [None, TileConfig("https://tiles.example.org/{z}/{x}/{y}.png", "© Example")])
@pytest.mark.parametrize("rows", [slice(None), slice(0, 3), slice(0, 0)])
def test_the_prepared_map_sends_what_st_folium_sends(monkeypatch, offices, tiles, rows):
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **arguments: sent.append(arguments) or {})

    def the_map():
        return build_map(offices.iloc[rows], language="pl", tiles=tiles, selection_parameter="partner")

    streamlit_folium.st_folium(
        the_map(), key="map", height=480, use_container_width=True, returned_objects=list(CLICK_RETURNED_OBJECTS)
    )
    map_frame.prepare(the_map()).draw(key="map", height=480, returned_objects=CLICK_RETURNED_OBJECTS)
    by_st_folium, by_frame = sent
    assert set(by_frame) == set(by_st_folium)
    for name in by_st_folium:
        if name == "on_change":
            continue
        assert _normalised(by_frame[name]) == _normalised(by_st_folium[name]), name
    assert len(by_frame["script"]) > 1000


# -- a search on the mounted map ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def office_file(offices, tmp_path_factory):
    from partner_directory.maps.office_file import write_office_file

    return write_office_file(offices, language="en", folder=tmp_path_factory.mktemp("static") / "offices")


def _whole_map(office_file, offices):
    import numpy as np

    return build_map(
        office_file.view(np.arange(len(offices))), language="en", tiles=None, selection_parameter="partner"
    )


def test_a_search_is_sent_as_the_feature_group_of_the_same_map_under_the_same_key(monkeypatch, offices, office_file):
    """Two searches send the same map (so streamlit-folium keeps its frame), each with its own update."""
    from partner_directory.maps.building import search_script

    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **arguments: sent.append(arguments) or {})
    updates = [search_script(map_frame.MOUNTED_MAP, office_file.view(positions)) for positions in ([0, 1, 2], [5], [])]
    assert len(set(updates)) == 3
    for update in updates:
        # Built anew each time, as after the cache forgot it: folium's random ids must not change the key.
        map_frame.prepare(_whole_map(office_file, offices)).draw(
            key="map", height=480, returned_objects=CLICK_RETURNED_OBJECTS, update=update
        )
    assert [arguments["feature_group"] for arguments in sent] == updates
    assert len({arguments["key"] for arguments in sent}) == 1
    for arguments in sent[1:]:
        for name in ("html", "header", "css_links", "js_links", "default", "layer_control", "height"):
            assert arguments[name] == sent[0][name], name
    # Without an update: no feature group, as st_folium sends it.
    map_frame.prepare(_whole_map(office_file, offices)).draw(
        key="map", height=480, returned_objects=CLICK_RETURNED_OBJECTS
    )
    assert sent[-1]["feature_group"] is None


def test_the_search_script_names_the_rows_the_view_and_the_places_safely(office_file):
    from types import SimpleNamespace

    from partner_directory.maps.building import FIT_MAX_ZOOM, search_script
    from partner_directory.maps.rows import office_data

    found = office_file.view([0, 3])
    place = SimpleNamespace(name="</script><b>{{x}}", latitude=52.2, longitude=21.0, population=1_800_000)
    script = search_script("window.map", found, place_labels=[place])
    assert script.startswith("partnerDirectoryMap.search(window.map, ") and script.endswith(");\n")
    assert "</script>" not in script and "<b>" not in script and "{{" not in script
    change, places, options = _arguments(script)
    assert change["shown"] == found.shown and change["bounds"] == found.bounds
    assert change["maxZoom"] == FIT_MAX_ZOOM
    assert places == [[52.2, 21.0, "</script><b>{{x}}", places[0][3]]]
    assert options["minZoom"] >= 1
    nothing, no_places, _ = _arguments(search_script("window.map", office_file.view([])))
    assert nothing["bounds"] is None and nothing["shown"] is not None and no_places == []
    with pytest.raises(ValueError):  # offices inside a page are not rows of a mounted map
        search_script("window.map", office_data(_three_offices()))
    for name in ("window.map;alert(1)", "", "1map", "a..b"):
        with pytest.raises(ValueError):
            search_script(name, found)


def _arguments(script: str) -> list[Any]:
    """The search script's arguments after the map's name (JSON: the script escapes, never adds, syntax)."""
    import json

    return json.loads("[" + script[len("partnerDirectoryMap.search(window.map, ") : -len(");\n")] + "]")


def _three_offices():
    import pandas as pd

    return pd.DataFrame(
        {
            "partner_id": ["a", "b", "c"],
            "partner_name": ["A", "B", "C"],
            "latitude": [52.2, 50.1, 54.4],
            "longitude": [21.0, 19.9, 18.6],
        }
    )
