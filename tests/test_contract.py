"""What a published row may hold: the contract validation owns and every reader relies on."""

from __future__ import annotations

import pandas as pd
import pytest

from partner_directory.publication.published import load_directory
from partner_directory.sheet.contract import PUBLISHED_VALUES, conform, offered_services, published_list
from partner_directory.sheet.schema import COLUMNS, LIST_COLUMNS, LIST_SEPARATORS, SERVICES, split_list


def test_every_column_of_a_published_row_is_described():
    assert set(PUBLISHED_VALUES) <= set(COLUMNS)
    machine_read = {"partner_id", "partner_name", "country", "latitude", "longitude", "contact_email", "website"}
    assert {*LIST_COLUMNS, *machine_read} <= set(PUBLISHED_VALUES)


@pytest.mark.parametrize("separator", LIST_SEPARATORS)
def test_every_separator_splits_every_list_field(separator):
    assert split_list(f"a{separator} b{separator}{separator}") == ["a", "b"]
    for column in LIST_COLUMNS:
        assert len(published_list(column, f"desk{separator}internet").items) == 2


@pytest.mark.parametrize("raw", ["biurko, internet", "desk; parking", "", None, float("nan"), "parking"])
def test_offered_services_are_only_keys_a_form_can_show(raw):
    offered = offered_services(raw)
    assert set(offered) <= set(SERVICES)
    assert list(offered) == sorted(offered, key=SERVICES.index)


def test_conform_drops_refused_items_and_leaves_a_conforming_table_alone():
    table = pd.DataFrame(
        {"services": ["desk; parking", "internet"], "sectors": ["AI", ""], "languages": ["pl", "en"]}, dtype=object
    )
    conformed = conform(table)
    assert list(conformed["services"]) == ["desk", "internet"]
    assert list(table["services"]) == ["desk; parking", "internet"]  # the given table is not changed
    assert conform(conformed) is conformed


def test_an_already_published_file_is_normalised_for_members(tmp_path):
    """A file published before the contract (commas, an unknown service) reaches no page as it was typed."""
    published = tmp_path / "partners.csv"
    published.write_text(
        "partner_id,partner_name,city,country,latitude,longitude,services,languages\n"
        'a,Klaster A,Gdańsk,PL,54.35,18.65,"biurko, internet","polski, angielski"\n'
        'b,Klaster B,Gdynia,PL,54.52,18.53,"sala spotkań, parking",en\n',
        encoding="utf-8",
    )
    directory = load_directory(published, cache_path=tmp_path / "geocache.sqlite")
    assert list(directory.table["services"]) == ["desk; internet", "meeting_room"]
    assert list(directory.table["languages"]) == ["pl; en", "en"]
    assert [(p.row, p.value) for p in directory.report.errors] == [(3, "parking")]
    for value in directory.table["services"]:
        assert set(split_list(value)) <= set(SERVICES)
