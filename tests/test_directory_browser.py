"""The members' page in real headless Chromium at three window sizes: clicks, the card, the keyboard, axe-core.

Everything here happens as a member would do it: the map is clicked where it
is, partly scrolled out of the window, without scrolling it into view first;
the card must then open where the member looks and take the focus. axe-core
(``tests/axe/``, vendored from npm by ``scripts/vendor_static.sh``) checks
every page, the map's iframe included. Tiles never load here (every request
to another host is aborted), so the map must say where it is on its own.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser import (
    CLUSTER_ICONS,
    MAP_IFRAME,
    OFFICE_MARKERS,
    POPUP,
    POPUP_RECORDER,
    ROOT,
    AppPage,
    StreamlitServer,
    app_environment,
    demo_server,
    poll,
    screenshot,
    streamlit_server,
    window,
)

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
WINDOWS = {"desktop": (1400, 900), "laptop": (1280, 720), "phone": (390, 844)}
AXE = ROOT / "tests" / "axe" / "axe.min.js"
DIALOG = "[role='dialog']"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[StreamlitServer]:
    """One dashboard on a copy of the demo data for the whole module (the tests only read)."""
    with demo_server(tmp_path_factory.mktemp("directory")) as running:
        yield running


def main_scroll(page: Page) -> float:
    return page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop")


def scroll_main_to(page: Page, top: float) -> None:
    page.evaluate("(top) => { document.querySelector('[data-testid=stMain]').scrollTop = top; }", top)
    page.wait_for_timeout(300)


def map_frame(app: AppPage) -> Frame:
    return app._map_frame()


def wait_for_map(app: AppPage) -> None:
    app.map.locator(f"{OFFICE_MARKERS}, {CLUSTER_ICONS}").first.wait_for(timeout=WAIT_MS)
    app.page.wait_for_timeout(500)


def leave_map_partly_out(app: AppPage, visible: int = 330) -> None:
    """Scroll so that only ``visible`` pixels of the map are in the window: its top, or else its bottom part."""
    page = app.page
    viewport = page.viewport_size
    assert viewport is not None
    box = app.map_iframe().bounding_box()
    assert box is not None
    if viewport["height"] - visible <= box["y"] < viewport["height"] - 100:
        pass  # already cut off at the bottom (a short window)
    elif main_scroll(page) + box["y"] + visible - viewport["height"] > 0:
        scroll_main_to(page, main_scroll(page) + box["y"] + visible - viewport["height"])
    else:  # the map is high on the page: cut off its top instead
        scroll_main_to(page, main_scroll(page) + box["y"] + box["height"] - visible)
    box = app.map_iframe().bounding_box()
    assert box is not None
    cut = box["y"] < -50 or box["y"] + box["height"] > viewport["height"] + 50
    shown = min(box["y"] + box["height"], viewport["height"]) - max(box["y"], 0)
    assert cut and shown > 100, f"the map should be partly out of the window: {box}, {viewport}"


def visible_office_marker(app: AppPage) -> dict[str, float] | None:
    """The page coordinates of an office marker's centre that is in the window and not covered, if any."""
    viewport = app.page.viewport_size
    assert viewport is not None
    iframe = app.map_iframe().bounding_box()
    assert iframe is not None
    spots = map_frame(app).evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((element) => {
            const box = element.getBoundingClientRect();
            const x = box.x + box.width / 2, y = box.y + box.height / 2;
            const hit = document.elementFromPoint(x, y);
            return { x, y, free: Boolean(box.width) && (hit === element || element.contains(hit)) };
        }).filter((spot) => spot.free)""",
        OFFICE_MARKERS,
    )
    for spot in spots:
        x, y = iframe["x"] + spot["x"], iframe["y"] + spot["y"]
        if 10 < y < viewport["height"] - 10 and 0 < x < viewport["width"]:
            return {"x": x, "y": y}
    return None


def marker_clicked_before(app: AppPage) -> dict[str, float]:
    """Where, on the page, a member clicks again the office marker clicked before: its lower half.

    Popups are built on a marker's first click, so the one marker with a popup is the one clicked;
    its popup closed with its card (issue 18).
    """
    app.map_iframe().scroll_into_view_if_needed()
    iframe = app.map_iframe().bounding_box()
    assert iframe is not None
    spot = map_frame(app).evaluate(
        """() => {
            let found = null;
            window.map.eachLayer((layer) => {
                if (!found && layer._path && layer.getPopup && layer.getPopup()) { found = layer; }
            });
            if (!found || !found._path) { return null; }
            const box = found._path.getBoundingClientRect();
            const x = box.x + box.width / 2, y = box.y + box.height * 0.75;
            return { x, y, hit: document.elementFromPoint(x, y) === found._path };
        }"""
    )
    assert spot and spot["hit"], spot
    return {"x": iframe["x"] + spot["x"], "y": iframe["y"] + spot["y"]}


def open_clusters_until_an_office_shows(app: AppPage) -> dict[str, float]:
    """Click clusters in view (as a member would) until an office marker is in the window."""
    viewport = app.page.viewport_size
    assert viewport is not None
    for _ in range(6):
        spot = visible_office_marker(app)
        if spot is not None:
            return spot
        iframe = app.map_iframe().bounding_box()
        assert iframe is not None
        clusters = map_frame(app).evaluate(
            """(selector) => [...document.querySelectorAll(selector)].map((element) => {
                const box = element.getBoundingClientRect();
                return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
            })""",
            CLUSTER_ICONS,
        )
        in_view = [c for c in clusters if iframe["y"] + c["y"] < viewport["height"] - 20 and iframe["y"] + c["y"] > 20]
        assert in_view, "no cluster and no office in the visible part of the map"
        before = main_scroll(app.page)
        app.page.mouse.click(iframe["x"] + in_view[0]["x"], iframe["y"] + in_view[0]["y"])
        app.page.wait_for_timeout(900)
        assert main_scroll(app.page) == before, "clicking a cluster scrolled the page"
    raise AssertionError("no office marker came into view")


def assert_card_in_view_with_focus(app: AppPage, name: str | None = None) -> None:
    page = app.page
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_visible(timeout=WAIT_MS)
    if name is not None:
        expect(dialog).to_contain_text(name)
    expect(dialog.get_by_role("button", name="Prepare the request")).to_be_attached()
    viewport = page.viewport_size
    assert viewport is not None
    box = poll(dialog.bounding_box, lambda b: b is not None and b["y"] >= 0, message="the card's place")
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, box
    assert 0 <= box["y"] < viewport["height"] - 100, box
    heading_box = dialog.locator("h2, [role='heading']").first.bounding_box()
    assert heading_box is not None and 0 <= heading_box["y"] < viewport["height"], heading_box
    poll(
        lambda: page.evaluate("Boolean(document.activeElement && document.activeElement.closest('[role=dialog]'))"),
        bool,
        timeout=10,
        message="the focus inside the card",
    )


def click_first_row(app: AppPage, grid) -> None:
    """Click the first row's selection box where the member sees it: once, measured when the app is idle.

    No second try: a click that opens nothing is the defect the tests look for
    (it was the list jumping down under the pointer when the map's frame loaded).
    """
    app.wait_until_idle()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    viewport = app.page.viewport_size
    assert box is not None and viewport is not None
    x, y = box["x"] + 15, box["y"] + 35 + 17
    assert 0 <= y < viewport["height"] and 0 <= x < viewport["width"], (box, viewport)
    app.page.mouse.click(x, y)


def close_card(app: AppPage) -> None:
    # With the card's own button: a dismissal (× or Escape) made while the app is
    # still running can be lost by Streamlit (the card closes, the pick stays).
    app.wait_until_idle()
    app.page.locator(DIALOG).get_by_role("button", name="Close the card").click()
    expect(app.page.locator(DIALOG)).to_have_count(0, timeout=WAIT_MS)
    app.wait_until_idle()


# --- no click is lost --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", list(WINDOWS.values()), ids=list(WINDOWS))
def test_a_marker_click_on_a_partly_hidden_map_opens_the_card_in_view(browser, server, size):
    with window(browser, server, size) as app:
        app.goto("/")
        wait_for_map(app)
        leave_map_partly_out(app)
        # The map's own page fits its frame: nothing in it can scroll.
        frame = map_frame(app)
        assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight + 1"), frame.evaluate(
            "[document.documentElement.scrollHeight, innerHeight]"
        )
        spot = open_clusters_until_an_office_shows(app)
        map_frame(app).evaluate(POPUP_RECORDER)
        before = main_scroll(app.page)
        app.page.mouse.move(spot["x"], spot["y"])
        app.page.mouse.down()
        app.page.wait_for_timeout(200)
        assert main_scroll(app.page) == before, "the page jumped under the mouse"
        app.page.mouse.up()
        popups = poll(app.popups, lambda found: len(found) > 0, timeout=15, message="the marker's popup")
        name = popups[-1].lines[0]
        assert_card_in_view_with_focus(app, name)
        screenshot(app.page, f"card-from-map-{size[0]}x{size[1]}")
        # The map stays as it was while the card is open: the same office, clicked again, opens it again.
        close_card(app)
        expect(app.map.locator(POPUP)).to_have_count(0, timeout=WAIT_MS)  # the popup closed with its card
        again = marker_clicked_before(app)
        app.page.mouse.click(again["x"], again["y"])
        assert_card_in_view_with_focus(app, name)
        assert app.errors == []


# --- the card: from the list, from a shared link; closing keeps the search ----------------------------------------


def test_the_list_does_not_jump_when_the_map_loads(browser, server):
    """From its first frame to the loaded map, the list stays where the member sees it.

    The map's frame used to be 0 px tall for a moment while its script set
    itself up, so the list jumped up and back down by the map's height under
    the pointer; every animation frame's position of the list is recorded.
    """
    with window(browser, server, WINDOWS["laptop"]) as app:
        app.page.add_init_script(
            """window.listTops = [];
            const record = () => {
                const grid = document.querySelector('[data-testid=stDataFrame]');
                const main = document.querySelector('[data-testid=stMain]');
                if (grid && main) window.listTops.push(grid.getBoundingClientRect().top + main.scrollTop);
                requestAnimationFrame(record);
            };
            requestAnimationFrame(record);"""
        )
        app.goto("/?q=robotics")
        wait_for_map(app)
        app.wait_until_idle()
        tops = app.page.evaluate("window.listTops")
        assert tops, "the list was never drawn"
        assert max(tops) - min(tops) <= 20, (
            f"the list moved between {min(tops)} and {max(tops)} px while the page loaded"
        )


@pytest.mark.parametrize("size", list(WINDOWS.values()), ids=list(WINDOWS))
def test_a_list_row_opens_the_card_in_view_and_closing_keeps_the_search(browser, server, size):
    with window(browser, server, size) as app:
        app.goto("/?q=robotics")
        page = app.page
        expect(page.get_by_text("matching “robotics”", exact=False)).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        # The rows are drawn (the grid's accessible table has them) before a row is clicked.
        expect(grid.locator("[role='grid']")).not_to_have_attribute("aria-rowcount", re.compile("^[01]$"))
        click_first_row(app, grid)
        assert_card_in_view_with_focus(app)
        close_card(app)
        expect(page.get_by_role("textbox", name="Search", exact=True)).to_have_value("robotics")
        expect(page.get_by_text("matching “robotics”", exact=False)).to_be_visible()
        url = poll(lambda: page.url, lambda url: "partner=" not in url, message="the card's partner left the URL")
        assert "q=robotics" in url
        # The card stays closed through the next rerun.
        page.get_by_role("textbox", name="Search", exact=True).fill("robot")
        page.get_by_role("textbox", name="Search", exact=True).press("Enter")
        expect(page.get_by_text("matching “robot”", exact=False)).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        expect(page.locator(DIALOG)).to_have_count(0)


@pytest.mark.parametrize("size", list(WINDOWS.values()), ids=list(WINDOWS))
def test_a_shared_link_opens_the_card_in_view(browser, server, size):
    with window(browser, server, size) as app:
        app.goto("/?q=maritime&partner=pomeranian-ict-gdansk")
        assert_card_in_view_with_focus(app, "Pomeranian ICT Cluster")
        close_card(app)
        expect(app.page.get_by_role("textbox", name="Search", exact=True)).to_have_value("maritime")
        url = poll(lambda: app.page.url, lambda url: "partner=" not in url, message="the card's partner left the URL")
        assert "q=maritime" in url


def test_the_keyboard_alone_opens_a_card_from_the_list(browser, server):
    with window(browser, server, WINDOWS["laptop"]) as app:
        app.goto("/?q=robotics")
        page = app.page
        expect(page.get_by_text("Shift+Space", exact=False)).to_be_visible(timeout=WAIT_MS)
        # The map and the list are drawn before the walk: the map's offices are buttons on the Tab path, and a
        # list still being drawn has no cell to land on.
        app.map_iframe()
        expect(page.locator("[data-testid='stDataFrame'] [role='gridcell']").first).to_be_attached(timeout=WAIT_MS)
        page.get_by_role("button", name="Clear the search").focus()
        in_list = (
            "Boolean(document.activeElement.closest('[data-testid=stDataFrame]'))"
            " && !document.activeElement.closest('[data-testid=stElementToolbar]')"
        )
        for _ in range(120):
            page.keyboard.press("Tab")
            if page.evaluate(in_list):
                break
        else:
            raise AssertionError("Tab never reached the list")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Shift+Space")
        assert_card_in_view_with_focus(app)


def fits_without_scrolling(page: Page) -> bool:
    frame = page.locator("[data-testid='stDataFrame']").first
    return frame.evaluate(
        "(f) => [...f.querySelectorAll('.dvn-scroller')].every((s) => s.scrollWidth <= s.clientWidth + 1)"
    )


# --- the list at 1280 px and on a phone ----------------------------------------------------------------------------


def test_the_list_is_readable_at_1280_px_and_results_come_first_on_a_phone(browser, server):
    with window(browser, server, WINDOWS["laptop"]) as app:
        app.goto("/?near=Munich&radius=400")
        page = app.page
        sentence = page.get_by_text("Distances are measured from", exact=False)
        expect(sentence).to_be_visible(timeout=WAIT_MS)
        grid = page.locator("[data-testid='stDataFrame'] [role='grid']").first
        headers = poll(
            grid.locator("[role='columnheader']").all_inner_texts, lambda found: len(found) >= 5, message="headers"
        )
        assert headers == ["Partner", "City", "Country", "Distance", "Services"], headers
        # An office placed only at its city is not "0 km" as if exact.
        cells = grid.locator("[role='gridcell']").all_inner_texts()
        assert any(cell.startswith(("≈", "under")) for cell in cells), cells
        assert not any(re.match(r"^0(\.0)? km", cell) for cell in cells), cells
        # Every column fits: the grid does not scroll sideways.
        assert fits_without_scrolling(page)
        # The distance sentence sits with the result sentence, above the map.
        sentence_box = sentence.bounding_box()
        map_box = app.map_iframe().bounding_box()
        assert sentence_box and map_box and sentence_box["y"] < map_box["y"]
        screenshot(page, "list-1280")
        # The whole list too, with the longest names and every service.
        app.goto("/")
        expect(page.get_by_text("47 partners", exact=False)).to_be_visible(timeout=WAIT_MS)
        page.wait_for_timeout(1000)
        assert fits_without_scrolling(page)
    with window(browser, server, WINDOWS["phone"]) as app:
        app.goto("/")
        page = app.page
        intro = page.get_by_text("Under the Business Roaming Agreement", exact=False)
        expect(intro).to_be_attached(timeout=WAIT_MS)
        grid = page.locator("[data-testid='stDataFrame']").first
        grid_box, intro_box = grid.bounding_box(), intro.bounding_box()
        assert grid_box and intro_box and grid_box["y"] < intro_box["y"], "results come before the introduction"


# --- the map: names, legend, offline ----------------------------------------------------------------------------


POLISH_OFFICES = {1: "biuro", 2: "biura", 3: "biura", 4: "biura", 5: "biur", 12: "biur", 22: "biura", 39: "biur"}


def test_cluster_icons_are_named_in_the_pages_language(browser, server):
    for locale, lang in (("en-GB", "en"), ("pl-PL", "pl")):
        with window(browser, server, WINDOWS["desktop"], locale=locale) as app:
            app.goto(f"/?lang={lang}")
            wait_for_map(app)
            icons = app.map.locator(CLUSTER_ICONS)
            assert icons.count() > 2
            for index in range(icons.count()):
                icon = icons.nth(index)
                count = int(icon.inner_text())
                label = icon.get_attribute("aria-label")
                if lang == "en":
                    assert label == f"{count} offices", label
                else:
                    word = POLISH_OFFICES.get(count) or ("biura" if count % 10 in (2, 3, 4) else "biur")
                    assert label == f"{count} {word}", label
                assert icon.get_attribute("role") == "button" and icon.get_attribute("tabindex") == "0"


def test_the_legend_is_not_covered_on_a_phone(browser, server):
    with window(browser, server, WINDOWS["phone"]) as app:
        app.goto("/")
        wait_for_map(app)
        legend = app.map.locator(".pd-legend").bounding_box()
        assert legend is not None
        for selector in (".leaflet-control-attribution", ".leaflet-control-zoom"):
            other = app.map.locator(selector).bounding_box()
            assert other is not None, selector
            apart = (
                other["x"] >= legend["x"] + legend["width"]
                or legend["x"] >= other["x"] + other["width"]
                or other["y"] >= legend["y"] + legend["height"]
                or legend["y"] >= other["y"] + other["height"]
            )
            assert apart, (selector, legend, other)
        iframe = app.map_iframe().bounding_box()
        assert iframe is not None
        assert legend["x"] >= iframe["x"] and legend["x"] + legend["width"] <= iframe["x"] + iframe["width"]


def test_a_zoomed_map_without_tiles_names_the_place_and_draws_fine_borders(browser, server):
    with window(browser, server, WINDOWS["desktop"]) as app:
        app.goto("/")
        wait_for_map(app)
        labels = app.map.locator(".leaflet-pd-labels-pane .pd-city-label")
        assert labels.count() == 0, "a world view is not cluttered with city names"
        pane = ".leaflet-pd-outlines-pane"
        outlines = f"() => [document.querySelector('{pane}').dataset.pdOutlines, document.querySelectorAll('{pane} path').length]"
        world = poll(lambda: map_frame(app).evaluate(outlines), lambda now: now[0] == "coarse" and now[1] > 100)
        assert not any(url.endswith("countries-50m.geojson") for url in app.requests), "fetched only when needed"
        # One office found: the map zooms to its city.
        app.goto("/?q=Savannah")
        wait_for_map(app)
        frame = map_frame(app)
        expect(labels.filter(has_text=re.compile("^Nairobi$"))).to_be_visible(timeout=WAIT_MS)
        assert labels.count() >= 3, labels.all_inner_texts()
        poll(
            lambda: any(url.endswith("/app/static/world/countries-50m.geojson") for url in app.requests),
            bool,
            message="the fine outlines asked for",
        )
        # The 1:50m outlines, and only of the countries near the view (Kenya and its neighbours, not the world).
        _, drawn = poll(
            lambda: frame.evaluate(outlines),
            lambda now: now[0] == "fine" and now[1] > 0,
            message="the fine outlines drawn",
        )
        assert drawn < world[1], (drawn, world)
        # Tiles were asked for and refused: the names and borders are all the map has.
        assert any("tile.openstreetmap.org" in url for url in app.foreign_requests())
        screenshot(app.page, "map-zoomed-without-tiles")


# --- focus and axe-core ---------------------------------------------------------------------------------------------


def test_focus_is_visible_on_the_sidebar_links(browser, server):
    with window(browser, server, WINDOWS["desktop"]) as app:
        app.goto("/")
        link = app.page.locator("[data-testid='stSidebarNav'] a").first
        # Reached by the keyboard, as a person tabs to it; again if a re-render took the focus meanwhile.
        for _ in range(3):
            link.focus()
            app.page.keyboard.press("Shift+Tab")
            app.page.keyboard.press("Tab")
            if link.evaluate("(a) => document.activeElement === a"):
                break
        style = link.evaluate(
            "(a) => { const s = getComputedStyle(a); return [s.outlineStyle, s.outlineWidth,"
            " document.activeElement === a, a.matches(':focus-visible'), document.activeElement.outerHTML.slice(0, 120)]; }"
        )
        assert style[0] != "none" and style[1] not in ("0px", ""), style


# Violations that come from Streamlit's own markup, not from this app; each with its reason.
STREAMLIT_VIOLATIONS: dict[str, str] = {}


def run_axe(frame: Frame | Page, *, exclude: list[str] | None = None) -> list[dict]:
    frame.add_script_tag(path=str(AXE))
    return frame.evaluate(
        """async (exclude) => {
            const context = exclude && exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
            const result = await axe.run(context, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
            }));
        }""",
        exclude or [],
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("critical", "serious") and v["id"] not in STREAMLIT_VIOLATIONS]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "BRA partner directory"),
        ("/overview", "The BRA network at a glance"),
        ("/staff", "Office staff sign-in"),
        ("/?partner=pomeranian-ict-gdansk", "BRA partner directory"),
    ],
    ids=["directory", "overview", "sign-in", "card"],
)
def test_axe_finds_no_serious_violation(browser, server, path, heading):
    with window(browser, server, WINDOWS["desktop"]) as app:
        app.goto(path)
        page = app.page
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_attached(timeout=WAIT_MS)
        app.wait_until_idle()
        page.wait_for_timeout(1000)
        found = serious(run_axe(page, exclude=[MAP_IFRAME]))
        if page.locator(MAP_IFRAME).count():
            wait_for_map(app)
            found += serious(run_axe(map_frame(app)))
        assert found == [], found


def test_the_card_heading_follows_the_page_heading(browser, server):
    with window(browser, server, WINDOWS["desktop"]) as app:
        app.goto("/?partner=pomeranian-ict-gdansk")
        expect(app.page.locator(DIALOG)).to_be_visible(timeout=WAIT_MS)
        levels = app.page.evaluate(
            "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
            ".filter((h) => h.offsetParent !== null).map((h) => Number(h.tagName[1]))"
        )
        assert levels and levels[0] == 1, levels
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, levels


@pytest.fixture(scope="module")
def tileless_server(tmp_path_factory) -> Iterator[StreamlitServer]:
    """The demo data without map tiles: a page that asks no other host for anything, so it may use its cache."""
    folder = tmp_path_factory.mktemp("tileless")
    shutil.copy(ROOT / "data" / "partners.csv", folder / "partners.csv")
    environment = app_environment(folder / "partners.csv", folder) | {"PARTNER_DIRECTORY_TILE_URL": ""}
    with streamlit_server(environment, folder / "streamlit.log") as running:
        yield running


def test_the_maps_offices_arrive_once_and_each_search_shows_its_own(browser, tileless_server):
    """The offices are one file per published list; a search sends which of them to show, not the offices."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        app = AppPage(context.new_page(), tileless_server.url, block_foreign=False)
        app.goto()
        wait_for_map(app)
        search = app.page.get_by_role("textbox", name="Search", exact=True)
        transferred, listed = [], []
        grid = app.page.locator("[data-testid='stDataFrame'] [aria-rowcount]")

        def shown() -> tuple[int, int]:
            """The list's rows (aria-rowcount counts the header too) and the offices on the map."""
            return int(grid.get_attribute("aria-rowcount") or 0) - 1, app.offices_on_map()

        for word in ("", "gdansk", "robot", ""):
            if word or listed:
                search.fill(word)
                search.press("Enter")
            # Until the new search is on both (the run may not have started yet; the old map may linger).
            rows, _ = poll(
                shown,
                lambda pair: pair[0] == pair[1] and (not listed or pair[0] != listed[-1]),
                message=f"{word!r}: the list and the map show the same offices",
            )
            listed.append(rows)
            # What the browser itself measured for the file, in the map's own document.
            # The points, and the texts once an office is drawn alone: each file at most once per map.
            # The map stays mounted across searches: what this search fetched is what came since the last.
            entries, before = map_frame(app).evaluate(
                "() => { const entries = performance.getEntriesByType('resource')"
                ".filter((e) => e.name.includes('/offices/offices-')).map((e) => [e.name, e.transferSize]);"
                " const before = window.__officeEntries || 0; window.__officeEntries = entries.length;"
                " return [entries, before]; }"
            )
            assert len(entries) <= 2 and len({name for name, _ in entries}) == len(entries), entries
            transferred.append(sum(size for _, size in entries[before:]))
        assert listed[0] == listed[3] == 62 and 0 < listed[1] < listed[2] < 62, listed
        # In full once (the 62 offices' texts are 18 KB); every later map takes them from the page's
        # own copy (nothing fetched), the cache or a 304.
        assert transferred[0] > 2_000 and all(size < 1_000 for size in transferred[1:]), transferred
        assert app.foreign_requests() == [] and not app.errors, (app.foreign_requests(), app.errors)
    finally:
        context.close()


def test_a_map_whose_offices_cannot_be_fetched_says_so_and_the_list_stays(browser, server):
    with window(browser, server, WINDOWS["laptop"]) as app:
        # The network drops the offices' files (not the map's code, which is written into the same folder).
        app.page.route("**/app/static/offices/offices-*", lambda route: route.abort())
        app.goto()
        notice = app.map.get_by_role("alert")
        expect(notice).to_have_text(re.compile("offices could not be loaded onto the map"), timeout=WAIT_MS)
        assert app.map.locator(f"{OFFICE_MARKERS}, {CLUSTER_ICONS}").count() == 0
        expect(app.page.get_by_text(re.compile(r"47 partners \(62 offices\)"))).to_be_visible()
        expect(app.page.locator("[data-testid='stDataFrame']")).to_be_visible()


# What the map's own document says about its markers: how many wear the selected style, and its view.
MAP_STATE = """(selectedColour) => {
    let group = null;
    window.map.eachLayer((layer) => { if (layer.officeStyles) { group = layer; } });
    const styles = group ? group.officeStyles() : [];  // every office shown, drawn alone or in a cluster
    return {
        probe: window.__probe || null,
        zoom: window.map.getZoom(),
        markers: styles.length,
        selected: styles.filter((style) => style.color === selectedColour).length,
    };
}"""


def test_opening_and_closing_a_card_keeps_the_members_zoom_and_marks_the_partners_offices(browser, server):
    """The open card's partner stands out on the map, and the map the member zoomed stays where it was."""
    from partner_directory.maps.elements import MARKER_STYLES

    colour = MARKER_STYLES["selected"]["color"]
    with window(browser, server, WINDOWS["desktop"]) as app:
        app.goto("/?q=robotics")
        wait_for_map(app)
        frame = map_frame(app)
        frame.evaluate(
            "() => { window.__probe = 'the same map'; window.map.setView([50.0, 10.0], 5, {animate: false}); }"
        )
        before = frame.evaluate(MAP_STATE, colour)
        assert before["probe"] and before["zoom"] == 5 and before["markers"] > 1 and before["selected"] == 0, before
        grid = app.page.locator("[data-testid='stDataFrame']").first
        expect(grid.locator("[role='grid']")).not_to_have_attribute("aria-rowcount", re.compile("^[01]$"))
        click_first_row(app, grid)
        assert_card_in_view_with_focus(app)
        app.wait_until_idle()
        opened = poll(lambda: frame.evaluate(MAP_STATE, colour), lambda s: s["selected"] > 0, message="marked")
        assert opened["probe"] == "the same map" and opened["zoom"] == 5, opened  # not mounted again
        close_card(app)
        closed = poll(lambda: frame.evaluate(MAP_STATE, colour), lambda s: s["selected"] == 0, message="unmarked")
        assert closed["probe"] == "the same map" and closed["zoom"] == 5, closed
        expect(app.page.locator(MAP_IFRAME)).to_have_count(1)
