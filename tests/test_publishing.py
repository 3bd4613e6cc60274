"""The office's path as pure steps: upload or edit → check → compare → place → publish."""

from __future__ import annotations

import math

import pytest

from partner_directory.errors import InvalidValueError, UnreadableFileError
from partner_directory.gazetteer import default_gazetteer
from partner_directory.geocoding import Geocoder
from partner_directory.loading import load_bytes
from partner_directory.publishing import (
    apply_manual_coordinates,
    editable,
    geocode,
    needs_attention,
    prepare_edit,
    prepare_upload,
    publish,
    published_table,
    suggested_places,
)
from partner_directory.store import Store

PUBLISHED = (
    "partner_id,partner_name,city,country,latitude,longitude,geocode_source,geocode_precision,Notatki\r\n"
    "a,Alpha,Gdańsk,PL,54.35,18.65,manual,address,ręczne\r\n"
    "b,Beta,Kraków,PL,,,,,\r\n"
).encode()


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_bytes(PUBLISHED)
    return Store(path, history_dir=tmp_path / "history")


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder.offline(gazetteer=default_gazetteer())


def test_edit_in_place_validates_compares_and_publishes(store, geocoder):
    table, version = published_table(store)
    edited = editable(table)
    assert list(edited.columns)[-3:] == ["Notatki", "geocode_source", "geocode_precision"]
    edited.loc[1, "city"] = "Wrocław"
    edited.loc[len(edited)] = {
        **dict.fromkeys(edited.columns, ""),
        "partner_name": "Gamma",
        "city": "Sopot",
        "country": "Polska",
    }
    candidate = prepare_edit(edited, store)
    assert candidate.report.ok and candidate.base_version == version
    assert candidate.diff.counts() == (1, 1, 0)
    assert candidate.diff.changed[0].fields == {"city": ("Kraków", "Wrocław")}
    candidate = geocode(candidate, geocoder)
    placed = candidate.table.set_index("partner_id")
    assert placed.loc["a", "geocode_source"] == "manual"  # kept from then on
    assert placed.loc["b", "geocode_precision"] == "city"
    assert placed.loc["b", "lat"] == pytest.approx(51.1, abs=0.1)
    publish(candidate, store, author="anna")
    again, _ = published_table(store)
    assert list(again["partner_name"]) == ["Alpha", "Beta", "Gamma"]
    assert list(again["Notatki"]) == ["ręczne", "", ""]
    assert list(again["geocode_source"]) == ["manual", "gazetteer", "gazetteer"]


def test_an_edit_with_errors_cannot_be_published(store):
    table, _ = published_table(store)
    edited = editable(table)
    edited.loc[0, "partner_name"] = ""
    candidate = prepare_edit(edited, store)
    assert not candidate.report.ok and not candidate.publishable
    with pytest.raises(UnreadableFileError):
        publish(candidate, store, author="anna")


def test_unchanged_offices_keep_their_places_and_moved_ones_lose_them(store):
    upload = "partner_id,name,city,country\r\na,Alpha,Gdańsk,PL\r\nb,Beta,Kraków,PL\r\n".encode()
    candidate = prepare_upload(upload, "new.csv", store, max_bytes=10_000)
    rows = candidate.table.set_index("partner_id")
    assert (rows.loc["a", "latitude"], rows.loc["a", "geocode_source"]) == ("54.35", "manual")
    moved = prepare_upload(
        upload.replace(b"a,Alpha,Gda\xc5\x84sk", b"a,Alpha,Sopot"), "new.csv", store, max_bytes=10_000
    )
    assert moved.table.set_index("partner_id").loc["a", "latitude"] == ""


def test_manual_coordinates_and_needs_attention(store, geocoder):
    candidate = geocode(
        prepare_upload(b"name,city,country\r\nX,Nowhere Town,PL\r\n", "n.csv", store, max_bytes=10_000), geocoder
    )
    assert list(needs_attention(candidate.table)["geocode_precision"]) == ["country"]
    partner_id = candidate.table["partner_id"][0]
    fixed = apply_manual_coordinates(candidate, {partner_id: (54.5, 18.5)})
    assert needs_attention(fixed.table).empty
    assert fixed.table["geocode_source"][0] == "manual" and fixed.table["latitude"][0] == "54.5"
    with pytest.raises(InvalidValueError, match="not valid coordinates"):
        apply_manual_coordinates(candidate, {partner_id: (91.0, 0.0)})
    assert apply_manual_coordinates(candidate, {partner_id: (math.nan, 1.0)}).table["geocode_source"][0] != "manual"


def test_upload_size_limit(store):
    with pytest.raises(UnreadableFileError) as raised:
        prepare_upload(b"x" * 2 * 1024 * 1024, "big.csv", store, max_bytes=1024 * 1024)
    assert raised.value.message("pl") == "big.csv ma 2.0 MB; limit to 1 MB."  # MB as Streamlit counts them
    assert load_bytes(PUBLISHED, filename="p.csv").frame.shape[0] == 2


def test_suggested_places_for_a_misspelt_city(store):
    candidate = prepare_upload(b"name,city,country\r\nX,Gdnask,PL\r\n", "n.csv", store, max_bytes=10_000)
    places = suggested_places(candidate.table.iloc[0].to_dict(), default_gazetteer())
    assert places and places[0].name == "Gdańsk"
    assert all(place.country == "PL" for place in places)
