"""The table prepared for searching (``search/index.py``): how free text matches and ranks, facets, the cache."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex, facet_values, index_for
from partner_directory.text import fold
from tests.search_tables import (
    NEAR_TABLE,
    TEXT_TABLE,
    Place,
    found,
    frame,
    known_places,
    office,
)

# -- free text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # case and accents
        ("Gdansk", {"baltic"}),
        ("gdańsk", {"baltic"}),
        ("GDAŃSK", {"baltic"}),
        ("lodz", {"textile"}),
        ("Łódź", {"textile"}),
        ("munchen", {"bavaria"}),
        # typos: one edit up to 7 letters, two from 8; swapped neighbours count as one
        ("Robtics", {"baltic"}),
        ("Gdnask", {"baltic"}),
        ("Berlni", {"spree"}),
        ("Bavarain", {"bavaria"}),
        ("Autmotive", {"bavaria"}),
        ("Atuomotvie", {"bavaria"}),
        # beginnings of words
        ("Gda", {"baltic"}),
        ("Automot", {"bavaria"}),
        ("fin", {"spree", "aurora"}),
        # not too tolerant
        ("zzzz", set()),
        ("xq", set()),
        ("Gdxxsk", set()),
        ("Berlinxxx", set()),
        ("AI", {"baltic", "aurora"}),
        ("ai", {"baltic", "aurora"}),  # not Dubai, Air, said
        # countries by name in any language, and by code when typed in capitals
        ("Niemcy", {"bavaria", "spree"}),
        ("Deutschland", {"bavaria", "spree"}),
        ("Germany", {"bavaria", "spree"}),
        ("Allemagne", {"bavaria", "spree"}),
        ("Polska", {"baltic", "textile"}),
        ("Poland", {"baltic", "textile"}),
        ("POL", {"baltic", "textile"}),
        ("Japonia", {"kanto"}),
        ("日本", {"kanto"}),
        ("UAE", {"dubai"}),
        ("uae", {"dubai"}),
        ("Zjednoczone Emiraty Arabskie", {"dubai"}),
        ("Germny", {"bavaria", "spree"}),
        ("de", {"ciudad"}),  # a lower-case "de" is a word, not Germany
        # services by key, English and Polish names and aliases
        ("biurko", {"baltic", "bavaria", "ciudad", "aurora"}),
        ("sala spotkań", {"baltic", "dubai"}),
        ("meeting room", {"baltic", "dubai"}),
        ("wydarzenia", {"textile", "bavaria", "aurora"}),
        ("wifi", {"bavaria", "spree"}),
        ("kontakty lokalne", {"kanto"}),
        # spoken languages by name
        ("niemiecki", {"bavaria", "spree"}),
        ("arabski", {"dubai"}),
        ("Japanese", {"kanto"}),
        ("español", {"ciudad"}),
        # several words: every one must match somewhere
        ("robotics gdansk", {"baltic"}),
        ("robotics berlin", set()),
        ("software ciudad", {"ciudad"}),
        ("health and AI", {"aurora"}),
        ("Ciudad de México", {"ciudad"}),
        # other fields
        ("東京", {"kanto"}),
        ("Nowak", {"baltic"}),
        ("shipyard", {"baltic"}),
        ("fashion", {"textile"}),
        # nothing to search for
        ("   ", {row["partner_id"] for row in TEXT_TABLE.to_dict("records")}),
    ],
)
def test_free_text(query, expected):
    assert set(found(search(TEXT_TABLE, Criteria(text=query)))) == expected


def test_capital_country_code_ranks_country_first():
    result = search(TEXT_TABLE, Criteria(text="DE"))
    assert found(result)[:2] == ["bavaria", "spree"]
    assert set(found(result)) == {"bavaria", "spree", "ciudad"}  # "de" in Ciudad de México, ranked after


def test_match_quality_orders_exact_before_beginning_before_typo():
    scores = [
        search(TEXT_TABLE, Criteria(text=query)).rows["score"].iloc[0] for query in ("Robotics", "Robot", "Robtics")
    ]
    assert scores[0] > scores[1] > scores[2] > 0
    assert scores[0] == pytest.approx(95.0)  # exact in the partner's name, times WORDS_SHARE


def test_name_match_ranks_above_description_match():
    table = frame(
        office("described", partner_name="Harbour Hub", description="Next to the shipyard."),
        office("named", partner_name="Shipyard Innovation"),
    )
    assert found(search(table, Criteria(text="shipyard"))) == ["named", "described"]


def test_whole_name_scores_100_and_comes_first():
    table = frame(office("other", partner_name="Spree Digital Network"), office("exact", partner_name="Spree Digital"))
    result = search(table, Criteria(text="spree digital"))
    assert found(result) == ["exact", "other"]
    assert result.rows["score"].iloc[0] == 100.0


def test_scores_stay_within_0_and_100():
    for query in ("Gdansk", "robtics", "AI", "DE", "Polska robotics", "Baltic Robotics Hub"):
        scores = search(TEXT_TABLE, Criteria(text=query)).rows["score"]
        assert ((scores > 0) & (scores <= 100)).all()


# -- demo file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "partner"),
    [
        ("Gdansk", "Pomeranian ICT Cluster"),
        ("Gdnask", "Pomeranian ICT Cluster"),
        ("krakow", "Vistula Software Alliance"),
        ("Niemcy", "Spree Valley Digital Cluster"),
        ("Szwecja", "Mälaren Software Collective"),
        ("malaren", "Mälaren Software Collective"),
        ("Zurich", "Alpine Fintech Network"),
        ("東京", "Kanto Digital Bridge"),
        ("서울", "Han River Tech Alliance"),
        ("Robtics", "Bavarian Robotics Network"),
    ],
)
def test_demo_file(demo, query, partner):
    assert partner in set(search(demo, Criteria(text=query)).rows["partner_name"])


def test_demo_country_names_find_the_same_offices(demo):
    german = [found(search(demo, Criteria(text=query))) for query in ("Niemcy", "Deutschland", "Germany", "allemagne")]
    assert german[0] and all(ids == german[0] for ids in german)
    assert set(demo.set_index("partner_id").loc[german[0], "country"]) == {"DE"}
    by_code = found(search(demo, Criteria(text="DE")))  # also the word "de" (Ciudad de México), ranked after
    assert by_code[: len(german[0])] == german[0] and len(by_code) > len(german[0])


# -- places and coordinates ----------------------------------------------------------------


def test_float_lat_lon_columns_win_over_text():
    table = NEAR_TABLE.copy()
    table["lat"] = [54.352, np.nan, 52.2297, 52.4064, np.nan, np.nan, np.nan]
    table["lon"] = [18.6466, np.nan, 21.0122, 16.9252, np.nan, np.nan, np.nan]  # Poznań placed by geocoding

    def resolve(name):
        return Place("Gdańsk", "PL", 54.35227, 18.64912, "city") if name == "Gdańsk" else None

    result = search(table, Criteria(near="Gdańsk", radius_km=300), resolve_place=resolve)
    assert found(result) == ["gdansk", "gdynia", "poznan", "warszawa"]  # Gdynia from its text columns


def test_city_names_from_the_gazetteer_become_searchable(find_place):
    plain = SearchIndex.build(NEAR_TABLE, resolve_place=None)
    enriched = SearchIndex.build(NEAR_TABLE, resolve_place=find_place)
    default = SearchIndex.build(NEAR_TABLE)  # what the dashboard and the search command both build
    for query in ("Munich", "Warsaw", "Prague", "Monachium"):
        assert found(search(default, Criteria(text=query))) == found(search(enriched, Criteria(text=query)))
    assert found(search(plain, Criteria(text="Munich"))) == []
    assert found(search(enriched, Criteria(text="Munich"))) == ["muenchen"]
    assert found(search(enriched, Criteria(text="Warsaw"))) == ["warszawa"]
    assert found(search(enriched, Criteria(text="Tokyo"))) == ["tokyo"]


# -- facets and the index ------------------------------------------------------------------


def test_facets_of_demo_file(demo):
    english = facet_values(demo)
    polish = facet_values(demo, language="pl")
    assert ("DE", "Germany") in english.countries and ("DE", "Niemcy") in polish.countries
    names = [name for _, name in polish.countries]
    assert names == sorted(names, key=fold)  # Łotwa after Litwa, before Meksyk
    assert names.index("Litwa") < names.index("Łotwa") < names.index("Meksyk")
    assert polish.countries[0] == ("AU", "Australia")
    assert [code for code, _ in english.continents] == ["EU", "AS", "NA", "SA", "AF", "OC"]
    assert ("EU", "Europa") in polish.continents
    assert polish.services == (
        ("desk", "Biurko"),
        ("meeting_room", "Sala spotkań"),
        ("internet", "Dostęp do internetu"),
        ("introductions", "Kontakty lokalne"),
        ("events", "Wydarzenia"),
    )
    assert ("de", "German") in english.languages and ("de", "niemiecki") in polish.languages
    assert "Robotics" in english.sectors and "Creative Industries" in english.sectors
    assert list(english.sectors) == sorted(english.sectors, key=str.casefold)


def test_facets_pick_the_usual_spelling_and_skip_unknown_countries():
    table = frame(
        office("a", sectors="AI; robotics", country="PL", languages="pl; klingon"),
        office("b", sectors="Robotics", country="Atlantis"),
        office("c", sectors="Robotics; ai", country="DE"),
        office("d", sectors="AI", country="PL"),
    )
    facets = facet_values(table)
    assert facets.sectors == ("AI", "Robotics")
    assert facets.countries == (("DE", "Germany"), ("PL", "Poland"))
    assert facets.languages == (("pl", "Polish"),)


def test_unrecognised_country_is_still_found_by_text():
    table = frame(office("a", country="Atlantis"), office("b", country="PL"))
    assert found(search(table, Criteria(text="atlantis"))) == ["a"]


def test_index_is_cached_per_table():
    table = TEXT_TABLE.copy()
    assert index_for(table) is index_for(table)
    widened = table.assign(lat=np.nan)
    assert index_for(widened) is not index_for(table)
    index = SearchIndex.build(table)
    assert index_for(index) is index
    assert found(search(index, Criteria(text="Gdansk"))) == found(search(table, Criteria(text="Gdansk")))


def test_missing_columns_and_odd_values_are_tolerated():
    table = pd.DataFrame({"partner_name": ["Alpha", None, math.nan], "city": ["Gdańsk", "Berlin", 5]})
    result = search(table, Criteria(text="gdansk"))
    assert list(result.rows["partner_name"]) == ["Alpha"]
    assert len(search(table, Criteria(services=("desk",))).rows) == 0
    assert len(search(table.iloc[0:0], Criteria(text="x")).rows) == 0


# -- issue 11: the member's language -------------------------------------------------------


SECTOR_TABLE = frame(
    office("ai", partner_name="Neural Works", country="PL", sectors="AI"),
    office("ai-pl", partner_name="Klaster SI", country="PL", sectors="Sztuczna inteligencja"),
    office("robots", partner_name="Arm Makers", country="DE", sectors="Robotics"),
    office("cyber", partner_name="Shield Co", country="EE", sectors="Cybersecurity"),
    office("games", partner_name="Pixel Forge", country="FI", sectors="Gaming"),
    office("sea", partner_name="Harbour Tech", country="NO", sectors="Maritime"),
    office("sea-pl", partner_name="Klaster Bałtycki", country="PL", sectors="Gospodarka morska"),
    office("freight", partner_name="Cargo Link", country="LV", sectors="Logistics"),
    office("power", partner_name="Wind Works", country="DK", sectors="Energy"),
    office("med", partner_name="Care Hub", country="CH", sectors="Health"),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AI", {"ai", "ai-pl"}),
        ("sztuczna inteligencja", {"ai", "ai-pl"}),
        ("artificial intelligence", {"ai", "ai-pl"}),
        ("robotyka", {"robots"}),
        ("cyberbezpieczeństwo", {"cyber"}),
        ("gry", {"games"}),
        ("gaming", {"games"}),
        ("morski", {"sea", "sea-pl"}),
        ("maritime", {"sea", "sea-pl"}),
        ("logistyka", {"freight"}),
        ("energetyka", {"power"}),
        ("zdrowie", {"med"}),
        ("health", {"med"}),
    ],
)
def test_sector_words_in_polish_and_english(query, expected):
    """Before: "robotyka", "gry" or "zdrowie" found nothing in an English-written file, and the reverse."""
    index = SearchIndex.build(SECTOR_TABLE, resolve_place=None)
    assert set(found(search(index, Criteria(text=query)))) == expected


def test_the_word_as_typed_ranks_above_its_synonym():
    index = SearchIndex.build(SECTOR_TABLE, resolve_place=None)
    assert list(search(index, Criteria(text="maritime")).rows["partner_id"]) == ["sea", "sea-pl"]
    assert list(search(index, Criteria(text="gospodarka morska")).rows["partner_id"]) == ["sea-pl", "sea"]


CITY_TABLE = frame(
    office("muenchen", city="München", country="DE", latitude="48.137", longitude="11.575"),
    office("milano", city="Milano", country="IT", latitude="45.464", longitude="9.190"),
    office("roma", city="Roma", country="IT", latitude="41.893", longitude="12.483"),
    office("wien", city="Wien", country="AT", latitude="48.208", longitude="16.373"),
    office("kobenhavn", city="København", country="DK", latitude="55.676", longitude="12.568"),
    office("lisboa", city="Lisboa", country="PT", latitude="38.722", longitude="-9.139"),
    office("telaviv", city="Tel Aviv-Yafo", country="IL", latitude="32.085", longitude="34.782"),
    office("warszawa", city="Warszawa", country="PL", latitude="52.230", longitude="21.011"),
    office("praha", city="Praha", country="CZ", latitude="50.088", longitude="14.421"),
    office("garching", city="Garching bei München", country="DE", latitude="48.249", longitude="11.651"),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Monachium", {"muenchen"}),
        ("Munich", {"muenchen", "garching"}),
        ("Mediolan", {"milano"}),
        ("Rzym", {"roma"}),
        ("Wiedeń", {"wien"}),
        ("Kopenhaga", {"kobenhavn"}),
        ("Lizbona", {"lisboa"}),
        ("Tel Awiw", {"telaviv"}),
        ("Warsaw", {"warszawa"}),
        ("Prague", {"praha"}),
        ("Praga", {"praha"}),
    ],
)
def test_a_city_is_found_by_its_name_in_other_languages(query, expected):
    index = SearchIndex.build(CITY_TABLE)  # the gazetteer by default, as in the dashboard and the command
    assert set(found(search(index, Criteria(text=query)))) >= expected
    assert set(found(search(index, Criteria(text=query)))) <= expected | {"garching"}


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_folding_ascii_takes_a_short_way_to_the_same_result(text):
    import unicodedata

    from partner_directory.text import _SPACES, _SPECIAL_LETTERS, fold

    normalised = unicodedata.normalize("NFKC", text).translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", normalised.casefold())
    slow = _SPACES.sub(" ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))).strip()
    assert fold(text) == slow


def test_words_indexed_later_find_exactly_what_words_indexed_at_once():
    """A server's index has its words indexed by a thread of its own; searches meanwhile wait for it, and agree."""
    import threading

    from tests.conftest import ROOT
    from tests.search_tables import demo_table

    table = demo_table(ROOT)
    at_once = SearchIndex.build(table)
    later = SearchIndex.build(table, text_later=True)
    assert later.facets("pl") == at_once.facets("pl")  # filters need no words
    queries = ["Gdańsk", "robotyka", "Monachium", "desk", "gdnask", "w Wiedniu", "東京", "zzzz", "AI", "uk"]
    results: dict[str, object] = {}

    def run(query: str) -> None:
        scores = later.text_scores(query)
        results[query] = None if scores is None else scores.tolist()

    threads = [threading.Thread(target=run, args=(query,)) for query in queries]
    threads.append(threading.Thread(target=later.prepare_text))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for query in queries:
        expected = at_once.text_scores(query)
        assert results[query] == (None if expected is None else expected.tolist()), query


# -- what a result keeps --------------------------------------------------------------------


def test_a_result_keeps_positions_not_a_copy_of_the_rows():
    """A server keeps many results per published list: each holds where its rows are, and takes them when asked."""
    index = SearchIndex.build(NEAR_TABLE, resolve_place=None)
    result = search(index, Criteria(near="Gdańsk", radius_km=2000), resolve_place=known_places)
    assert result.offices >= 3
    assert result.table is index.table  # the index's own table, shared
    kept = [value for value in vars(result).values() if isinstance(value, pd.DataFrame | pd.Series)]
    assert kept == [index.table]  # no frame of its own
    rows = result.rows
    assert list(rows.index) == list(index.table.index[result.positions])
    assert (rows["distance_km"].diff().dropna() >= 0).all() and (rows["distance_text"] != "").all()
    pd.testing.assert_frame_equal(result.head(2), rows.iloc[:2])
    assert result.rows is not rows  # made at each call, never kept
    assert list(result.column("partner_id", 2)) == list(rows["partner_id"].iloc[:2])


@pytest.mark.parametrize(
    "name",
    [
        "",
        " Baltic  Robotics ",
        "BALTIC\tROBOTICS",
        "a\x0bb\x0cc",
        "X\x1cY\x1f",
        "Rock `n' Roll",
        "  Łódź Hub ",
        "東京 Bridge",
    ],
)
def test_partner_keys_are_partner_key(name):
    from partner_directory.search.index import _partner_keys
    from partner_directory.sheet.contract import partner_key

    assert _partner_keys([name, name.upper(), "x"]) == [partner_key(name), partner_key(name.upper()), "x"]


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(alphabet="aZ \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f`'ł\xa0\x85é_-.東", max_size=10), max_size=20))
def test_partner_keys_fold_as_partner_key_does(names):
    """The ASCII names are folded by Arrow: exactly as partner_key folds them (the offices of one partner agree)."""
    from partner_directory.search.index import _partner_keys
    from partner_directory.sheet.contract import partner_key

    assert _partner_keys(names) == [partner_key(name) for name in names]
