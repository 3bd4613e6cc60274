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
