"""Hostile text stays text in real headless Chromium: a staff journey and a member's card and search.

Issue 19: staff changed the status of a visit whose company was
``ACME [Sign in again](http://127.0.0.1:8619/phish) ![t](…/track.png)``, and the
"Saved: No. 3 · …" notice held a real ``<a href>`` and ``<img>``, which the staff
browser fetched. Here the same journey, and a member's card and search over a
partner whose every free-text column holds the payloads of ``tests/test_hostile_render``,
must leave no ``<a>`` or ``<img>`` (in any frame) that points anywhere the app did
not intend, and no request to the payloads' address (127.0.0.1, port 9).

What the app intends: its own pages (same origin), ``data:`` and ``blob:`` images,
the links :mod:`partner_directory.links` builds from the partner file's
``website`` and ``contact_email`` columns, and the map's tiles and attribution
(the default tile server, its copyright page, Leaflet's own prefix).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from partner_directory.access.passwords import hash_password
from partner_directory.config import OSM_ATTRIBUTION, OSM_TILES
from partner_directory.links import email_href, website_href
from partner_directory.visits.register import Change, NewVisit, Register
from tests.browser import AppPage, StreamlitServer, app_environment, streamlit_server
from tests.test_hostile_render import TRAP, marker, partner_file

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
PASSWORD = "hostile render password"
PAYLOAD_PORT = 9
WORD_JOINER = "\u2060"
#: The issue's company, aimed at the payloads' address.
PHISHING = (
    "ACME [Sign in again](http://127.0.0.1:9/phish) ![t](http://127.0.0.1:9/track.png) "
    '<img src="http://127.0.0.1:9/i.png"> <a href="http://127.0.0.1:9/a">a</a> https://127.0.0.1:9/bare'
)
SEARCH = "[x](http://127.0.0.1:9/q) ![t](http://127.0.0.1:9/q.png) <img src=http://127.0.0.1:9/q2.png>"
YEAR = dt.date.today().year  # the register opens on this year

EVERY_LINK_AND_IMAGE = """() => ({
    links: [...document.querySelectorAll('a[href], area[href]')].map((link) => [link.getAttribute('href'), link.href]),
    images: [...document.querySelectorAll('img, image, source, video, audio, iframe, embed, object, script[src]')]
        .map((element) => element.currentSrc || element.src || element.getAttribute('href')
             || element.getAttribute('srcset') || element.getAttribute('data') || ''),
    scripts: [...document.querySelectorAll('script')].map((script) => script.textContent)
        .filter((text) => text.includes('alert(1)')),
})"""


#: The map's own: its tiles' host, and the attribution's links (the tile server's, and Leaflet's prefix).
TILE_HOST = urlsplit(OSM_TILES).netloc
MAP_LINKS = {*re.findall(r'href="([^"]+)"', OSM_ATTRIBUTION), "https://leafletjs.com"}


def intended_links(data_file: Path) -> set[str]:
    """The links ``links`` builds from the partner file (each office's website and e-mail), and the map's."""
    with data_file.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    found = {website_href(row["website"]) for row in rows} | {email_href(row["contact_email"]) for row in rows}
    return {href for href in found if href} | MAP_LINKS


def foreign(app: AppPage, intended: set[str]) -> dict[str, list[str]]:
    """Every link, image or script in every frame of the page that the app did not intend."""
    origin = urlsplit(app.base_url).netloc
    unintended: dict[str, list[str]] = {"links": [], "images": [], "scripts": []}
    for frame in app.page.frames:
        found = frame.evaluate(EVERY_LINK_AND_IMAGE)
        for written, href in found["links"]:
            parts = urlsplit(href)
            own = parts.scheme in ("http", "https") and parts.netloc == origin
            if not own and written not in intended and not href.startswith("about:"):
                unintended["links"].append(href)
        for source in found["images"]:
            parts = urlsplit(source)
            own = (parts.scheme in ("http", "https") and parts.netloc in (origin, TILE_HOST)) or parts.scheme in (
                "data",
                "blob",
            )
            if source and not own and not source.startswith("about:"):
                unintended["images"].append(source)
        unintended["scripts"] += found["scripts"]
    return unintended


def to_the_payloads(app: AppPage) -> list[str]:
    """Every request the browser made to the payloads' address (port 9 on 127.0.0.1)."""
    return [url for url in app.requests if urlsplit(url).port == PAYLOAD_PORT]


def shown(locator) -> str:
    return locator.inner_text().replace(WORD_JOINER, "")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[StreamlitServer, Path, int]]:
    """The dashboard on the demo list plus the hostile partner, with one visit whose company is the phishing text."""
    folder = tmp_path_factory.mktemp("hostile_render")
    data_file = partner_file(folder)
    register = Register.open(f"sqlite:///{folder / 'visits.sqlite'}")
    visit_id = register.record(
        NewVisit(
            direction="outgoing",
            member_company=PHISHING,
            partner_name="Berlin Digital Cluster",
            start=dt.date(YEAR, 3, 2),
            end=dt.date(YEAR, 3, 4),
            member_name="Ola Nowak",
            member_email="ola@acme.example.org",
        )
    )
    register.database.dispose()
    environment = app_environment(data_file, folder, password_hash=hash_password(PASSWORD))
    with streamlit_server(environment, folder / "streamlit.log") as running:
        yield running, data_file, visit_id


def test_staff_change_the_status_of_a_visit_whose_company_is_a_phishing_link(browser, served):
    server, data_file, visit_id = served
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    try:
        app = AppPage(context.new_page(), server.url)
        app.goto("/staff?lang=en")
        page = app.page
        app.sign_in_as_staff("Ola (office)", PASSWORD)
        page.get_by_role("tab", name="Visits", exact=True).click()
        # The company filter: its options are plain text, so the phishing text is an option as typed.
        page.locator(".st-key-visits_company").get_by_role("combobox").click()
        page.get_by_role("option", name=PHISHING, exact=True).click()
        caption = page.get_by_text("Visits shown: 1 (company").first
        expect(caption).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        intended = intended_links(data_file)
        assert foreign(app, intended) == {"links": [], "images": [], "scripts": []}
        assert "[Sign in again](http://127.0.0.1:9/phish)" in shown(caption), shown(caption)
        status = page.locator(f".st-key-visits_new_status_{visit_id}")
        expect(status).to_be_visible(timeout=WAIT_MS)
        status.get_by_role("combobox").click()
        page.get_by_role("option", name="confirmed", exact=True).click()
        page.locator(f".st-key-visits_save_{visit_id}").get_by_role("button").click()
        notice = page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Saved: No.")
        expect(notice).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        assert "[Sign in again](http://127.0.0.1:9/phish)" in shown(notice), shown(notice)  # as typed, as text
        assert foreign(app, intended) == {"links": [], "images": [], "scripts": []}
        assert to_the_payloads(app) == [], to_the_payloads(app)
        assert not app.dialogs and not app.errors, (app.dialogs, app.errors)
    finally:
        context.close()
    register = Register.open(f"sqlite:///{data_file.parent / 'visits.sqlite'}")
    try:
        assert register.get(visit_id).status == "confirmed"  # the journey really went through
        register.change(visit_id, Change(status="requested"), revision=register.get(visit_id).revision, by="test")
    finally:
        register.database.dispose()


def test_a_members_card_and_search_over_hostile_partner_data_make_no_link_or_image(browser, served):
    server, data_file, _ = served
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    try:
        app = AppPage(context.new_page(), server.url)
        app.goto(f"/?partner={TRAP}&lang=en")
        dialog = app.page.locator("[role='dialog']")
        expect(dialog).to_be_visible(timeout=WAIT_MS)
        expect(dialog.locator(f'a[href="{email_href("host@trap.example.org")}"]')).to_have_count(1, timeout=WAIT_MS)
        app.wait_until_idle()
        text = shown(dialog)
        for column in ("partner_name", "address", "description", "contact_name"):
            assert marker(column) in text, column
        assert "[x](http://127.0.0.1:9/p)" in text and '<img src="http://127.0.0.1:9/i.png">' in text
        intended = intended_links(data_file)
        assert foreign(app, intended) == {"links": [], "images": [], "scripts": []}

        dialog.get_by_role("button", name="Close the card").click()
        expect(dialog).to_have_count(0, timeout=WAIT_MS)
        app.wait_until_idle()
        search = app.page.get_by_role("textbox", name="Search")
        search.fill(SEARCH)
        search.press("Enter")
        app.wait_until_idle()
        expect(app.page.get_by_text("No partners found").first).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        assert SEARCH in shown(app.page.locator("[data-testid='stMain']"))  # said back as typed, as text
        assert foreign(app, intended) == {"links": [], "images": [], "scripts": []}
        assert to_the_payloads(app) == [], to_the_payloads(app)
        assert not app.dialogs and not app.errors, (app.dialogs, app.errors)
    finally:
        context.close()
