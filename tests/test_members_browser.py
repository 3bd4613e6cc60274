"""Members' mode in real headless Chromium: what a visitor receives, a member's request, the office's register.

One server runs in the ``members`` mode with a member access code and a staff
password, on a private copy of the demo data and a private SQLite register.
A visitor who is not signed in must never receive a contact person's e-mail,
phone or name: the test records every HTTP response body and every websocket
frame the browser receives (not only what is visible) and searches them.
"""

from __future__ import annotations

import contextlib
import shutil
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, Response, WebSocket, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from partner_directory.access.passwords import hash_password
from partner_directory.visits.register import Register, VisitFilter
from tests.browser import ROOT, app_environment, app_page, screenshot, streamlit_server

pytestmark = pytest.mark.browser

CODE = "bra-members-only-2026"
PASSWORD = "correct horse battery staple"
WAIT_MS = 60_000
HOST = "Bavarian Robotics Network"
HOST_EMAIL = "lena.musterfrau@bavarian-robotics.example.com"
DEMO = ROOT / "data" / "partners.csv"


def contact_values() -> list[str]:
    table = pd.read_csv(DEMO, dtype=str, encoding="utf-8-sig").fillna("")
    values = {v for column in ("contact_email", "contact_phone", "contact_name") for v in table[column] if v.strip()}
    assert len(values) > 100, "the demo data should have contact data for the check to mean something"
    return sorted(values)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("members")
    data_file = work / "partners.csv"
    shutil.copy(DEMO, data_file)
    environment = app_environment(data_file, work, password_hash=hash_password(PASSWORD))
    environment.update(PARTNER_DIRECTORY_ACCESS="members", PARTNER_DIRECTORY_MEMBER_CODE_HASH=hash_password(CODE))
    with ExitStack() as stack:
        yield stack.enter_context(streamlit_server(environment, work / "streamlit.log")), work


class Received:
    """Everything the browser receives from the app: response bodies and websocket frames, as bytes."""

    def __init__(self, page: Page) -> None:
        self.chunks: list[bytes] = []
        page.on("response", self._response)
        page.on("websocket", self._websocket)

    def _response(self, response: Response) -> None:
        with contextlib.suppress(Exception):  # a redirect or an aborted request has no body
            self.chunks.append(response.body())

    def _websocket(self, socket: WebSocket) -> None:
        socket.on(
            "framereceived",
            lambda payload: self.chunks.append(payload if isinstance(payload, bytes) else payload.encode()),
        )

    def containing(self, values: list[str]) -> list[str]:
        everything = b"\n".join(self.chunks)
        return [v for v in values if v.encode("utf-8") in everything]


def excel_text(workbook: bytes) -> bytes:
    """Every cell of a downloaded workbook, as text to search."""
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook)).active
    text = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    assert "Bavarian Robotics Network" in text
    return text.encode("utf-8")


def search(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Search", exact=True)
    box.fill(text)
    box.press("Enter")


def card(page: Page):
    """The partner card: a dialog where the page opens it as one, else the page itself."""
    dialog = page.locator("[role='dialog']")
    return dialog if dialog.count() else page.locator("[data-testid='stMain']")


def open_first_row(page: Page) -> None:
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's selection box
    expect(page.get_by_text("Offered under the BRA", exact=True).first).to_be_visible(timeout=WAIT_MS)


def download_of(page: Page, label: str) -> bytes:
    """The file the download button ``label`` gives. A click that lands while the page is still redrawing
    the button (under CI's load, once in a run) starts nothing; a person clicks again, and so does this."""
    button = page.get_by_role("button", name=label)
    for attempt in range(3):
        expect(button).to_be_enabled(timeout=WAIT_MS)
        try:
            with page.expect_download(timeout=20_000) as download:
                button.click()
            return Path(download.value.path()).read_bytes()
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_a_visitor_who_is_not_signed_in_never_receives_contact_data(browser, server):
    running, _ = server
    with app_page(browser, running) as app:
        received = Received(app.page)
        page = app.page
        app.goto("/")
        expect(page.get_by_text("Members' sign-in")).to_be_visible(timeout=WAIT_MS)
        search(page, "Bavarian Robotics")
        app.wait_until_idle()
        open_first_row(page)
        dialog = card(page)
        expect(dialog).to_contain_text(HOST)
        expect(dialog).to_contain_text("are for signed-in members: sign in here")
        expect(dialog.get_by_role("button", name="Prepare the request")).to_have_count(0)
        page.keyboard.press("Escape")  # close the card where it is a dialog
        expect(page.locator("[role='dialog']")).to_have_count(0, timeout=WAIT_MS)
        app.wait_until_idle()
        for label in ("⬇️ CSV (;)", "⬇️ Excel"):
            saved = download_of(page, label)
            assert b"Bavarian" in saved or label == "⬇️ Excel"  # the Excel file is compressed
            received.chunks.append(saved)
            if label == "⬇️ Excel":
                received.chunks.append(excel_text(saved))
        # a shared link straight to a card, and the Overview
        app.goto("/?partner=bavarian-robotics-muenchen")
        expect(page.get_by_text("Offered under the BRA", exact=True).first).to_be_visible(timeout=WAIT_MS)
        expect(card(page)).to_contain_text(HOST)
        app.goto("/overview")
        app.wait_until_idle()
        screenshot(page, "members-anonymous")
        everything = b"\n".join(received.chunks)
        assert HOST.encode() in everything and b"Robotics" in everything  # the check saw the data it checks
        assert received.containing(contact_values()) == []


def test_a_member_requests_a_visit_and_the_office_confirms_and_reports_it(browser, server):
    running, work = server
    with app_page(browser, running) as app:
        page = app.page
        app.goto("/")
        page.locator(".st-key-member_code input").fill("a wrong guess")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_text("That access code is not right.")).to_be_visible(timeout=WAIT_MS)
        page.wait_for_timeout(1500)  # the throttle's first back-off window
        page.locator(".st-key-member_code input").fill(CODE)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_text("Signed in as a member.")).to_be_visible(timeout=WAIT_MS)
        signed_in_at = len(app.requests)
        search(page, "Bavarian Robotics")
        app.wait_until_idle()
        open_first_row(page)
        dialog = card(page)
        expect(dialog).to_contain_text(HOST_EMAIL)
        # Files under static/ are public: a member's map with contact data never goes into one.
        for url in {u for u in app.requests[signed_in_at:] if "/app/static/offices/" in u}:
            body = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
            assert [value for value in contact_values() if value in body] == [], url
        dialog.locator(".st-key-visit_company input").fill("Amber Byte Sp. z o.o.")
        dialog.locator(".st-key-visit_name input").fill("Anna Nowak")
        dialog.locator(".st-key-visit_email input").fill("anna@amberbyte.example.org")
        dialog.get_by_role("button", name="Prepare the request").click()
        mail = dialog.get_by_role("link", name="Open in my e-mail program")
        expect(mail).to_be_visible(timeout=WAIT_MS)
        href = mail.get_attribute("href") or ""
        assert href.startswith("mailto:") and HOST_EMAIL in href
        dialog.get_by_role("button", name="I have sent the e-mail: record my request").click()  # recorded when sent
        expect(dialog).to_contain_text("Recorded in the office's register as visit no. 1.")
        screenshot(page, "members-request-recorded")

    register = Register.open(f"sqlite:///{work / 'visits.sqlite'}")
    [request] = register.find()
    assert (request.member_company, request.member_email, request.partner_name, request.status) == (
        "Amber Byte Sp. z o.o.",
        "anna@amberbyte.example.org",
        HOST,
        "requested",
    )
    year = request.start.year

    with app_page(browser, running) as app:
        page = app.page
        app.goto("/staff")
        page.get_by_role("textbox", name="Staff password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("tab", name="Visits").click()
        expect(page.get_by_text("Visits shown: 1", exact=False)).to_be_visible(timeout=WAIT_MS)
        # the widgets' scripts load lazily on the first visit of a tab: wait for them
        expect(page.locator(".st-key-visits_pick")).to_match_aria_snapshot(
            f'- combobox "Visit": /Amber Byte Sp. z o.o. → {HOST}/', timeout=WAIT_MS
        )
        choose(page, f"visits_new_status_{request.id}", "confirmed")
        page.locator(f".st-key-visits_save_{request.id} button").click()
        expect(page.get_by_text(f"Saved: No. {request.id}")).to_be_visible(timeout=WAIT_MS)
        # The visit has not begun (the form suggests days ahead): completing it is refused with a sentence.
        choose(page, f"visits_new_status_{request.id}", "completed")
        days = page.locator(f".st-key-visits_actual_days_{request.id} input")
        days.fill("2")
        page.locator(f".st-key-visits_save_{request.id} button").click()
        expect(page.get_by_text("only once its days have begun", exact=False)).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".st-key-visits_pick")).to_match_aria_snapshot(
            f'- combobox "Visit": /No. {request.id} · Amber Byte/', timeout=WAIT_MS
        )
        assert register.get(request.id).status == "confirmed"
        page.get_by_role("tab", name="BRA report").click()
        choose(page, "report_year", str(year))
        metric = page.locator("[data-testid='stMetric']").filter(has_text="Visits still requested or confirmed")
        expect(metric).to_contain_text("1", timeout=WAIT_MS)
        screenshot(page, "members-report")
    assert [e.action for e in register.events(request.id)] == ["created", "status"]
    assert register.find(VisitFilter(year=year, status="confirmed"))[0].id == request.id
    register.database.dispose()


def choose(page: Page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key``."""
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f".st-key-{key}")).to_match_aria_snapshot(f"- combobox: /{option}/", timeout=WAIT_MS)
