"""Layout in Chromium at 1280×800 and 390×844 (issue 18, defect 12): filters, the phone's first screen, the map.

Each test is the journey that found the defect: filters chosen from a shared link, the
first screen of a phone, a zoomed map's city labels, a popup opened under the legend,
a card closed while its popup stays open.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import (
    POPUP,
    ROOT,
    AppPage,
    StreamlitServer,
    app_environment,
    demo_server,
    poll,
    streamlit_server,
    window,
)

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
WINDOWS = {"laptop": (1280, 800), "phone": (390, 844)}
DIALOG = "[role='dialog']"
CHOSEN = "/?lang=pl&country=DE&country=PL&sector=Creative%20Industries"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[StreamlitServer]:
    with demo_server(tmp_path_factory.mktemp("words_layout")) as running:
        yield running


@contextmanager
def polish_window(browser: Browser, server: StreamlitServer, size: tuple[int, int]) -> Iterator[AppPage]:
    with window(browser, server, size, locale="pl-PL") as app:
        yield app


def wait_for_map(app: AppPage) -> None:
    app.map.locator(".leaflet-interactive, .marker-cluster").first.wait_for(timeout=WAIT_MS)
    app.page.wait_for_timeout(800)


def apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] >= b["x"] + b["width"]
        or b["x"] >= a["x"] + a["width"]
        or a["y"] >= b["y"] + b["height"]
        or b["y"] >= a["y"] + a["height"]
    )


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_a_chosen_filter_reads_whole_and_a_second_one_stays_in_sight(browser, server, size):
    with polish_window(browser, server, size) as app:
        app.goto(CHOSEN)
        tags = poll(
            lambda: app.page.evaluate(
                """() => [...document.querySelectorAll('[data-testid="stMultiSelect"]')].flatMap(field => {
                 const box = field.getBoundingClientRect();
                 return [...field.querySelectorAll('[data-testid="stMultiSelectTagsContainer"] > span > span')]
                   .map(tag => { const text = tag.firstElementChild, own = tag.getBoundingClientRect();
                     return {text: text.textContent, cut: text.scrollWidth > text.clientWidth + 1,
                             inside: own.left >= box.left - 1 && own.right <= box.right + 1
                                     && own.top >= box.top - 1 && own.bottom <= box.bottom + 1}; });
               })"""
            ),
            lambda found: len(found) == 3,  # the page may still be drawing its filters after its first run
            message="the three chosen filters",
        )
        assert sorted(tag["text"] for tag in tags) == ["Niemcy", "Polska", "Przemysły kreatywne"]
        assert [tag for tag in tags if tag["cut"] or not tag["inside"]] == []


def test_on_a_phone_the_count_and_the_map_are_on_the_first_screen(browser, server):
    with polish_window(browser, server, WINDOWS["phone"]) as app:
        app.goto("/?lang=pl")
        wait_for_map(app)
        height = WINDOWS["phone"][1]
        count = app.page.get_by_text("Znaleziono").first.bounding_box()
        frame = app.map_iframe().bounding_box()
        assert count is not None and frame is not None
        assert count["y"] + count["height"] <= height, count
        assert frame["y"] + 150 <= height, frame  # at least the map's top 150 px on the first screen
        first_filter = app.page.locator("[data-testid='stMultiSelect']").first.bounding_box()
        assert first_filter is not None and first_filter["y"] > frame["y"]  # the filters follow the map


# Every city label the map shows: its text and its box in the map's frame, as Chromium lays it out.
LABEL_BOXES = """() => [...document.querySelectorAll('.pd-city-label span')].map(span => {
  const box = span.getBoundingClientRect();
  return {text: span.textContent, x: box.x, y: box.y, width: box.width, height: box.height};
})"""


def overlapping_labels(app: AppPage) -> tuple[list[str], list[tuple[str, str]]]:
    """The labels shown once the map has settled, and every pair of them whose boxes overlap."""
    frame = app.map_iframe().element_handle().content_frame()
    assert frame is not None
    app.page.wait_for_timeout(1000)  # a zoom's animation, then the labels' update
    boxes = frame.evaluate(LABEL_BOXES)
    pairs = [
        (first["text"], second["text"])
        for index, first in enumerate(boxes)
        for second in boxes[index + 1 :]
        if not apart(first, second)
    ]
    return [box["text"] for box in boxes], pairs


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_city_labels_never_overlap(browser, server, size):
    with polish_window(browser, server, size) as app:
        app.goto(CHOSEN)  # two offices near Berlin: a close view, with Brandenburg, Potsdam and Neukölln
        wait_for_map(app)
        poll(
            lambda: app.map.locator(".pd-city-label span").count(),
            lambda count: count > 5,
            message="city labels on a zoomed map",
        )
        shown, pairs = overlapping_labels(app)
        assert pairs == [], shown
        assert "Berlin" in shown, shown  # the largest city in view always wins its place
        # Closer and farther: every view the map takes keeps its labels apart.
        for control in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out", ".leaflet-control-zoom-out"):
            app.map.locator(control).click()
            shown, pairs = overlapping_labels(app)
            assert pairs == [], (control, shown)


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_a_popup_opens_clear_of_the_legend_and_closes_with_its_card(browser, server, size):
    with polish_window(browser, server, size) as app:
        app.goto("/?lang=pl&country=DE&country=PL")
        wait_for_map(app)
        app.open_office_popup()
        close = app.map.locator(".leaflet-popup-close-button")
        expect(close).to_have_count(1, timeout=WAIT_MS)
        app.page.wait_for_timeout(1200)  # the popup's pans into view
        legend = app.map.locator(".pd-legend").bounding_box()
        cross = close.bounding_box()
        assert legend is not None and cross is not None and apart(legend, cross), (legend, cross)
        expect(app.page.locator(DIALOG)).to_have_count(1, timeout=WAIT_MS)  # a click on an office opens its card
        app.wait_until_idle()
        app.page.locator(DIALOG).get_by_role("button", name="Zamknij kartę").click()
        expect(app.page.locator(DIALOG)).to_have_count(0, timeout=WAIT_MS)
        expect(app.map.locator(POPUP)).to_have_count(0, timeout=5_000)


def test_the_list_offers_no_english_download_on_the_polish_page(browser, server):
    with polish_window(browser, server, WINDOWS["laptop"]) as app:
        app.goto("/?lang=pl")
        grid = app.page.locator(".st-key-list [data-testid='stDataFrame']")
        grid.scroll_into_view_if_needed()
        grid.hover()
        toolbar = app.page.locator(".st-key-list [data-testid='stElementToolbar']")
        expect(toolbar.locator("button").first).to_be_visible(timeout=WAIT_MS)
        expect(toolbar.locator("button[aria-label='Download as CSV']")).to_be_hidden()
        expect(app.page.get_by_role("button", name="⬇️ CSV (;)")).to_be_visible()  # the page's own, in its words


# -- the staff page ----------------------------------------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize("size", WINDOWS.values(), ids=WINDOWS.keys())
def test_the_staff_page_buttons_read_whole_and_the_toolbar_leaves_the_help_line(browser, tmp_path, size):
    from partner_directory.access.passwords import hash_password

    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "tests" / "files" / "staff_published.csv", data_file)
    environment = app_environment(data_file, tmp_path, password_hash=hash_password(STAFF_PASSWORD))
    with streamlit_server(environment, tmp_path / "streamlit.log") as staff, polish_window(browser, staff, size) as app:
        page = app.page
        app.goto("/staff?lang=pl")  # Polish words are the longer ones
        page.get_by_role("textbox", name="Imię i nazwisko (zapisywane w rejestrze zmian)").fill("Anna Testowa")
        page.get_by_role("textbox", name="Hasło pracowników").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Zaloguj").click()
        expect(page.get_by_role("heading", name="Dane partnerów", exact=True)).to_be_visible(timeout=60_000)
        app.wait_until_idle()
        export = ROOT / "tests" / "files" / "partnerzy_eksport_excel_cp1250.csv"
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(export))
        discard = page.get_by_role("button", name="Odrzuć wersję roboczą")
        expect(discard).to_be_visible(timeout=60_000)
        cut = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stMain"] button')]
                 .filter(button => button.offsetParent !== null)
                 .flatMap(button => [...button.querySelectorAll('p')])
                 .filter(text => text.scrollWidth > text.clientWidth + 1 || text.scrollHeight > text.clientHeight + 1)
                 .map(text => text.textContent)"""
        )
        assert cut == []
        page.get_by_role("tab", name="Edytuj na miejscu").click()
        help_line = page.get_by_text("przechowywane na serwerze jako wersja robocza").first
        expect(help_line).to_be_visible(timeout=60_000)
        grid = page.locator(".st-key-editor [data-testid='stDataFrame']").first
        expect(grid).to_be_visible(timeout=60_000)
        grid.scroll_into_view_if_needed()
        grid.hover()
        toolbar = page.locator(".st-key-editor [data-testid='stElementToolbar']")
        expect(toolbar.locator("button").first).to_be_visible(timeout=60_000)
        line, bar = help_line.bounding_box(), toolbar.bounding_box()
        assert line is not None and bar is not None and apart(line, bar), (line, bar)
