"""A member's visit request in real headless Chromium (issue 18): tried, sent once, details kept, "My requests".

One server in the ``members`` mode with a member access code, on a private copy
of the demo data and a private SQLite register, on a frozen date
(``PARTNER_DIRECTORY_TODAY``). The member opens a shared link to a card, signs
in inside the card, tries several date ranges (nothing recorded), sends
(one record), says so twice (still one), opens another partner's card (their
details are there), and sees the office's confirmation in "My requests".
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys
from contextlib import ExitStack

import pytest
from playwright.sync_api import Locator, Page, expect

from partner_directory.access.passwords import hash_password
from partner_directory.visits.register import Change, Register
from tests.browser import ROOT, app_environment, app_page, free_port, poll, screenshot, streamlit_server

pytestmark = pytest.mark.browser

CODE = "bra-members-only-2026"
WAIT_MS = 60_000
MUNICH = "bavarian-robotics-muenchen"
GDANSK = "pomeranian-ict-gdansk"
TODAY = "2026-11-28"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("visit-request")
    data_file = work / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, work)
    environment.update(
        PARTNER_DIRECTORY_ACCESS="members",
        PARTNER_DIRECTORY_MEMBER_CODE_HASH=hash_password(CODE),
        PARTNER_DIRECTORY_TODAY=TODAY,
    )
    with ExitStack() as stack:
        yield stack.enter_context(streamlit_server(environment, work / "streamlit.log")), work


def recorded(work) -> list:
    register = Register.open(f"sqlite:///{work / 'visits.sqlite'}")
    try:
        return register.find()
    finally:
        register.database.dispose()


def set_dates(page: Page, dialog: Locator, partner: str, start: str, end: str) -> None:
    """Type a later date range into the form's date field, as a member does: end first, then start."""
    for which, value in (("end", end), ("start", start)):
        dialog.get_by_role("spinbutton", name=f"year, First and last day {which} date").click()
        page.keyboard.type(value.replace("-", ""))  # year, month, day: each segment moves on to the next
    values = dialog.locator(f".st-key-visit_dates_{partner} input[type='date']")
    expect(values.first).to_have_value(start, timeout=WAIT_MS)
    expect(values.last).to_have_value(end, timeout=WAIT_MS)


def prepare(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Prepare the request").click()
    expect(dialog.get_by_role("link", name="Open in my e-mail program")).to_be_visible(timeout=WAIT_MS)


def test_a_member_tries_dates_sends_once_keeps_details_and_sees_the_status(browser, server):
    running, work = server
    with app_page(browser, running) as app:
        page = app.page
        app.goto(f"/?partner={MUNICH}")
        dialog = page.locator("[role='dialog']")
        expect(dialog).to_contain_text("sign in here", timeout=WAIT_MS)
        app.sign_in_in_card(CODE)
        dialog.locator(".st-key-visit_company input").fill("Amber Byte Sp. z o.o.")
        dialog.locator(".st-key-visit_name input").fill("Anna Nowak")
        dialog.locator(".st-key-visit_email input").fill("anna@amberbyte.example.org")
        prepare(dialog)
        for start, end in (("2026-12-15", "2026-12-16"), ("2027-01-12", "2027-01-13")):
            set_dates(page, dialog, MUNICH, start, end)
            prepare(dialog)
            app.wait_until_idle()
        expect(dialog).to_contain_text("Nothing is recorded yet")
        assert recorded(work) == []  # three tries, nothing in the register

        sent = dialog.get_by_role("button", name="I have sent the e-mail: record my request")
        sent.click()
        expect(dialog).to_contain_text("Recorded in the office's register as visit no. 1.", timeout=WAIT_MS)
        sent.click()  # said twice
        app.wait_until_idle()
        expect(dialog).to_contain_text("Recorded in the office's register as visit no. 1.", timeout=WAIT_MS)
        [visit] = recorded(work)
        assert (visit.start, visit.end, visit.partner_id) == (dt.date(2027, 1, 12), dt.date(2027, 1, 13), MUNICH)
        screenshot(page, "visit-request-sent-once")

        register = Register.open(f"sqlite:///{work / 'visits.sqlite'}")
        register.change(visit.id, Change(status="confirmed"), revision=1, by="office")
        register.database.dispose()

        dialog.get_by_role("button", name="Close the card").click()
        expect(dialog).to_have_count(0, timeout=WAIT_MS)
        app.wait_until_idle()  # the page redrawn without the card (meanwhile its old search box may still stand)
        search(page, "Pomeranian ICT")  # another partner's card in the same session
        app.wait_until_idle()
        open_first_row(page)
        dialog = page.locator("[role='dialog']")
        expect(dialog).to_contain_text("Pomeranian", timeout=WAIT_MS)
        expect(dialog.locator(".st-key-visit_company input")).to_have_value("Amber Byte Sp. z o.o.")
        expect(dialog.locator(".st-key-visit_name input")).to_have_value("Anna Nowak")
        expect(dialog.locator(".st-key-visit_email input")).to_have_value("anna@amberbyte.example.org")
        mine = dialog.locator(".st-key-visit_my_requests")
        expect(mine).to_contain_text("My requests (1)", timeout=WAIT_MS)
        mine.get_by_text("My requests (1)").click()
        expect(mine).to_contain_text(
            f"No. {visit.id} · Bavarian Robotics Network · 2027-01-12 – 2027-01-13 · confirmed"
        )
        screenshot(page, "visit-request-my-requests")
    assert len(recorded(work)) == 1


def search(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Search", exact=True)
    box.fill(text)
    box.press("Enter")


def open_first_row(page: Page) -> None:
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's selection box
    expect(page.locator("[role='dialog']")).to_have_count(1, timeout=WAIT_MS)


# --- staying signed in across a reload and a shared link (the cookie route needs `streamlit run asgi.py`) ----


@pytest.fixture(scope="module")
def asgi_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("member-cookie")
    data_file = work / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, work)
    environment.update(PARTNER_DIRECTORY_ACCESS="members", PARTNER_DIRECTORY_MEMBER_CODE_HASH=hash_password(CODE))
    with ExitStack() as stack:
        yield stack.enter_context(streamlit_server(environment, work / "streamlit.log", app="asgi.py"))


def test_a_member_stays_signed_in_across_a_reload_and_a_shared_link_until_signing_out(browser, asgi_server):
    with app_page(browser, asgi_server) as app:
        page = app.page
        app.goto(f"/?partner={MUNICH}")
        dialog = page.locator("[role='dialog']")
        expect(dialog).to_contain_text("sign in here", timeout=WAIT_MS)
        app.sign_in_in_card(CODE)
        cookie = poll(
            lambda: [c for c in page.context.cookies() if c["name"] == "bra_member"],
            bool,
            message="the sign-in cookie",
        )[0]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "bra_member" not in page.url and cookie["value"] not in page.url  # never in the address
        assert page.evaluate("document.cookie").find("bra_member") == -1  # no script on the page can read it

        page.reload()  # a reload: a new session, still a member
        dialog = page.locator("[role='dialog']")
        expect(dialog.locator(".st-key-visit_company input")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Signed in as a member.")).to_be_visible()

        shared = page.context.new_page()  # a shared link opened in another tab
        shared.goto(f"{asgi_server.url}/?partner={GDANSK}")
        expect(shared.locator("[role='dialog'] .st-key-visit_company input")).to_be_visible(timeout=WAIT_MS)
        shared.close()

        dialog.get_by_role("button", name="Close the card").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator(".st-key-member_code input")).to_be_visible(timeout=WAIT_MS)
        poll(
            lambda: [c for c in page.context.cookies() if c["name"] == "bra_member"],
            lambda found: not found,
            message="the cookie cleared",
        )
        page.reload()
        expect(page.locator(".st-key-member_code input")).to_be_visible(timeout=WAIT_MS)  # signed out stays out


def test_a_forged_cookie_is_not_a_sign_in(browser, asgi_server):
    with app_page(browser, asgi_server) as app:
        host = asgi_server.url.split("//")[1].split(":")[0]
        app.page.context.add_cookies(
            [{"name": "bra_member", "value": "eyJwIjoibWVtYmVyLXNlc3Npb24ifQ.x", "domain": host, "path": "/"}]
        )
        app.goto(f"/?partner={MUNICH}")
        expect(app.page.locator("[role='dialog']")).to_contain_text("sign in here", timeout=WAIT_MS)


def test_behind_nginx_a_member_stays_signed_in_across_a_reload(browser, tmp_path):
    """`make serve`: nginx's Content-Security-Policy lets the page post the ticket; any process reads the cookie."""
    from tests.browser import AppPage
    from tests.test_serve import NGINX, START_TIMEOUT_SECONDS, open_page

    assert NGINX.exists(), "nginx is missing: run `make nginx` (apt-get install nginx-light)"
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, tmp_path)
    environment.update(PARTNER_DIRECTORY_ACCESS="members", PARTNER_DIRECTORY_MEMBER_CODE_HASH=hash_password(CODE))
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--workers", "2", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        poll(
            lambda: log.read_text(errors="replace"),
            lambda text: "Serving on" in text or process.poll() is not None,
            timeout=START_TIMEOUT_SECONDS,
            message="serve.py did not start",
        )
        assert process.poll() is None, log.read_text(errors="replace")
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
        try:
            app = AppPage(context.new_page(), f"http://127.0.0.1:{port}")
            page = app.page
            open_page(app, "/")
            page.locator(".st-key-member_code input").fill(CODE)
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_text("Signed in as a member.")).to_be_visible(timeout=WAIT_MS)
            poll(
                lambda: [c for c in context.cookies() if c["name"] == "bra_member"],
                bool,
                message="the sign-in cookie behind nginx",
            )
            for _ in range(3):  # new sessions, whichever process nginx picks
                open_page(app, f"/?partner={GDANSK}")
                expect(page.locator("[role='dialog'] .st-key-visit_company input")).to_be_visible(timeout=WAIT_MS)
        finally:
            context.close()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def test_on_a_phone_the_member_signs_in_inside_the_card(browser, server):
    """390×844: the sidebar is hidden, so the card offers the sign-in itself, and the form follows."""
    running, _ = server
    from tests.browser import AppPage

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL", is_mobile=True)
    try:
        app = AppPage(context.new_page(), running.url)
        page = app.page
        app.goto(f"/?partner={GDANSK}&lang=pl")
        dialog = page.locator("[role='dialog']")
        expect(dialog).to_contain_text("zaloguj się tutaj", timeout=WAIT_MS)
        expect(dialog).not_to_contain_text("pasku bocznym")
        code = dialog.locator(".st-key-card_member_code input")
        expect(code).to_be_in_viewport()  # on the first screen of the card, not below its description
        code.fill(CODE)
        dialog.get_by_role("button", name="Zaloguj", exact=True).click()
        company = dialog.locator(".st-key-visit_company input")
        expect(company).to_be_visible(timeout=WAIT_MS)
        box = company.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # within the phone's width
        screenshot(page, "visit-request-phone-sign-in")
    finally:
        context.close()
