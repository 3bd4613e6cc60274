"""The Overview page: bars sorted by count, the same countries in English and Polish, the cut stated."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from partner_directory.geo.countries import country_name
from partner_directory.publication.published import load_directory
from tests.apptest import app, prepare, texts


def bars(at, number: int) -> pd.DataFrame:
    """The data of the ``number``-th bar chart, in the order the chart draws it."""
    chart = at.get("vega_lite_chart")[number].proto
    spec = json.loads(chart.spec)
    assert spec["encoding"]["y"]["sort"] is None, "Altair would reorder the bars alphabetically"
    return convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data)


def overview(monkeypatch, tmp_path, lang: str):
    data_file = prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, data_file


def test_the_bars_are_sorted_by_count_and_no_tie_is_cut(monkeypatch, tmp_path):
    at, data_file = overview(monkeypatch, tmp_path, "en")
    counts = Counter(load_directory(data_file).table["country"])
    countries = bars(at, 1)
    assert list(countries["Offices"]) == sorted(countries["Offices"], reverse=True)
    smallest = countries["Offices"].min()
    # Every country with as many offices as the last bar is shown: no tie is cut.
    expected = {country_name(code, "en") for code, n in counts.items() if n >= smallest}
    assert set(countries["name"]) == expected and len(expected) >= 15
    hidden = sum(1 for n in counts.values() if n < smallest)
    assert f"Not shown: {hidden} countries with fewer offices (at most {smallest - 1} each)." in texts(at)
    continents = bars(at, 0)
    assert list(continents["Offices"]) == sorted(continents["Offices"], reverse=True)


def test_english_and_polish_show_the_same_countries(monkeypatch, tmp_path):
    english, data_file = overview(monkeypatch, tmp_path, "en")
    (tmp_path / "pl").mkdir()
    polish, _ = overview(monkeypatch, tmp_path / "pl", "pl")
    codes = set(load_directory(data_file).table["country"])
    from_english = {code for code in codes if country_name(code, "en") in set(bars(english, 1)["name"])}
    from_polish = {code for code in codes if country_name(code, "pl") in set(bars(polish, 1)["name"])}
    assert from_english == from_polish and len(from_english) == len(bars(english, 1))
    assert "Pominięto 17 krajów z mniejszą liczbą biur (najwyżej 1 w każdym)." in texts(polish)
