"""The members' page says which filter to loosen when nothing matches, next to the result sentence."""

from __future__ import annotations

import re

from tests.apptest import app, prepare


def infos(at) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", i.value) for i in at.info]


def offices(at) -> int:
    return len(at.dataframe[0].value)


def test_zero_results_name_the_filters_to_loosen_with_the_counts_the_page_shows(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    # What each filter alone finds on this very page: the numbers the sentence must give.
    at.text_input(key="near").input("Gdańsk").run()
    at.number_input(key="radius").set_value(300).run()
    near_only = offices(at)
    at.text_input(key="near").input("").run()
    at.multiselect(key="f_language").set_value(["ja"]).run()
    language_only = offices(at)
    assert near_only and language_only and not infos(at)

    at.text_input(key="near").input("Gdańsk").run()
    assert offices(at) == 0
    assert (
        f"No offices match. Without the language filter: {near_only}; without the 300 km radius: {language_only}."
        in infos(at)
    )


def test_in_polish_and_when_no_single_filter_helps(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["lang"] = "pl"
    at.query_params["language"] = ["ja"]
    at.query_params["country"] = ["DE"]
    at.query_params["q"] = "zzzzqqqq"
    at.run()
    assert offices(at) == 0
    assert "Żadne biuro nie pasuje, a usunięcie jednego filtra też by nie pomogło; spróbuj „Wyczyść”." in infos(at)
