"""The pages say each fact once, in the page's language (issue 18: defects 8, 10, 12's wording, 14), with AppTest."""

from __future__ import annotations

from tests.apptest import app, prepare, texts
from tests.test_staff_app import GOOD_ROWS, POLISH_HEADER, signed_in, upload


def members_page(monkeypatch, tmp_path, query: dict[str, str]):
    prepare(monkeypatch, tmp_path)
    at = app()
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_near_a_country_the_page_does_not_also_say_distances_are_measured_from_it(monkeypatch, tmp_path):
    at = members_page(monkeypatch, tmp_path, {"lang": "pl", "near": "Polska", "radius": "150"})
    page = texts(at)
    assert "Kraj nie ma jednego środka" in page  # the one sentence: the distance was not used
    assert "Odległości liczone od" not in page and "Poland" not in page


def test_near_a_city_the_page_names_it_as_the_sentence_does(monkeypatch, tmp_path):
    at = members_page(monkeypatch, tmp_path, {"lang": "pl", "near": "Monachium", "radius": "150"})
    captions = [caption.value.replace("\\", "") for caption in at.caption]  # markdown escapes
    assert any("Odległości liczone od: Monachium (Munich, Niemcy)" in caption for caption in captions), captions


def test_an_office_whose_city_is_only_in_its_address_shows_its_city_in_the_list(monkeypatch, tmp_path):
    at = members_page(monkeypatch, tmp_path, {"lang": "pl", "q": "Gdynia"})
    listing = at.dataframe(key="list").value
    rows = listing[listing["partner"] == "Pomeranian ICT Cluster"]
    assert "Gdynia" in list(rows["city"]), listing


def test_the_sector_filter_and_sentence_are_in_polish(monkeypatch, tmp_path):
    at = members_page(monkeypatch, tmp_path, {"lang": "pl", "sector": "Robotics"})
    assert "sektor: Robotyka" in texts(at)
    field = at.multiselect(key="f_sector")
    assert field.format_func("Robotics") == "Robotyka" and field.format_func("Maritime") == "Gospodarka morska"


def test_the_staff_editor_says_one_true_sentence_about_saving(monkeypatch, tmp_path):
    at = signed_in(monkeypatch, tmp_path)
    upload(at, "partnerzy.csv", (POLISH_HEADER + GOOD_ROWS).encode("utf-8"))
    page = texts(at)
    assert "Every change is kept on the server" in page
    assert "Nothing is saved" not in page and "kept as a draft on the server" in page


def test_the_list_key_columns_fit_a_phone(monkeypatch, tmp_path):
    """At 390 px the grid is 358 px wide: the row's checkbox, Partner, City and Country must fit in it."""
    import json

    at = members_page(monkeypatch, tmp_path, {"lang": "pl"})
    config = json.loads(at.dataframe(key="list").proto.columns)
    widths = [config[column]["width"] for column in ("partner", "city", "country")]
    assert all(isinstance(width, int) for width in widths), config
    assert sum(widths) + 34 <= 358, widths
