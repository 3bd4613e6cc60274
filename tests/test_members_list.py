"""The members' list is taken from the published version's whole list, made once: the same table as made per search."""

from __future__ import annotations

import pytest

from dashboard.members.results import found_list, list_table
from partner_directory.publication.published import load_directory
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import SearchIndex, search


@pytest.fixture(scope="module")
def index(tmp_path_factory, root) -> SearchIndex:
    cache = tmp_path_factory.mktemp("list") / "geocache.sqlite"
    return SearchIndex.build(load_directory(root / "data" / "partners.csv", cache_path=cache).table)


@pytest.fixture(scope="module")
def root():
    from tests.conftest import ROOT

    return ROOT


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(),
        Criteria(text="robotics"),
        Criteria(countries=("PL",)),
        Criteria(near="Gdańsk", radius_km=300.0),
        Criteria(near="Berlin", radius_km=2000.0, services=("desk",)),
        Criteria(text="no such word anywhere"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "pl"])
def test_the_list_taken_from_the_whole_list_is_the_list_made_for_the_search(index, criteria, lang):
    result = search(index, criteria, language=lang)
    near = bool(criteria.near)
    expected = list_table(result.rows, lang, near=near)
    taken = found_list(("a version", False), result, lang, index, near=near)
    assert taken.column_names == expected.column_names
    assert taken.to_pylist() == expected.to_pylist()
    if near and result.offices:
        assert any(value for value in taken.column("distance").to_pylist())


def _partner_file(offices: int) -> bytes:
    import csv
    import io

    from bench.generate import HEADER, generate

    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    writer.writerows(generate(offices))
    return stream.getvalue().encode()


def test_a_long_list_shows_its_first_rows_and_says_so(monkeypatch, tmp_path):
    from partner_directory.search.criteria import LIST_MAX_ROWS
    from tests.apptest import app, prepare, texts

    prepare(monkeypatch, tmp_path, data=_partner_file(LIST_MAX_ROWS + 7))
    at = app().run()
    assert not at.exception
    listing = at.dataframe[0].value
    assert len(listing) == LIST_MAX_ROWS
    assert listing["partner"].iloc[0] == "Cluster 0 Robotics"  # the list's first rows, in the search's order
    said = texts(at)
    assert f"The list shows the first {LIST_MAX_ROWS} of {LIST_MAX_ROWS + 7} offices" in said
    # A search that lists everything says nothing about it.
    at.text_input(key="q").input("Cluster 5").run()
    assert len(at.dataframe[0].value) < LIST_MAX_ROWS
    assert "The list shows the first" not in texts(at)
    # A row of the list still opens its partner's card (the pick is by the listed partners).
    at.session_state["list"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.session_state["selected_partner"]


def test_the_sentence_is_polish_too():
    from partner_directory.i18n import tn

    assert tn("members_list.first_rows", 100_000, "pl", shown=1000).startswith(
        "Lista pokazuje pierwsze 1000 z 100000 biur;"
    )


def test_the_maps_place_names_are_for_the_offices_on_the_map_not_an_unplaced_offices_own_coordinates():
    """An office the map does not show (not placed) may still carry coordinate text, which the search
    reads for distances; the names the map puts around its offices come from the map's points only."""
    import math

    import pandas as pd

    from dashboard import data
    from dashboard.members.results import _map_points

    table = pd.DataFrame(
        {
            "partner_name": ["Baltic Robots", "Far Away Ltd"],
            "city": ["Gdańsk", "Porirua"],
            "country": ["PL", "NZ"],
            "lat": [54.35, float("nan")],
            "lon": [18.65, float("nan")],
            "latitude": ["54.35", "-41.13"],
            "longitude": ["18.65", "174.85"],
        }
    )
    index = SearchIndex.build(table)
    assert index.latitudes[1] == pytest.approx(-41.13)  # the search measures from it
    latitudes, longitudes = _map_points(index)
    assert latitudes[0] == pytest.approx(54.35) and math.isnan(latitudes[1]) and math.isnan(longitudes[1])
    names = {place.country for place in data.nearby_cities(latitudes, longitudes)}
    assert "PL" in names and "NZ" not in names
