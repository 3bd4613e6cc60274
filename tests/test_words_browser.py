"""Words on the Polish page in Chromium, at 1280×800 and 390×844 (issue 18, defects 8, 10 and 14).

Each test is the journey that found the defect:

* 8 — near "Polska" the page said both "a country has no single centre, so the distance was not
  used" and "distances are measured from Poland"; near "Monachium" it named the place in English;
* 10 — an office whose city is written only in its address (Gdynia) showed no city in the list;
* 14 — sector names, and the placeholders of empty choice fields, were English on the Polish page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, expect

from partner_directory.i18n import t
from partner_directory.sheet.schema import sector_name
from tests.browser import AppPage, StreamlitServer, demo_server, poll, window

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
WINDOWS = {"laptop": (1280, 800), "phone": (390, 844)}
GRID = "[data-testid='stDataFrame'] [role='grid']"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[StreamlitServer]:
    with demo_server(tmp_path_factory.mktemp("words_browser")) as running:
        yield running


@contextmanager
def polish_window(browser: Browser, server: StreamlitServer, size: tuple[int, int]) -> Iterator[AppPage]:
    with window(browser, server, size, locale="pl-PL") as app:
        yield app


def page_text(app: AppPage) -> str:
    return app.page.locator("[data-testid='stMain']").inner_text()


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_near_a_country_one_sentence_says_how_distance_was_used(browser, server, size):
    measured_from = t("ui.near_place", "pl", place="", radius="").split(":")[0]  # "Odległości liczone od"
    with polish_window(browser, server, size) as app:
        app.goto("/?lang=pl&near=Polska")
        expect(app.page.get_by_text("Kraj nie ma jednego środka", exact=False)).to_be_visible(timeout=WAIT_MS)
        text = page_text(app)
        assert measured_from not in text and "Poland" not in text, text[:600]
        app.goto("/?lang=pl&near=Monachium&radius=400")
        caption = app.page.get_by_text(measured_from, exact=False)
        expect(caption).to_be_visible(timeout=WAIT_MS)
        said = caption.inner_text()
        assert "Monachium" in said and "Niemcy" in said and "Germany" not in said, said


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_an_office_whose_city_is_only_in_its_address_shows_its_city_in_the_list(browser, server, size):
    with polish_window(browser, server, size) as app:
        app.goto("/?lang=pl&q=Gdynia%20Harbour")
        grid = app.page.locator(GRID).first
        cells = poll(
            grid.locator("[role='gridcell']").all_inner_texts,
            lambda found: any("Pomeranian" in cell for cell in found),
            message="the Gdynia office in the list",
        )
        assert "Gdynia" in cells, cells


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_sectors_and_empty_choices_are_in_polish(browser, server, size):
    with polish_window(browser, server, size) as app:
        app.goto("/?lang=pl&sector=Creative%20Industries")
        polish = sector_name("Creative Industries", "pl")
        assert polish != "Creative Industries"
        expect(app.page.get_by_text(polish, exact=True).first).to_be_visible(timeout=WAIT_MS)
        text = page_text(app)
        assert "Creative Industries" not in text and "Choose an option" not in text, text[:600]
