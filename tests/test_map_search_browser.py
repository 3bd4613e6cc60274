"""A search redraws the members' map in place: the same frame, the offices found, clicks that open the right card.

In real headless Chromium on the demo data. The map of the published list's
file stays mounted across searches (``dashboard.members.map_frame``); these
tests mark the mounted map's frame and window, search, and check that the
marks survive, that the map shows exactly the offices the search found (as
``search`` finds them on the same file) and that a click on an office after
the search opens its partner's card, and that the click the mounted map keeps
reporting opens nothing when a later search shows that office again. One test holds the map's scripts back
while a search is made, as a slow network would: the map mounted afterwards
must show that search, not the one it was mounted for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Frame, Route, expect

from tests.browser import (
    CLUSTER_ICONS,
    MAP_IFRAME,
    OFFICE_MARKERS,
    ROOT,
    AppPage,
    StreamlitServer,
    demo_server,
    poll,
    window,
)

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
SIZE = (1400, 1000)

# In the map's frame: where every office shown is, how many searches it has drawn, the marks of a test.
MAP_STATE = """() => {
    let group = null;
    window.map.eachLayer((layer) => { if (layer.shownOffices) { group = layer; } });
    const container = window.map.getContainer();
    const view = window.map.getBounds();
    return {
        probe: window.__probe || null,
        zoom: window.map.getZoom(),
        inView: group ? group.shownOffices().every((office) => view.contains(office)) : false,
        shows: Number(container.getAttribute('data-pd-shows') || 0),
        offices: group ? group.shownOffices() : null,
    };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[StreamlitServer]:
    """One dashboard on a copy of the demo data for the whole module (the tests only read)."""
    with demo_server(tmp_path_factory.mktemp("map-search")) as running:
        yield running


@pytest.fixture(scope="module")
def offices(tmp_path_factory):
    """The demo file's offices as the app reads them."""
    from partner_directory.publication.published import load_directory

    folder = tmp_path_factory.mktemp("map-search-data")
    return load_directory(ROOT / "data" / "partners.csv", cache_path=folder / "geocode.sqlite").table


def found_positions(offices, text: str) -> list[tuple[float, float]]:
    """Where the offices a search for ``text`` finds are, as the map must show them."""
    from partner_directory.search.criteria import Criteria
    from partner_directory.search.engine import search

    rows = search(offices, Criteria(text=text)).rows
    rows = rows[rows["lat"].notna() & rows["lon"].notna()]
    return _rounded(zip(rows["lat"], rows["lon"], strict=True))


def _rounded(points) -> list[tuple[float, float]]:
    return sorted((round(float(latitude), 3), round(float(longitude), 3)) for latitude, longitude in points)


def map_frame(app: AppPage) -> Frame:
    return app._map_frame()


def state(app: AppPage) -> dict:
    return map_frame(app).evaluate(MAP_STATE)


def wait_for_map(app: AppPage) -> None:
    app.map.locator(f"{OFFICE_MARKERS}, {CLUSTER_ICONS}").first.wait_for(timeout=WAIT_MS)


def search_for(app: AppPage, text: str) -> None:
    box = app.page.get_by_role("textbox", name="Search", exact=True)
    box.fill(text)
    box.press("Enter")
    expect(app.page.get_by_text(f"matching “{text}”", exact=False)).to_be_visible(timeout=WAIT_MS)
    app.wait_until_idle()


def test_a_search_redraws_the_mounted_map_with_exactly_the_offices_found(browser, server, offices):
    with window(browser, server, SIZE) as app:
        app.goto("/")
        wait_for_map(app)
        everything = poll(lambda: state(app), lambda now: now["shows"] >= 1, message="the offices shown")
        assert everything["offices"] is not None and len(everything["offices"]) == len(found_positions(offices, ""))
        # Marks on the frame's element and in its window: a new frame has neither.
        app.page.locator(MAP_IFRAME).evaluate("(frame) => { frame.dataset.probe = 'the same frame'; }")
        map_frame(app).evaluate("() => { window.__probe = 'the same map'; }")
        for text in ("robotics", "maritime", "gdansk"):
            before = state(app)["shows"]
            search_for(app, text)
            after = poll(lambda: state(app), lambda now, b=before: now["shows"] > b, message=f"the map of “{text}”")
            expected = found_positions(offices, text)
            assert 0 < len(expected) < len(everything["offices"]), text
            assert _rounded(after["offices"]) == expected, text
            assert after["probe"] == "the same map", "the search mounted a new map"
            assert after["inView"], f"{text}: the view is fitted to the offices found"
            expect(app.page.locator(MAP_IFRAME)).to_have_count(1)
            assert app.page.locator(MAP_IFRAME).get_attribute("data-probe") == "the same frame"
            # What the map draws adds up to what it shows: clusters' numbers plus lone offices.
            poll(app.offices_on_map, lambda count, n=len(expected): count == n, message=f"{text}: offices drawn")
        assert after["zoom"] >= 6, after["zoom"]  # Gdańsk's offices: a close view, not the world


def test_a_search_made_again_and_clear_all_show_their_offices_from_the_kept_clusters(browser, server, offices):
    """offices.js keeps the clusters of the last few searches; a search made again shows exactly its offices."""
    with window(browser, server, SIZE) as app:
        app.goto("/")
        wait_for_map(app)
        everything = poll(lambda: state(app), lambda now: now["shows"] >= 1, message="the offices shown")
        for text in ("maritime", "robotics", "maritime", "robotics"):
            before = state(app)["shows"]
            search_for(app, text)
            after = poll(lambda: state(app), lambda now, b=before: now["shows"] > b, message=f"the map of “{text}”")
            assert _rounded(after["offices"]) == found_positions(offices, text), text
            expected = len(found_positions(offices, text))
            poll(app.offices_on_map, lambda count, n=expected: count == n, message=f"{text}: offices drawn")
        before = state(app)["shows"]
        app.page.get_by_role("button", name="Clear the search").click()
        after = poll(lambda: state(app), lambda now: now["shows"] > before, message="the map of every office")
        assert _rounded(after["offices"]) == _rounded(everything["offices"])
        poll(app.offices_on_map, lambda count: count == len(everything["offices"]), message="every office drawn")


def test_a_click_on_an_office_after_a_search_opens_that_partners_card(browser, server):
    with window(browser, server, SIZE) as app:
        app.goto("/")
        wait_for_map(app)
        map_frame(app).evaluate("() => { window.__probe = 'the same map'; }")
        before = state(app)["shows"]
        search_for(app, "maritime")
        poll(lambda: state(app), lambda now: now["shows"] > before, message="the map of the search")
        popup = app.open_office_popup()
        match = re.search(r"Partner ID:\s*(\S+)\s*$", popup.text)
        assert match, popup.text
        partner = match.group(1)
        # Playwright's own wait: it handles the page's events (a bare poll of page.url would not).
        expect(app.page).to_have_url(re.compile(f"partner={re.escape(partner)}"), timeout=WAIT_MS)
        url = app.page.url
        assert "q=maritime" in url
        dialog = app.page.get_by_role("dialog")
        expect(dialog).to_be_visible(timeout=WAIT_MS)
        expect(dialog).to_contain_text(popup.lines[0])
        assert state(app)["probe"] == "the same map"


@contextmanager
def maps_code_held(app: AppPage) -> Iterator[None]:
    """Open the page with the map's code held back until the block ends (then it loads)."""
    held: list[Route] = []
    map_code = "**/static/offices/map-*.js"  # Leaflet, supercluster and offices.js in one file (maps.assets.map_bundle)
    app.page.route(map_code, lambda route: held.append(route))
    app.goto("/")
    for _ in range(300):  # Playwright's own wait, which hands the request to the route
        if held:
            break
        app.page.wait_for_timeout(100)
    assert held, "the map's frame never asked for its code"
    yield
    app.page.unroute(map_code)
    for route in held:
        route.continue_()


def test_a_search_made_while_the_map_mounts_is_the_one_it_shows(browser, server, offices):
    """The frame ignores new arguments while its scripts load; the search must reach the map all the same."""
    with window(browser, server, SIZE) as app:
        with maps_code_held(app):
            search_for(app, "robotics")
            app.page.wait_for_timeout(500)  # the frame's render with the search's arguments arrives (and is ignored)
        wait_for_map(app)
        shown = poll(lambda: state(app), lambda now: now["offices"] is not None and now["shows"] >= 1)
        poll(
            lambda: _rounded(state(app)["offices"]),
            lambda now: now == found_positions(offices, "robotics"),
            message="the map shows the search made while it mounted",
        )
        assert shown is not None


def test_a_click_from_an_earlier_search_does_not_open_its_card_again(browser, server, offices):
    """The mounted map keeps reporting its last click; a search that shows that office again opens nothing."""
    with window(browser, server, SIZE) as app:
        app.goto("/")
        wait_for_map(app)
        popup = app.open_office_popup()
        partner = re.search(r"Partner ID:\s*(\S+)\s*$", popup.text).group(1)  # type: ignore[union-attr]
        expect(app.page).to_have_url(re.compile(f"partner={re.escape(partner)}"), timeout=WAIT_MS)
        app.wait_until_idle()
        app.page.get_by_role("dialog").get_by_role("button", name="Close the card").click()
        expect(app.page.get_by_role("dialog")).to_have_count(0, timeout=WAIT_MS)
        app.wait_until_idle()
        # A search without the clicked partner, then one with it again.
        names = offices.loc[offices["partner_id"] == partner, "partner_name"]
        other = next(text for text in ("maritime", "robotics", "gdansk") if not _finds(offices, text, partner))
        search_for(app, other)
        box = app.page.get_by_role("textbox", name="Search", exact=True)
        box.fill(str(names.iloc[0]))
        box.press("Enter")
        app.wait_until_idle()
        app.page.wait_for_timeout(1500)  # a stale click would have opened the card by now
        app.wait_until_idle()
        assert "partner=" not in app.page.url, app.page.url
        expect(app.page.get_by_role("dialog")).to_have_count(0)


def _finds(offices, text: str, partner: str) -> bool:
    from partner_directory.search.criteria import Criteria
    from partner_directory.search.engine import search

    return partner in set(search(offices, Criteria(text=text)).rows["partner_id"])


def test_the_first_views_files_are_fetched_while_the_maps_code_loads(browser, server):
    """static/map/prefetch.js asks for the points and outlines before the map's code arrives; each is fetched once."""
    with window(browser, server, SIZE) as app:
        asked: list[str] = []
        app.page.on("request", lambda request: asked.append(request.url))
        with maps_code_held(app):
            prefetches = [url for url in asked if "/map/prefetch.js?" in url]
            assert len(prefetches) == 1, asked
            prefetch = prefetches[0]
            files = [server.url + path for path in parse_qs(urlsplit(prefetch).query)["file"]]
            assert any(re.search(r"/offices/offices-[0-9a-f]+\.json$", url) for url in files), files
            assert any(url.endswith("/world/countries-110m.geojson") for url in files), files

            def asked_for(urls: list[str]) -> list[int]:
                return [urls.count(url) for url in files]

            # The code is held back, and yet the first view's files are asked for: by the prefetch.
            for _ in range(300):  # Playwright's own wait: a plain sleep would not hand over the requests
                if asked_for(asked) == [1, 1]:
                    break
                app.page.wait_for_timeout(100)
            assert asked_for(asked) == [1, 1], asked
        wait_for_map(app)
        # The outlines are drawn after the offices, and the map took the prefetched answers: no second request.
        map_frame(app).locator(".leaflet-pd-outlines-pane path").first.wait_for(state="attached", timeout=WAIT_MS)
        assert asked_for(asked) == [1, 1], asked
