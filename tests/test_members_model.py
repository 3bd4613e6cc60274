"""The members' page as a model: generated journeys on AppTest, checked against what a member may expect.

A member does things in orders no script follows. ``MembersPage`` draws them --
a search word (Polish or English, from the demo data and the sector
vocabulary), a filter, a place and radius, a pick from the list or the map, a
shared link, closing the card, "Clear the search", the language, a rerun or a
reload -- and after every step checks the invariants of issue 18:

* a card is open only right after a pick or a link, and it is the partner picked;
  closing never opens another card;
* the sentence's counts and the list agree;
* the page's address restores this very state (a fresh session with the same
  query parameters shows the same list and the same card);
* no exception, and no English sentence of our tables on the Polish page.

While a card is open the page behind it cannot be used (the dialog is modal,
as in a browser): only closing, a rerun, a reload or a new link are drawn then.

Examples per run: ``HYPOTHESIS_PROFILE=ci`` (the default: 25 journeys of up to
10 steps, about 20 s) or ``HYPOTHESIS_PROFILE=long`` (400 journeys of
up to 25 steps, about an hour)::

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_members_model.py

A failing sequence Hypothesis prints is kept below as a plain test
(``test_found_…``), so that it is checked on every run.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from streamlit.elements.lib.utils import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from dashboard.members import selection
from partner_directory.i18n import t, tables
from partner_directory.publication.published import load_directory
from tests.apptest import app, dialog_titles, prepare, texts

_PROFILES = {
    "ci": settings(
        max_examples=25,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        print_blob=True,
    ),
    "long": settings(
        max_examples=400,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        print_blob=True,
    ),
}
PROFILE = _PROFILES.get(os.environ.get("HYPOTHESIS_PROFILE", "ci"), _PROFILES["ci"])

WORDS = [
    "robotyka",
    "robotics",
    "Nairobi",
    "gdansk",
    "morski",
    "maritime",
    "AI",
    "sztuczna inteligencja",
    "fintech",
    "zielona energia",
    "xyzzy",
    "",
]
PLACES = ["Gdańsk", "Monachium", "Polska", "Berlin", "Nairobi", "Tokio", "nowhere-at-all"]
RADII = [20, 150, 500, 2000]
LINK_PARTNERS = ["pomeranian-ict-gdansk", "bavarian-robotics-muenchen", "no-such-partner"]
FILTER_VALUES = {
    "f_country": ["DE", "PL", "JP", "KE"],
    "f_continent": ["EU", "OC", "AF"],
    "f_sector": ["Software", "AI", "Fintech", "Maritime"],
    "f_service": ["events", "desk", "internet"],
    "f_language": ["ja", "pl", "de"],
}


# --- reading the page ----------------------------------------------------------------------------------------


def description(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**"))


def listing(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def _map_key(at: AppTest) -> str:
    """The session key of the map's value (streamlit-folium keys it by a hash of the map's script)."""
    found: list[str] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if type(child).__name__ == "UnknownElement" and proto is not None and getattr(proto, "id", ""):
                found.append(proto.id)
            walk(child)

    walk(at._tree)
    return str(user_key_from_element_id(found[0]))


@cache
def _partner_ids(data_file: Path) -> dict[tuple[str, str], str]:
    table = load_directory(data_file, cache_path=data_file.parent / "geocache.sqlite").table
    return {(row.partner_name, row.city): row.partner_id for row in table.itertuples()}


@cache
def _partner_names(data_file: Path) -> dict[str, str]:
    return {pid: name for (name, _), pid in _partner_ids(data_file).items()}


@cache
def _positions(data_file: Path) -> dict[str, tuple[float, float]]:
    """Where the map draws each partner's first placed office (what a click on it reports)."""
    table = load_directory(data_file, cache_path=data_file.parent / "geocache.sqlite").table
    placed = table.dropna(subset=["lat", "lon"])
    return {row.partner_id: (float(row.lat), float(row.lon)) for row in placed[::-1].itertuples()}


#: What static/map/offices.js adds to a repeated click on one office, so that it is a new report.
REPEAT_NUDGE_DEGREES = 1e-7


def shown_partners(at: AppTest, data_file: Path) -> list[str]:
    """The partner id of each row of the list, in list order."""
    ids = _partner_ids(data_file)
    rows = listing(at)
    return [ids[key] for key in zip(rows["partner"], rows["city"], strict=True)]


@cache
def _english_fragments() -> tuple[str, ...]:
    """Fixed parts of our English sentences that differ in Polish, long enough not to be a name."""
    fragments: set[str] = set()
    for texts_ in tables().values():
        english, polish = texts_.get("en", ""), texts_.get("pl", "")
        if not english or english == polish:
            continue
        for part in re.split(r"\{[^}]*\}", english):
            part = part.strip(" .,:;·()")
            if len(part) >= 14 and " " in part and part not in polish:
                fragments.add(part)
    return tuple(sorted(fragments))


def page_words(at: AppTest) -> str:
    """What the page says and labels, as one string."""
    labels = [w.label for w in (*at.text_input, *at.multiselect, *at.number_input, *at.button)]
    placeholders = [w.placeholder for w in (*at.text_input, *at.multiselect)]
    return "\n".join([texts(at), *labels, *placeholders, *dialog_titles(at)])


def english_on_a_polish_page(at: AppTest) -> list[str]:
    words = page_words(at)
    return [fragment for fragment in _english_fragments() if fragment in words]


def counts(sentence: str) -> tuple[int, int]:
    """(partners, offices) read from the result sentence; (0, 0) when it says nothing was found."""
    numbers = [int(n) for n in re.findall(r"\d+", sentence.split("·")[0])]
    if not numbers:
        return 0, 0
    partners = numbers[0]
    offices = numbers[1] if len(numbers) >= 3 else partners
    return partners, offices


# --- the model ---------------------------------------------------------------------------------------------------


class MembersPage(RuleBasedStateMachine):
    """The members' page and what a member may expect of it after each step."""

    data_file: Path

    def __init__(self) -> None:
        super().__init__()
        self.at: AppTest = app()
        self.lang = "en"
        self.expected_card: str | None = None
        self.last_map_pick: str | None = None  # the office the map last reported
        self.nudge = 0

    @initialize()
    def open_the_page(self) -> None:
        self.at.run()

    # -- what a member does -------------------------------------------------------------------------------------

    def _no_card(self) -> bool:
        return self.expected_card is None

    @precondition(_no_card)
    @rule(word=st.sampled_from(WORDS))
    def search(self, word: str) -> None:
        self.at.text_input(key="q").input(word).run()

    @precondition(_no_card)
    @rule(key=st.sampled_from(sorted(FILTER_VALUES)), data=st.data())
    def filter(self, key: str, data) -> None:
        values = data.draw(st.lists(st.sampled_from(FILTER_VALUES[key]), max_size=2, unique=True))
        self.at.multiselect(key=key).set_value(values).run()

    @precondition(_no_card)
    @rule(place=st.sampled_from(PLACES), radius=st.sampled_from(RADII))
    def near(self, place: str, radius: int) -> None:
        self.at.text_input(key="near").input(place)
        self.at.number_input(key="radius").set_value(radius).run()

    @precondition(_no_card)
    @rule(data=st.data())
    def pick_from_the_list(self, data) -> None:
        partners = shown_partners(self.at, self.data_file)
        if not partners:
            return
        row = data.draw(st.integers(0, len(partners) - 1))
        self.at.session_state["list"] = {"selection": {"rows": [row]}}
        self.at.run()
        self.expected_card = partners[row]

    @precondition(_no_card)
    @rule(data=st.data())
    def pick_from_the_map(self, data) -> None:
        partners = shown_partners(self.at, self.data_file)
        if not partners:
            return
        partner = data.draw(st.sampled_from(partners))
        popup = f"…\n{t('map.partner_id', self.lang)}: {partner}"
        # As the map reports it: the office's position and its popup; a click on the office it reported last
        # (its card closed meanwhile) comes a hair away, as static/map/offices.js makes it.
        self.nudge = 1 - self.nudge if partner == self.last_map_pick else 0
        self.last_map_pick = partner
        position = _positions(self.data_file).get(partner)
        clicked = (
            None if position is None else {"lat": position[0] + self.nudge * REPEAT_NUDGE_DEGREES, "lng": position[1]}
        )
        self.at.session_state[_map_key(self.at)] = {"last_object_clicked": clicked, "last_object_clicked_popup": popup}
        self.at.run()
        self.expected_card = partner

    @precondition(lambda self: self.expected_card is not None)
    @rule()
    def close_the_card(self) -> None:
        self.at.button(key="close_card").click().run()
        self.expected_card = None

    @precondition(_no_card)
    @rule()
    def clear_all(self) -> None:
        self.at.button(key="clear").click().run()

    @precondition(_no_card)
    @rule(lang=st.sampled_from(["en", "pl"]))
    def change_the_language(self, lang: str) -> None:
        self.at.button_group(key="language_switch").set_value(lang).run()
        self.lang = lang

    @rule()
    def rerun(self) -> None:
        self.at.run()

    @rule()
    def reload(self) -> None:
        """The page's address restores this very state: the same list and the same card."""
        before = (list(listing(self.at)["partner"]), dialog_titles(self.at))
        self.at = self._fresh(dict(self.at.query_params))
        assert (list(listing(self.at)["partner"]), dialog_titles(self.at)) == before

    @rule(word=st.sampled_from(WORDS), partner=st.sampled_from(LINK_PARTNERS), lang=st.sampled_from(["en", "pl"]))
    def open_a_shared_link(self, word: str, partner: str, lang: str) -> None:
        params = {"partner": partner, "lang": lang}
        if word:
            params["q"] = word
        self.at = self._fresh(params)
        self.lang = lang
        self.expected_card = partner if partner in _partner_names(self.data_file) else None

    def _fresh(self, params: dict) -> AppTest:
        fresh = app()
        for name, value in params.items():
            fresh.query_params[name] = value
        return fresh.run()

    # -- what must hold ---------------------------------------------------------------------------------------------

    @invariant()
    def no_exception(self) -> None:
        assert not self.at.exception, [e.value for e in self.at.exception]

    @invariant()
    def the_card_is_the_one_picked(self) -> None:
        expected = [_partner_names(self.data_file)[self.expected_card]] if self.expected_card else []
        assert dialog_titles(self.at) == expected
        assert self.at.query_params.get("partner") in ([self.expected_card] if self.expected_card else [None, []])

    @invariant()
    def the_sentence_and_the_list_agree(self) -> None:
        rows = listing(self.at)
        partners, offices = counts(description(self.at))
        assert offices == len(rows)
        assert partners == len({pid for pid in shown_partners(self.at, self.data_file)}) or partners == len(
            set(rows["partner"])
        )

    @invariant()
    def the_polish_page_is_polish(self) -> None:
        if self.lang == "pl":
            assert not english_on_a_polish_page(self.at)


@pytest.fixture
def demo_data(monkeypatch, tmp_path) -> Path:
    return prepare(monkeypatch, tmp_path)


def test_generated_journeys_hold_the_invariants(demo_data):
    MembersPage.data_file = demo_data
    MembersPage.TestCase.settings = PROFILE
    MembersPage.TestCase().runTest()


def test_the_same_office_picked_on_the_map_again_opens_its_card_again(demo_data):
    """Found by the generated journeys (once the model reported clicks as the map does): pick, close, pick again."""
    MembersPage.data_file = demo_data
    page = MembersPage()
    page.open_the_page()

    class Always:
        def draw(self, strategy):
            return "pomeranian-ict-gdansk"

    for _ in range(3):
        page.pick_from_the_map(Always())
        page.the_card_is_the_one_picked()
        assert dialog_titles(page.at) == ["Pomeranian ICT Cluster"]
        page.close_the_card()
        page.the_card_is_the_one_picked()


# --- the list's selection belongs to the partner (issue 18, defect 1) -------------------------------------------


@pytest.mark.parametrize(
    ("rows", "shown", "partner"),
    [
        ([], ["a", "b"], None),
        ([0], ["a", "b"], "a"),
        ([1], ["a", "b"], "b"),
        ([2], ["a", "b"], None),  # a row the list no longer has
        ([-1], ["a", "b"], None),
        ([0], [], None),
    ],
)
def test_the_list_names_a_partner_only_among_its_rows(rows, shown, partner):
    assert selection.list_partner(rows, shown) == partner


def _pick_row(at: AppTest, row: int) -> None:
    at.session_state["list"] = {"selection": {"rows": [row]}}
    at.run()


@pytest.mark.parametrize("then", ["clear", "search"])
def test_closing_a_card_then_clearing_or_searching_opens_no_card(demo_data, then):
    at = app().run()
    at.text_input(key="q").input("robotyka").run()
    _pick_row(at, 0)
    assert dialog_titles(at) == ["Bavarian Robotics Network"]
    at.button(key="close_card").click().run()
    assert dialog_titles(at) == []
    if then == "clear":
        at.button(key="clear").click().run()
    else:
        at.text_input(key="q").input("gdańsk").run()
    assert dialog_titles(at) == []
    assert "partner" not in at.query_params


def test_a_stale_row_selection_is_not_a_pick_for_the_partner_now_in_that_row(demo_data):
    """The browser may keep sending the tick of row 1 after the list changed: it names no one."""
    at = app().run()
    at.text_input(key="q").input("robotyka").run()
    _pick_row(at, 0)
    at.button(key="close_card").click().run()
    _pick_row(at, 0)  # the same row, still ticked in the browser: the card of the partner picked opens again
    assert dialog_titles(at) == ["Bavarian Robotics Network"]
    at.button(key="close_card").click().run()
    at.session_state["list"] = {"selection": {"rows": [0]}}  # the tick as the browser resends it
    at.button(key="clear").click().run()
    assert dialog_titles(at) == []
    assert "partner" not in at.query_params


def test_in_members_mode_typing_after_closing_a_card_opens_none(demo_data, monkeypatch):
    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "members")
    at = app().run()
    _pick_row(at, 0)
    assert len(dialog_titles(at)) == 1
    at.button(key="close_card").click().run()
    at.session_state["list"] = {"selection": {"rows": [0]}}
    at.text_input(key="q").input("Nairobi").run()
    assert dialog_titles(at) == []
    assert "partner" not in at.query_params


def test_the_page_clear_button_is_not_named_like_a_filter_clear(demo_data):
    """Streamlit names each filter's own clear button "Clear all" (not settable): the page's is another name."""
    at = app().run()
    assert at.button(key="clear").label != "Clear all"
    assert t("ui.clear", "en") != "Clear all"


def test_found_a_link_to_an_unknown_partner_leaves_no_partner_in_the_address(demo_data):
    """Found by the state machine: ``?q=robotyka&partner=no-such-partner`` kept the unknown partner in the URL."""
    at = app()
    at.query_params["q"] = "robotyka"
    at.query_params["partner"] = "no-such-partner"
    at.run()
    assert dialog_titles(at) == []
    assert "partner" not in at.query_params


def test_the_english_detector_sees_our_english_and_not_our_polish(demo_data):
    """The invariant "the Polish page is Polish" can fail: it finds the English page's sentences."""
    at = app().run()
    assert english_on_a_polish_page(at)
    at.button_group(key="language_switch").set_value("pl").run()
    assert not english_on_a_polish_page(at), english_on_a_polish_page(at)
