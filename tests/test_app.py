"""The members' pages with AppTest: smoke tests and behaviour set through widget keys."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.apptest import app, behind, dialog_titles, prepare, texts


def description(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**"))


@pytest.mark.parametrize("page", ["pages/directory.py", "pages/overview.py", "pages/staff.py"])
def test_every_page_loads_with_demo_data(monkeypatch, tmp_path, page):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", ["pages/directory.py", "pages/overview.py"])
@pytest.mark.parametrize("data", [b"", b"partner_name,city,country\r\n", b"\x00\x01binary"])
def test_every_page_loads_with_an_empty_or_broken_file(monkeypatch, tmp_path, page, data):
    prepare(monkeypatch, tmp_path, data=data)
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    if data != b"partner_name,city,country\r\n":
        assert "partner list" in texts(at)


def test_first_view_shows_everything(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    assert description(at).startswith("**47 partners \\(62 offices\\) in 36 countries")
    assert len(at.dataframe[0].value) == 62


def test_text_search_is_accent_and_typo_tolerant(monkeypatch, tmp_path):
    data_file = prepare(monkeypatch, tmp_path)
    at = app().run()
    at.text_input(key="q").input("gdansk").run()
    listing = at.dataframe[0].value
    assert set(listing["city"]) == {"Gdańsk"}
    at.text_input(key="q").input("Robtics").run()
    assert len(at.dataframe[0].value) >= 3
    assert "Robotics" in " ".join(behind(at.dataframe[0].value, data_file)["sectors"])


@pytest.mark.parametrize(
    ("key", "value", "check"),
    [
        ("f_country", ["DE"], lambda listing, offices: set(listing["country"]) == {"Germany"}),
        ("f_continent", ["OC"], lambda listing, offices: set(listing["country"]) == {"Australia", "New Zealand"}),
        ("f_sector", ["Maritime"], lambda listing, offices: all("Maritime" in s for s in offices["sectors"])),
        ("f_service", ["events"], lambda listing, offices: all("events" in s for s in listing["services"])),
        ("f_language", ["ja"], lambda listing, offices: set(listing["country"]) == {"Japan"}),
    ],
)
def test_each_filter(monkeypatch, tmp_path, key, value, check):
    data_file = prepare(monkeypatch, tmp_path)
    at = app().run()
    at.multiselect(key=key).set_value(value).run()
    assert not at.exception
    listing = at.dataframe[0].value
    assert 0 < len(listing) < 62
    assert check(listing, behind(listing, data_file))


def test_radius_search_sorted_by_distance(monkeypatch, tmp_path):
    data_file = prepare(monkeypatch, tmp_path)
    at = app().run()
    at.text_input(key="near").input("Danzig").run()
    at.number_input(key="radius").set_value(500).run()
    listing = at.dataframe[0].value
    assert "within 500 km of" in description(at)
    # Distances are as honest as the placement: "0.2 km" at an address, "≈ 20 km (from the city centre)"
    # or "under 10 km (in the city; street not known)" for an office placed only at its city.
    numbers = [float(re.search(r"\d+(?:[.,]\d+)?", text).group().replace(",", ".")) for text in listing["distance"]]
    assert all(later >= earlier - 10 for earlier, later in itertools.pairwise(numbers))
    assert set(listing["city"]) >= {"Gdańsk", "Warszawa", ""} - {""}
    assert max(numbers) <= 500
    city_only = listing[(behind(listing, data_file)["geocode_precision"] == "city").to_numpy()]
    assert len(city_only) and not city_only["distance"].str.match(r"^0(\.0)? km").any()


def test_url_parameters_restore_a_search(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["q"] = "maritime"
    at.query_params["country"] = "PL"
    at.run()
    assert at.text_input(key="q").value == "maritime"
    assert at.multiselect(key="f_country").value == ["PL"]
    assert set(at.dataframe[0].value["country"]) == {"Poland"}


def test_a_shared_link_with_repeated_filters_restores_every_value(monkeypatch, tmp_path):
    """``country=PL&country=DE&radius=120&near=Gdańsk`` comes back whole: each repeated value, the radius, the place."""
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["country"] = ["PL", "Deutschland"]
    at.query_params["service"] = ["biurko", "internet"]
    at.query_params["near"] = "Gdańsk"
    at.query_params["radius"] = "120"
    at.run()
    assert not at.exception
    assert at.multiselect(key="f_country").value == ["PL", "DE"]
    assert at.multiselect(key="f_service").value == ["desk", "internet"]
    assert at.text_input(key="near").value == "Gdańsk"
    assert at.number_input(key="radius").value == 120


def test_search_is_written_to_the_url(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    at.text_input(key="q").input("AI").run()
    assert at.query_params["q"] in ("AI", ["AI"])


def test_clear_resets_every_filter(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    at.text_input(key="q").input("robotics")
    at.multiselect(key="f_country").set_value(["DE"]).run()
    at.button(key="clear").click().run()
    assert at.text_input(key="q").value == ""
    assert at.multiselect(key="f_country").value == []
    assert len(at.dataframe[0].value) == 62


def test_language_switch_translates_the_page(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    assert at.title[0].value == "BRA partner directory"
    at.button_group(key="language_switch").set_value("pl").run()
    assert at.title[0].value == "Katalog partnerów BRA"
    assert description(at).startswith("**Znaleziono")
    assert "Niemcy" in set(at.dataframe[0].value["country"])


def test_selecting_a_row_opens_the_partner_card(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["partner"] = "pomeranian-ict-gdansk"
    at.run()
    assert dialog_titles(at) == ["Pomeranian ICT Cluster"]
    assert "Plan a visit" in texts(at)


def test_overview_counts(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    at.switch_page("pages/overview.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Partners"] == "47" and metrics["Offices"] == "62" and metrics["Countries"] == "36"
    assert int(metrics["Placed approximately"]) >= 1


def test_a_bad_tile_setting_keeps_the_map_and_says_why(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_TILE_URL", "javascript:alert(1)")
    at = app().run()
    assert not at.exception
    assert "must start with https://, http:// or /" in texts(at)
    assert len(at.dataframe[0].value) == 62


def test_a_bad_setting_is_one_sentence(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_UPLOAD_MAX_MB", "ten")
    at = app().run()
    assert not at.exception
    assert "PARTNER_DIRECTORY_UPLOAD_MAX_MB must be a number, not “ten”." in texts(at)


@pytest.mark.parametrize(
    ("partner", "location"),
    [("pomeranian-ict-gdansk", "Location:** address"), ("pomeranian-ict-gdynia", "Location:** city only")],
)
def test_the_card_says_how_exactly_the_office_is_placed(monkeypatch, tmp_path, partner, location):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["partner"] = partner
    at.run()
    assert location in texts(at)
