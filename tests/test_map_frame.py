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
