"""Text from the partner file stays text in the card and the list, in real headless Chromium.

Streamlit renders markdown with react-markdown and remark-gfm, whose
autolink-literal step turns bare ``https://…``, ``www.…`` and ``name@host`` into
links *after* parsing, where backslash escapes are already undone; escaping
alone (``ui.md`` before ``links.markdown_text``) let all three through. Only
what :mod:`partner_directory.links` approves -- here the partner's website and
e-mail buttons -- may be a link, and nothing from the data may be an image.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from partner_directory.links import email_href, safe_href
from partner_directory.sheet.schema import COLUMNS
from tests.browser import AppPage, StreamlitServer, app_environment, streamlit_server

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
DIALOG = "[role='dialog']"
LIST = "[data-testid='stDataFrame']"
WORD_JOINER = "\u2060"

HOSTILE_PIECES = (
    "https://evil.example/x",
    "www.evil.example",
    "evil@example.org",
    "[a](http://x)",
    "![i](http://x/i.png)",
)
NAME = "Trap " + " ".join(HOSTILE_PIECES)
DESCRIPTION = "Read " + " and ".join(HOSTILE_PIECES) + "."
WEBSITE = "https://trap.example.org"
EMAIL = "host@trap.example.org"
# The only links the card may hold: the ones links approves for this partner.
APPROVED_HREFS = {safe_href(WEBSITE), email_href(EMAIL)}

PARTNER = {
    "partner_id": "trap",
    "partner_name": NAME,
    "office_name": "Trap office",
    "address": "ul. Długa 1",
    "postal_code": "80-001",
    "city": "Gdańsk",
    "country": "Poland",
    "latitude": "54.3520",
    "longitude": "18.6466",
    "sectors": "ICT",
    "services": "desk",
    "languages": "pl;en",
    "contact_name": "Anna Pułapka",
    "contact_email": EMAIL,
    "contact_phone": "+48 58 000 00 09",
    "website": WEBSITE,
    "description": DESCRIPTION,
    "bra_since": "2020-01-01",
    "last_verified": "2026-10-01",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[StreamlitServer]:
    """A dashboard whose only partner carries bare addresses and markdown links in its name and description."""
    folder = tmp_path_factory.mktemp("card_text")
    with (folder / "partners.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow(PARTNER)
    with streamlit_server(app_environment(folder / "partners.csv", folder), folder / "streamlit.log") as running:
        yield running


def shown_text(locator) -> str:
    """What a reader sees: the element's text without the invisible word joiners that keep addresses from linking."""
    return locator.inner_text().replace(WORD_JOINER, "")


def links_and_images(locator) -> dict[str, list[str]]:
    return locator.evaluate(
        """(root) => ({
            links: [...root.querySelectorAll('a')].map((link) => link.getAttribute('href')),
            images: [...root.querySelectorAll('img, svg image, picture, source')].map((image) => image.outerHTML),
        })"""
    )


def is_from_the_data(text: str) -> bool:
    return "evil" in text or "http://x" in text


def assert_card_shows_the_data_as_text(app: AppPage) -> None:
    dialog = app.page.locator(DIALOG)
    expect(dialog).to_be_visible(timeout=WAIT_MS)
    # The card is complete once links' approved buttons are there.
    for href in APPROVED_HREFS:
        expect(dialog.locator(f'a[href="{href}"]')).to_have_count(1, timeout=WAIT_MS)
    app.wait_until_idle()
    text = shown_text(dialog)
    # Shown as typed: in the card's title and in its description.
    assert NAME in text and DESCRIPTION in text, text
    found = links_and_images(dialog)
    assert not [href for href in found["links"] if is_from_the_data(href or "")], found["links"]
    assert set(found["links"]) == APPROVED_HREFS, found["links"]
    assert found["images"] == [], found["images"]


def test_addresses_and_markdown_in_a_partners_name_and_description_stay_text(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    try:
        app = AppPage(context.new_page(), server.url)
        app.goto("/?partner=trap")
        assert_card_shows_the_data_as_text(app)

        # The list: the same partner, nothing clickable or pictured from its text.
        app.page.locator(DIALOG).get_by_role("button", name="Close the card").click()
        expect(app.page.locator(DIALOG)).to_have_count(0, timeout=WAIT_MS)
        app.wait_until_idle()
        table = app.page.locator(LIST).first
        expect(table).to_be_visible(timeout=WAIT_MS)
        assert links_and_images(table) == {"links": [], "images": []}
        found = links_and_images(app.page.locator("[data-testid='stMain']"))
        assert not [href for href in found["links"] if is_from_the_data(href or "")], found
        assert not [image for image in found["images"] if is_from_the_data(image)], found
        # Its one row is this partner: picking it opens the same card, again with text only.
        app.wait_until_idle()
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        assert box is not None
        app.page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
        assert_card_shows_the_data_as_text(app)
        assert app.errors == [], app.errors
    finally:
        context.close()
