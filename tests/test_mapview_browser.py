"""The offices map in a real headless Chromium (Debian's package, driven by Playwright).

These tests fail, not skip, when Chromium is missing: install it with
``make browser`` (``apt-get install chromium``). All network access except to
the local Streamlit server is blocked, so the map must work from the vendored
assets alone.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Frame, FrameLocator, Page, Route, expect

from partner_directory.maps.assets import STATIC_DIR
from partner_directory.maps.building import render_standalone_html
from tests.browser import OFFICE_MARKERS, click_centre, free_port
from tests.test_mapview import office

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<img src=x onerror=alert(1)> </script><script>alert(2)</script> `${alert(3)}` {{ 7*7 }} <!--"


def world_offices() -> pd.DataFrame:
    """300 harmless offices around the world; far out at sea one hostile, one with links, one with a data: URL."""
    rng = random.Random(1)
    rows = [
        office(
            partner_id=f"P{index}",
            partner_name=f"Partner {index}",
            latitude=rng.uniform(-50, 65),
            longitude=rng.uniform(-150, 160),
            geocode_precision="address" if index % 2 else "city",
        )
        for index in range(300)
    ]
    text_columns = ["partner_id", "partner_name", "office_name", "city", "country_name", "sectors", "contact_name"]
    rows.append(
        office(
            **{column: f"{column} {HOSTILE}" for column in text_columns},
            services="desk; " + HOSTILE,
            contact_email="javascript:alert(1)//@example.pl",
            website="javascript:alert(1)",
            latitude=0.0,
            longitude=-170.0,
        )
    )
    rows.append(office(partner_id="LINKS", latitude=-40.0, longitude=-170.0))
    rows.append(
        office(
            partner_id="DATA",
            website="data:text/html,<script>alert(1)</script>",
            latitude=-20.0,
            longitude=-170.0,
            geocode_precision="country",
        )
    )
    return pd.DataFrame(rows)


class OpenedPage:
    """A page that records dialogs and every request it had to block."""

    def __init__(self, page: Page, allowed_prefix: str | None = None) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.allowed_prefix = allowed_prefix
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.route("**/*", self._route)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("http://", "https://")) and not (
            self.allowed_prefix and url.startswith(self.allowed_prefix)
        ):
            self.blocked.append(url)
            route.abort()
        else:
            route.continue_()


@pytest.fixture(scope="module")
def standalone_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("map") / "map.html"
    path.write_text(render_standalone_html(world_offices()), encoding="utf-8")
    return path


@pytest.fixture
def standalone(browser: Browser, standalone_file: Path) -> Iterator[OpenedPage]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    opened = OpenedPage(page)
    page.goto(standalone_file.as_uri())
    page.locator(".leaflet-pd-outlines-pane path").first.wait_for(state="attached")
    page.locator(".marker-cluster").first.wait_for()
    yield opened
    page.close()


def zoom_to(page: Page, latitude: float, longitude: float, zoom: int) -> None:
    page.evaluate(
        """([latitude, longitude, zoom]) => {
            const name = Object.keys(window).find((key) => /^map_[0-9a-f]+$/.test(key));
            window[name].setView([latitude, longitude], zoom, { animate: false });
        }""",
        [latitude, longitude, zoom],
    )
    page.wait_for_timeout(400)


def test_standalone_map_shows_outlines_markers_and_clusters_offline(standalone: OpenedPage):
    page = standalone.page
    assert page.locator(".leaflet-pd-outlines-pane path").count() > 150
    assert page.locator(".marker-cluster").count() > 10
    assert page.locator(OFFICE_MARKERS).count() > 0
    assert "Approximate location" in page.locator(".pd-legend").inner_text()
    assert standalone.errors == []
    # Only tiles were asked for outside the page, and they could not load.
    assert standalone.blocked
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in standalone.blocked)


def test_only_the_countries_near_the_view_are_drawn(standalone: OpenedPage):
    """Leaflet projects every shape on the map at each zoom: zoomed in, the far countries are left off."""
    page = standalone.page
    outlines = page.locator(".leaflet-pd-outlines-pane path")
    world = outlines.count()
    assert world > 150
    zoom_to(page, 54.35, 18.65, 7)  # Gdańsk
    near_gdansk = outlines.count()
    assert 0 < near_gdansk < 40, near_gdansk
    zoom_to(page, -33.87, 151.21, 7)  # a pan to Sydney at the same zoom: Australia's shape comes in
    assert 0 < outlines.count() < 40
    assert page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-pd-outlines-pane path')].some((path) => {
            const box = path.getBoundingClientRect();
            return box.width > 0 && box.left < innerWidth && box.right > 0 && box.top < innerHeight && box.bottom > 0;
        })"""
    ), "no outline in view after the pan"
    zoom_to(page, 20, 10, 2)
    assert outlines.count() == world
    assert standalone.errors == []


def test_approximate_offices_are_drawn_hollow_and_dashed(standalone: OpenedPage):
    page = standalone.page
    zoom_to(page, -20.0, -170.0, 9)
    marker = page.locator(OFFICE_MARKERS)
    expect(marker).to_have_count(1)
    assert marker.get_attribute("stroke-dasharray") == "3 3"
    assert marker.get_attribute("fill") == "#ffffff"
    click_centre(page, marker)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Approximate location: country only")
    # A data: URL is shown, not linked.
    expect(popup).to_contain_text("data:text/html,<script>alert(1)</script>")
    assert page.locator(".leaflet-popup-content a[href^='data:']").count() == 0


def test_popup_shows_hostile_text_as_text(standalone: OpenedPage):
    page = standalone.page
    zoom_to(page, 0.0, -170.0, 9)
    marker = page.locator(OFFICE_MARKERS)
    expect(marker).to_have_count(1)
    click_centre(page, marker)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"partner_name {HOSTILE}")
    text = popup.inner_text()
    for column in ("office_name", "city", "country_name", "sectors", "contact_name", "partner_id"):
        assert f"{column} {HOSTILE}" in text, column
    assert "javascript:alert(1)" in text
    assert popup.locator("img, script, iframe").count() == 0
    assert popup.locator("a").count() == 0
    page.wait_for_timeout(300)
    assert standalone.dialogs == []
    assert standalone.errors == []


def test_popup_links_are_only_http_and_mailto(standalone: OpenedPage):
    page = standalone.page
    zoom_to(page, -40.0, -170.0, 9)
    marker = page.locator(OFFICE_MARKERS)
    expect(marker).to_have_count(1)
    click_centre(page, marker)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Partner ID: LINKS")
    hrefs = popup.locator("a").evaluate_all("links => links.map((link) => link.href)")
    assert hrefs == ["mailto:anna@example.pl", "https://acme.example.pl/"]
    assert popup.locator("a[target='_blank']").get_attribute("rel") == "noopener noreferrer"
    # Every link on the page but Leaflet's own "#close" buttons.
    protocols = page.locator("a[href]:not([href^='#'])").evaluate_all("links => links.map((link) => link.protocol)")
    assert set(protocols) <= {"http:", "https:", "mailto:"}


# --- in Streamlit, through streamlit-folium ----------------------------------

APP = """
import json
import sys

sys.path.insert(0, {root!r})

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from partner_directory.maps.building import build_map
from partner_directory.maps.clicks import CLICK_RETURNED_OBJECTS, clicked_partner_id

offices = pd.DataFrame({offices!r})
result = st_folium(
    build_map(offices),
    key="map",
    height=500,
    use_container_width=True,
    returned_objects=list(CLICK_RETURNED_OBJECTS),
)
st.text("partner=" + str(clicked_partner_id(result, offices)))
st.text("clicks=" + json.dumps(result, sort_keys=True))
"""


@pytest.fixture(scope="module")
def streamlit_url(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("app")
    offices = [
        office(partner_id="P1", latitude=52.2297, longitude=21.0122),
        office(partner_id="P2", partner_name="Beta", latitude=52.0, longitude=20.0, geocode_precision="city"),
        office(partner_id="P3", partner_name="Gamma", latitude=52.0, longitude=20.0, geocode_precision="city"),
    ]
    (folder / "app.py").write_text(APP.format(root=str(ROOT), offices=offices), encoding="utf-8")
    (folder / "static").symlink_to(STATIC_DIR, target_is_directory=True)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(folder / "app.py"),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.enableStaticServing=true",
            "--browser.gatherUsageStats=false",
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def map_frame(page: Page) -> tuple[FrameLocator, Frame]:
    locator = page.frame_locator('iframe[title="streamlit_folium\\.st_folium"]')
    locator.locator(".leaflet-pd-outlines-pane path").first.wait_for(state="attached", timeout=30_000)
    locator.locator(OFFICE_MARKERS).first.wait_for(timeout=30_000)
    frame = next(frame for frame in page.frames if frame.url.startswith(page.url.rstrip("/") + "/component"))
    return locator, frame


def test_streamlit_reports_the_clicked_office(browser: Browser, streamlit_url: str):
    page = browser.new_page(viewport={"width": 1000, "height": 1000})
    opened = OpenedPage(page, allowed_prefix=streamlit_url)
    page.goto(streamlit_url)
    page.wait_for_selector("[data-testid='stAppViewContainer']")
    frame, _ = map_frame(page)
    partner = page.get_by_text("partner=", exact=False)
    expect(partner).to_have_text("partner=None")

    # A lone office: found by its position alone.
    click_centre(page, frame.locator(OFFICE_MARKERS).first)
    expect(partner).to_have_text("partner=P1", timeout=15_000)
    clicks = page.get_by_text("clicks=", exact=False)
    expect(clicks).to_contain_text('"last_object_clicked": {"lat": 52.2297, "lng": 21.0122}')

    # Two offices at one city centre form a cluster; clicking it spreads them
    # out and is not itself reported as an office click.
    click_centre(page, frame.locator(".marker-cluster").first)
    expect(frame.locator(OFFICE_MARKERS)).to_have_count(3)
    page.wait_for_timeout(1500)
    expect(partner).to_have_text("partner=P1")

    # Each spread-out office reports the city centre; the popup says which one.
    seen = set()
    for index in range(3):
        marker = frame.locator(OFFICE_MARKERS).nth(index)
        if marker.get_attribute("stroke-dasharray") != "3 3":
            continue  # the lone exact office P1
        click_centre(page, marker)
        # The popup being closed fades out for 0.2 s before it leaves the page.
        popup = frame.locator(".leaflet-popup-content")
        expect(popup).to_have_count(1)
        expect(popup).to_contain_text("Approximate location")
        shown = popup.inner_text().strip().rsplit("Partner ID: ", 1)[1]
        expect(partner).to_have_text(f"partner={shown}", timeout=15_000)
        expect(clicks).to_contain_text('"last_object_clicked": {"lat": 52, "lng": 20}')
        seen.add(shown)
        last_clicked = index
    assert seen == {"P2", "P3"}
    assert opened.dialogs == []
    assert opened.errors == []
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in opened.blocked)
    payload = json.loads(clicks.inner_text().split("=", 1)[1])
    assert set(payload) == {"last_object_clicked", "last_object_clicked_popup"}
    # The same office clicked again is reported again: a hair away (streamlit-folium sends only changes).
    last = frame.locator(OFFICE_MARKERS).nth(last_clicked)
    before = clicks.inner_text()
    click_centre(page, last)
    expect(clicks).not_to_have_text(before, timeout=15_000)
    reported = json.loads(clicks.inner_text().split("=", 1)[1])
    # The same office (its popup), reported a hair away from where it was reported before.
    assert reported["last_object_clicked_popup"] == payload["last_object_clicked_popup"], reported
    again = reported["last_object_clicked"]
    assert again != payload["last_object_clicked"] and abs(again["lat"] - 52) < 1e-6 and again["lng"] == 20, again
    expect(partner).to_have_text(f"partner={shown}")
    page.close()


# --- cluster icons are named, in Polish with the right plural -------------------------------

CLUSTER_SIZES = (2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 102, 112, 122)


def polish_offices(count: int) -> str:
    """The CLDR rule for Polish, written out: 1 biuro, 2–4 biura (not 12–14), otherwise biur."""
    if count == 1:
        return "1 biuro"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} biura"
    return f"{count} biur"


@pytest.mark.parametrize("language", ["pl", "en"])
def test_cluster_icons_are_named_with_the_right_plural(browser: Browser, tmp_path: Path, language: str):
    rows = [
        office(partner_id=f"C{size}-{index}", latitude=10.0, longitude=-165.0 + 27.0 * position)
        for position, size in enumerate(CLUSTER_SIZES)
        for index in range(size)
    ]
    path = tmp_path / "clusters.html"
    path.write_text(render_standalone_html(pd.DataFrame(rows), language=language, tiles=None), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 700})
    try:
        page.goto(path.as_uri())
        icons = page.locator(".marker-cluster")
        expect(icons).to_have_count(len(CLUSTER_SIZES))
        names = {int(icon.inner_text()): icon.get_attribute("aria-label") for icon in icons.all()}
        assert sorted(names) == sorted(CLUSTER_SIZES)
        for size, name in names.items():
            assert name == (polish_offices(size) if language == "pl" else f"{size} offices"), name
        assert {icon.get_attribute("role") for icon in icons.all()} == {"button"}
    finally:
        page.close()


def test_polish_plural_rule_of_the_test_itself():
    assert [polish_offices(n) for n in (1, 2, 4, 5, 12, 22, 25, 112, 122)] == [
        "1 biuro",
        "2 biura",
        "4 biura",
        "5 biur",
        "12 biur",
        "22 biura",
        "25 biur",
        "112 biur",
        "122 biura",
    ]
