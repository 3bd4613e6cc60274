"""The whole dashboard in a real headless Chromium: members' search and map, hostile data, Polish, staff publishing.

Each test starts ``streamlit run app.py`` on a free port with a private copy of
the data (``tests/browser.py``), drives Debian's Chromium through Playwright
and saves a screenshot under ``test-output/``. The tests fail, not skip, when
Chromium is missing (``make browser``). Every request to another host than
the app's is recorded and aborted, so the machine needs no internet.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from partner_directory.access.passwords import hash_password
from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.i18n import t
from partner_directory.publication.published import load_directory
from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import SearchResult, search
from partner_directory.search.index import SearchIndex
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.validation import check
from tests.browser import (
    CLUSTER_ICONS,
    MAP_IFRAME,
    OFFICE_MARKERS,
    ROOT,
    AppPage,
    StreamlitServer,
    app_environment,
    app_page,
    poll,
    screenshot,
    streamlit_server,
)
from tests.stores import published_bytes

pytestmark = pytest.mark.browser

DEMO_DATA = ROOT / "data" / "partners.csv"
TILE_PREFIX = "https://tile.openstreetmap.org/"
WAIT_MS = 30_000  # one app run; a cold gazetteer cache makes the first one slow

PASSWORD = "correct horse battery staple"

HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">'
HOSTILE_DESCRIPTION = "</script><script>window.__pwned=2</script>"
HOSTILE_OFFICE = "${window.__pwned=3} `${window.__pwned=5}` {{ 7*7 }}"
HOSTILE_WEBSITE = "javascript:window.__pwned=4"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., StreamlitServer]]:
    """Start the dashboard on ``data`` (bytes) or a copy of the demo data; every server is stopped at the end."""
    servers: list[StreamlitServer] = []
    with ExitStack() as stack:

        def start(data: bytes | None = None, *, password_hash: str = "") -> StreamlitServer:
            data_file = tmp_path / "partners.csv"
            if data is None:
                shutil.copy(DEMO_DATA, data_file)
            else:
                data_file.write_bytes(data)
            environment = app_environment(data_file, tmp_path, password_hash=password_hash)
            server = stack.enter_context(streamlit_server(environment, tmp_path / f"streamlit-{len(servers)}.log"))
            servers.append(server)
            return server

        yield start
        for server in servers:  # shown by pytest only when the test failed
            print(f"--- {server.url} ({server.log_file}) ---\n{server.log()}")


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def expected_search(data_file: Path, tmp_path: Path, criteria: Criteria, language: str = "en") -> SearchResult:
    """What the members' page should show for ``criteria``, worked out by the package itself."""
    directory = load_directory(data_file, cache_path=tmp_path / "expected-geocache.sqlite")
    index = SearchIndex.build(directory.table, resolve_place=default_gazetteer().find_place)
    return search(index, criteria, language=language)


def search_for(app: AppPage, text: str, *, label: str = "Search") -> None:
    box = app.page.get_by_role("textbox", name=label, exact=True)
    box.fill(text)
    box.press("Enter")


def list_grid(app: AppPage):
    """The partner list: glide-data-grid draws on a canvas, but keeps an accessible table with the visible cells."""
    return app.page.locator("[data-testid='stDataFrame'] [role='grid']").first


def card_heading(app: AppPage, name: str):
    """The partner card's title: the card opens as a dialog."""
    return app.page.locator("[role='dialog']").get_by_role("heading", name=name, exact=True)


def close_card(app: AppPage) -> None:
    """Close the card as a member would (Escape); the search stays."""
    # As a member does, once the card has settled: a dismissal while the app is
    # still running can be lost by Streamlit (the card closes, the pick stays).
    app.wait_until_idle()
    app.page.wait_for_timeout(500)
    app.page.keyboard.press("Escape")
    expect(app.page.locator("[role='dialog']")).to_have_count(0, timeout=WAIT_MS)
    app.wait_until_idle()
    # The map is drawn again without the highlight; the old one leaves the page first.
    expect(app.page.locator(MAP_IFRAME)).to_have_count(1, timeout=WAIT_MS)


def assert_no_foreign_requests(app: AppPage) -> None:
    """Only the app itself and the tile server were asked for anything."""
    foreign = [url for url in app.foreign_requests() if not url.startswith(TILE_PREFIX)]
    assert foreign == [], f"requests to other hosts: {foreign}"


# --- 1. members: search, list, map, popup, card ------------------------------------


def test_members_search_list_map_and_partner_card(browser: Browser, serve, tmp_path: Path):
    server = serve()
    expected = expected_search(tmp_path / "partners.csv", tmp_path, Criteria(text="robotics"))
    assert len(expected.rows) >= 3, "the demo data should have several robotics offices"

    with app_page(browser, server) as app:
        app.goto("/")
        page = app.page
        expect(page.get_by_role("heading", name="BRA partner directory", exact=True)).to_be_visible()

        search_for(app, "robotics")
        # The sentence that says what the search did.
        expect(page.get_by_text(expected.description, exact=True)).to_be_visible(timeout=WAIT_MS)
        assert expected.description.endswith("matching “robotics”")
        app.wait_until_idle()

        # The list: a header row plus one row per office found, with the partners' names.
        grid = list_grid(app)
        expect(grid).to_have_attribute("aria-rowcount", str(len(expected.rows) + 1), timeout=WAIT_MS)
        cells = grid.locator("[role='gridcell']")
        for name in expected.rows["partner_name"]:
            expect(cells.filter(has_text=re.compile("^" + re.escape(name) + "$")).first).to_be_attached()

        # The map: every office found is on it, alone or counted in a cluster.
        app.map.locator(f"{OFFICE_MARKERS}, {CLUSTER_ICONS}").first.wait_for(timeout=WAIT_MS)
        poll(app.offices_on_map, lambda n: n == len(expected.rows), message="offices on the map")
        assert app.map.locator(f"{OFFICE_MARKERS}, {CLUSTER_ICONS}").count() > 0

        # Clicking an office opens its popup, and the page shows the partner's card.
        popup = app.open_office_popup()
        partner_name, partner_id = popup.lines[0], popup.lines[-1].removeprefix("Partner ID: ")
        assert popup.lines[-1].startswith("Partner ID: "), popup.text
        found = expected.rows[expected.rows["partner_id"] == partner_id]
        assert len(found) == 1, f"the popup names an office the search did not find: {popup.text}"
        assert found.iloc[0]["partner_name"] == partner_name
        assert found.iloc[0]["city"] in popup.text
        expect(card_heading(app, partner_name)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_role("button", name="Prepare the request")).to_be_visible()
        app.wait_until_idle()
        # The search survives the click, and the URL can be shared.
        expect(page.get_by_text(expected.description, exact=True)).to_be_visible()
        assert "q=robotics" in page.url and f"partner={partner_id}" in page.url

        screenshot(page, "directory")

        # The map's code came from the app itself; only tiles were asked of the internet.
        assert_no_foreign_requests(app)
        static = [url for url in app.requests if url.startswith(server.url + "/app/static/")]
        # Leaflet, supercluster and the map's own code, in one file named by its content (maps.assets.map_bundle).
        assert any(re.search(r"/app/static/offices/map-[0-9a-f]{20}\.js$", url) for url in static), static
        assert app.websockets and all(url.startswith("ws://127.0.0.1:") for url in app.websockets)
        assert app.dialogs == []
        assert app.errors == []


# --- 2. hostile data is shown as text and never runs --------------------------------


def test_hostile_partner_data_is_shown_as_text_and_never_runs(browser: Browser, serve, tmp_path: Path):
    row = {
        "partner_id": "hostile-1",
        "partner_name": HOSTILE_NAME,
        "office_name": HOSTILE_OFFICE,
        "city": "Gdańsk",
        "country": "PL",
        "latitude": "54.35",
        "longitude": "18.65",
        "sectors": "Robotics",
        "services": "desk",
        "contact_email": "x@example.org",
        "website": HOSTILE_WEBSITE,
        "description": HOSTILE_DESCRIPTION,
    }
    data = csv_bytes([row])
    # Validation refuses the javascript: website, yet members still see the office.
    report = check(load_bytes(data, filename="partners.csv")).report
    assert [(p.row, p.column) for p in report.errors] == [(2, "website")]

    server = serve(data)
    with app_page(browser, server) as app:
        app.goto("/")
        page = app.page
        expect(page.get_by_text("1 partner in 1 country", exact=True)).to_be_visible(timeout=WAIT_MS)
        grid = list_grid(app)
        expect(grid).to_have_attribute("aria-rowcount", "2", timeout=WAIT_MS)
        expect(grid.locator("[role='gridcell']").filter(has_text=HOSTILE_NAME)).to_have_count(1)

        popup = app.open_office_popup()
        # Every hostile value is there, literally, as text; the only link is the e-mail.
        assert popup.lines[:2] == [HOSTILE_NAME, HOSTILE_OFFICE], popup.text
        assert f"Website: {HOSTILE_WEBSITE}" in popup.lines, popup.text
        assert "E-mail: x@example.org" in popup.lines, popup.text
        assert popup.lines[-1] == "Partner ID: hostile-1"
        assert not {"img", "script", "iframe", "svg", "object"} & set(popup.tags), popup.tags
        assert popup.links == ["mailto:x@example.org"]

        # The card: name, office, description as text; no link to the javascript: website.
        expect(card_heading(app, HOSTILE_NAME)).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        expect(page.get_by_text(HOSTILE_DESCRIPTION, exact=True)).to_be_visible()
        expect(page.get_by_text(f"📍 {HOSTILE_OFFICE}, Gdańsk, Poland", exact=True)).to_be_visible()
        # The e-mail button reads the address (an invisible word joiner keeps it from becoming a second link).
        email_button = page.locator("[role='dialog']").get_by_role("link").filter(has_text="@example.org")
        expect(email_button).to_have_attribute("href", "mailto:x@example.org")
        assert "x@example.org" in email_button.inner_text().replace("\u2060", "")
        page.wait_for_timeout(500)  # give any injected handler time to run
        screenshot(page, "hostile")

        for selector in ("img[src='x']", "a[href^='javascript:' i]", "iframe[srcdoc*='__pwned']"):
            assert page.locator(selector).count() == 0, selector
            assert app.map.locator(selector).count() == 0, selector
        assert page.locator(MAP_IFRAME).count() == 1
        pwned = app.frames_value("typeof window.__pwned")
        assert len(pwned) >= 2 and set(pwned.values()) == {"undefined"}, pwned
        assert app.dialogs == []
        assert_no_foreign_requests(app)


# --- 3. Polish -----------------------------------------------------------------------


def test_polish_from_the_address(browser: Browser, serve, tmp_path: Path):
    server = serve()
    expected = expected_search(tmp_path / "partners.csv", tmp_path, Criteria(), language="pl")
    with app_page(browser, server) as app:
        app.goto("/?lang=pl")
        page = app.page
        expect(page.get_by_role("heading", name="Katalog partnerów BRA", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text(expected.description, exact=True)).to_be_visible()
        assert expected.description.startswith("Znaleziono ")
        expect(page.get_by_role("textbox", name="Szukaj", exact=True)).to_be_visible()
        navigation = page.locator("[data-testid='stSidebarNav']")
        expect(navigation).to_contain_text("Znajdź partnerów")
        expect(navigation).to_contain_text("Logowanie biura")
        expect(navigation).not_to_contain_text("Find partners")
        expect(page.get_by_text(t("ui.list_keys", "pl"), exact=True)).to_be_visible()
        # The map speaks Polish too.
        expect(app.map.locator(".pd-legend")).to_contain_text("Adres biura", timeout=WAIT_MS)
        assert "lang=pl" in page.url
        screenshot(page, "directory-pl")
        assert_no_foreign_requests(app)


# --- 4. office staff: sign in, upload, check, place, publish; members see it ---------


def test_staff_upload_check_place_publish_then_members_find_it(browser: Browser, serve, tmp_path: Path):
    published = [
        {
            "partner_id": "baltic-gdansk",
            "partner_name": "Baltic Test Cluster",
            "city": "Gdańsk",
            "country": "PL",
            "latitude": "54.352",
            "longitude": "18.6466",
            "services": "desk",
            "contact_email": "office@baltic.example.org",
        },
        {
            "partner_id": "alpine-wien",
            "partner_name": "Alpine Test Network",
            "city": "Wien",
            "country": "AT",
            "latitude": "48.2082",
            "longitude": "16.3738",
            "services": "desk",
            "contact_email": "office@alpine.example.org",
        },
    ]
    new_partner = {
        "partner_id": "zephyrine-lisboa",
        "partner_name": "Zephyrine Harbour Cluster",
        "city": "Lisboa",  # no coordinates: placed by the offline gazetteer
        "country": "Portugal",
        "latitude": "",
        "longitude": "",
        "services": "desk;events",
        "contact_email": "ola@zephyrine.example.org",
    }
    server = serve(csv_bytes(published), password_hash=hash_password(PASSWORD))
    data_file = tmp_path / "partners.csv"
    before = published_bytes(data_file)

    with app_page(browser, server) as app:
        app.goto("/")
        page = app.page
        navigation = page.locator("[data-testid='stSidebarNav']")
        expect(navigation).not_to_contain_text("Office: partner data")

        # Sign in (navigating by the sidebar keeps the session).
        navigation.get_by_role("link", name="Office sign-in").click()
        expect(page.get_by_role("heading", name="Office staff sign-in", exact=True)).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("textbox", name="Your name (recorded in the change log)").fill("Anna Testowa")
        page.get_by_role("textbox", name="Staff password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        staff_link = navigation.get_by_role("link", name="Office: partner data")
        expect(staff_link).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        staff_link.click()
        expect(page.get_by_role("heading", name="Partner data", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Anna Testowa", exact=False).first).to_be_visible()

        # Upload the list with one new partner: checked and compared.
        uploader = page.locator("[data-testid='stFileUploader']")
        uploader.locator("input[type='file']").set_input_files(
            files=[{"name": "partners-new.csv", "mimeType": "text/csv", "buffer": csv_bytes([*published, new_partner])}]
        )
        expect(page.get_by_text(re.compile(r"^3 rows read: 0 errors, \d+ warnings\.$"))).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("1 added · 0 changed · 0 removed", exact=True)).to_be_visible()
        publish = page.get_by_role("button", name="Publish this version")
        expect(publish).to_be_disabled()  # not placed yet

        # Place the offices, then publish.
        page.get_by_role("button", name="Place the offices on the map").click()
        expect(page.get_by_text(re.compile(r"Offices that need attention|Every office is placed"))).to_be_visible(
            timeout=WAIT_MS
        )
        app.wait_until_idle()
        expect(publish).to_be_enabled()
        screenshot(page, "staff-before-publish")
        publish.click()
        expect(page.get_by_text(re.compile(r"^Published: the version of .+ \(offices: 3\)\."))).to_be_visible(
            timeout=WAIT_MS
        )
        assert published_bytes(data_file) != before
        assert b"Zephyrine Harbour Cluster" in published_bytes(data_file)
        screenshot(page, "staff-published")

        # Members see the new partner at once: in the sentence, the list, the map and its card.
        navigation.get_by_role("link", name="Find partners").click()
        expect(page.get_by_role("heading", name="BRA partner directory", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("3 partners in 3 countries", exact=True)).to_be_visible(timeout=WAIT_MS)
        search_for(app, "Zephyrine")
        expect(page.get_by_text("1 partner in 1 country · matching “Zephyrine”", exact=True)).to_be_visible(
            timeout=WAIT_MS
        )
        app.wait_until_idle()
        expect(list_grid(app)).to_have_attribute("aria-rowcount", "2", timeout=WAIT_MS)
        poll(app.offices_on_map, lambda n: n == 1, message="offices on the map")
        popup = app.open_office_popup()
        assert popup.lines[0] == "Zephyrine Harbour Cluster", popup.text
        assert "Lisboa, Portugal" in popup.lines and popup.lines[-1] == "Partner ID: zephyrine-lisboa"
        expect(card_heading(app, "Zephyrine Harbour Cluster")).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        screenshot(page, "staff-published-members")
        assert_no_foreign_requests(app)
        assert app.dialogs == []


# --- regressions: bugs these tests found in the browser ---------------------------------------

THREE_CITIES = [
    {"partner_id": "lis", "partner_name": "Tagus Test Cluster", "city": "Lisboa", "country": "PT"},
    {"partner_id": "hel", "partner_name": "Baltic Sea Test Network", "city": "Helsinki", "country": "FI"},
    {"partner_id": "ath", "partner_name": "Aegean Test Hub", "city": "Athína", "country": "GR"},
]
COORDINATES = {"lis": ("38.7223", "-9.1393"), "hel": ("60.1699", "24.9384"), "ath": ("37.9838", "23.7275")}


def test_the_card_follows_every_pick_on_the_map_and_in_the_list(browser: Browser, serve):
    rows = [
        {**row, "latitude": COORDINATES[row["partner_id"]][0], "longitude": COORDINATES[row["partner_id"]][1]}
        for row in THREE_CITIES
    ]
    server = serve(csv_bytes(rows))
    with app_page(browser, server) as app:
        app.goto("/")
        poll(app.offices_on_map, lambda n: n == 3, message="offices on the map")
        # Two offices of two partners, one after the other, on the map.
        first = app.open_office_popup()
        expect(card_heading(app, first.lines[0])).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        close_card(app)
        app.close_popup()
        second = app.open_office_popup(skip=1)
        assert second.lines[0] != first.lines[0]
        expect(card_heading(app, second.lines[0])).to_be_visible(timeout=10_000)
        close_card(app)
        # A row picked in the list, then an office on the map: each opens its card.
        grid = app.page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        app.page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's selection box
        listed = rows[0]["partner_name"]
        expect(card_heading(app, listed)).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        close_card(app)
        app.close_popup()
        on_map = app.open_office_popup(skip=1)
        assert on_map.lines[0] != listed
        expect(card_heading(app, on_map.lines[0])).to_be_visible(timeout=10_000)


def test_the_language_switch_keeps_showing_the_language(browser: Browser, serve):
    server = serve()
    with app_page(browser, server) as app:
        app.goto("/")
        # The switch as it stands: while a rerun draws the new one, Streamlit may keep the old (stale or retained).
        current = (
            "[data-testid='stSidebar'] [data-testid='stElementContainer']:not([data-stale='true'])"
            ":not([data-retained='true']) [data-testid='stButtonGroup'] button"
        )
        english = app.page.locator(current, has_text="English")
        expect(english).to_have_attribute("aria-checked", "true")
        search_for(app, "robotics")
        expect(app.page.get_by_text("matching “robotics”", exact=False)).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        expect(english).to_have_attribute("aria-checked", "true", timeout=5_000)
        # Switching to Polish translates the page and the switch shows it, also after another rerun.
        polish = app.page.locator(current, has_text="Polski")
        polish.click()
        expect(app.page.get_by_role("heading", name="Katalog partnerów BRA", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(polish).to_have_attribute("aria-checked", "true", timeout=5_000)
        search_for(app, "maritime", label="Szukaj")
        expect(app.page.get_by_text("Znaleziono", exact=False).first).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        expect(polish).to_have_attribute("aria-checked", "true", timeout=5_000)


def test_the_radius_keeps_its_default_after_visiting_another_page(browser: Browser, serve):
    server = serve()
    with app_page(browser, server) as app:
        app.goto("/")
        radius = app.page.get_by_role("spinbutton", name="Within km", exact=True)
        expect(radius).to_have_value("300")
        navigation = app.page.locator("[data-testid='stSidebarNav']")
        navigation.get_by_role("link", name="Overview").click()
        expect(app.page.get_by_role("heading", name="The BRA network at a glance", exact=True)).to_be_visible(
            timeout=WAIT_MS
        )
        navigation.get_by_role("link", name="Find partners").click()
        expect(radius).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        expect(radius).to_have_value("300", timeout=5_000)
