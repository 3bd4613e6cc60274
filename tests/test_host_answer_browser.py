"""The host's one-click answer in real headless Chromium, with a real SMTP server (issue 21).

One ``streamlit run asgi.py`` in the ``members`` mode with mail configured
(``PARTNER_DIRECTORY_SMTP_HOST`` and a sender), on a private copy of the demo
data and a private SQLite register. A member sends a request from the card;
the outbox is sent to a real SMTP server on 127.0.0.1 (``outbox.claim`` and
``smtplib``, as the mailer's sender does); the message is parsed and its links
followed in Chromium: the host confirms (the register says so, by the host),
declines with a note using the keyboard alone on a phone, and an expired,
used or guessed link gets a sentence. The links carry the configured public
address; the test puts the test server's address in its place.
"""

from __future__ import annotations

import datetime as dt
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from partner_directory.access import tokens
from partner_directory.access.passwords import hash_password
from partner_directory.config import Settings
from partner_directory.visits.mailing import link, record_of, send_request
from partner_directory.visits.register import Register, from_request
from partner_directory.visits.rules import Host, VisitRequest
from tests.browser import ROOT, app_environment, app_page, poll, screenshot, streamlit_server, window
from tests.mail_delivery import deliver, html_part, links_in, text_part
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.browser

CODE = "bra-members-only-2026"
WAIT_MS = 60_000
MUNICH = "bavarian-robotics-muenchen"
TODAY = "2026-11-28"
HOSTILE_COMPANY = "**Amber** <b>Byte</b> [x](javascript:alert(1))"
MEMBER = "anna@amberbyte.example.org"


@pytest.fixture(scope="module")
def module_smtp() -> Iterator[SmtpServer]:
    running = SmtpServer()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def smtp_server(module_smtp: SmtpServer) -> SmtpServer:
    """The SMTP server the app's own sender thread sends to, emptied for each test."""
    with module_smtp.lock:
        module_smtp.messages.clear()
    module_smtp.accept()
    return module_smtp


@pytest.fixture(scope="module")
def server(tmp_path_factory, module_smtp):
    work = tmp_path_factory.mktemp("host-answer")
    data_file = work / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, work)
    environment.update(
        PARTNER_DIRECTORY_ACCESS="members",
        PARTNER_DIRECTORY_MEMBER_CODE_HASH=hash_password(CODE),
        PARTNER_DIRECTORY_TODAY=TODAY,
        PARTNER_DIRECTORY_SMTP_HOST="127.0.0.1",
        PARTNER_DIRECTORY_SMTP_PORT=str(module_smtp.port),
        PARTNER_DIRECTORY_SMTP_SECURITY="none",
        PARTNER_DIRECTORY_SMTP_SENDER="directory@pomeranian-ict.example.org",
        PARTNER_DIRECTORY_PUBLIC_URL="https://bra.example.org",
    )
    with ExitStack() as stack:
        running = stack.enter_context(streamlit_server(environment, work / "streamlit.log", app="asgi.py"))
        yield running, work


@pytest.fixture
def register(server):
    _, work = server
    opened = Register.open(f"sqlite:///{work / 'visits.sqlite'}")
    yield opened
    opened.database.dispose()


def local(address: str, base: str) -> str:
    """The mail's link on the test server: its path and query after the test server's origin."""
    parts = urlsplit(address)
    return f"{base}{parts.path}?{parts.query}"


def fetch(address: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(address, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def test_a_member_sends_a_request_and_the_host_confirms_it_through_the_mails_link(
    browser, server, register, smtp_server
):
    running, _ = server
    with app_page(browser, running) as app:
        page = app.page
        app.goto(f"/?partner={MUNICH}")
        dialog = page.locator("[role='dialog']")
        expect(dialog).to_contain_text("sign in here", timeout=WAIT_MS)
        app.sign_in_in_card(CODE)
        dialog.locator(".st-key-visit_company input").fill(HOSTILE_COMPANY)
        dialog.locator(".st-key-visit_name input").fill("Anna Nowak")
        dialog.locator(".st-key-visit_email input").fill(MEMBER)
        dialog.get_by_role("button", name="Prepare the request").click()
        send = dialog.get_by_role("button", name="Send the request to the host")
        expect(send).to_be_visible(timeout=WAIT_MS)
        expect(dialog.get_by_role("link", name="Open in my e-mail program")).to_have_count(0)
        send.click()
        expect(dialog).to_contain_text("is on its way to the host", timeout=WAIT_MS)
        [visit] = register.find()
        assert visit.mailed_at is not None and visit.host_email == "lena.musterfrau@bavarian-robotics.example.com"

        deliver(register.database, smtp_server.port)  # or the app's own sender thread, whichever comes first
        message = smtp_server.wait_for(1)[0].message
        assert len(smtp_server.messages) == 1  # sent once
        assert message["To"] == "lena.musterfrau@bavarian-robotics.example.com"
        assert (message["Cc"], message["Reply-To"]) == (MEMBER, MEMBER)
        text = text_part(message)
        assert "up to 5 consecutive working days" in text and "events at member rates" in text
        assert "Anna Nowak signed in to our partner directory as a member of" in text
        assert "&lt;b&gt;Byte&lt;/b&gt;" in html_part(message) and "<b>Byte</b>" not in html_part(message)
        assert any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())
        [confirm, answer] = [address for address in links_in(text) if "/_bra/visit/" in address]

        host = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
        try:
            host_page = host.new_page()
            host_page.goto(local(confirm, running.url))
            main = host_page.locator("main")
            expect(main).to_contain_text(HOSTILE_COMPANY)  # the member's text is text
            assert main.locator("b").count() == 0 and main.locator("a").count() == 0
            expect(main).to_contain_text("Anna Nowak")
            assert register.get(visit.id).status == "requested"  # opening the link records nothing
            main.get_by_role("button", name="Confirm these days").click()
            expect(host_page.locator("main")).to_contain_text("is confirmed", timeout=WAIT_MS)
            screenshot(host_page, "host-answer-confirmed")
            answered = register.get(visit.id)
            assert (answered.status, answered.changed_by) == ("confirmed", "host")
            host_page.goto(local(confirm, running.url))  # the link works once
            expect(host_page.locator("main")).to_contain_text("already been used")
            host_page.goto(local(answer, running.url))  # and its twin no longer answers
            expect(host_page.locator("main")).to_contain_text("withdrawn")
        finally:
            host.close()

        deliver(register.database, smtp_server.port)
        told = smtp_server.wait_for(2)[1].message
        assert told["To"] == MEMBER and "confirmed the visit" in text_part(told)

        dialog.get_by_role("button", name="Prepare the request").click()  # the card runs again
        app.wait_until_idle()
        mine = dialog.locator(".st-key-visit_my_requests")
        mine.get_by_text("My requests (1)").click()
        expect(mine).to_contain_text("confirmed", timeout=WAIT_MS)
        expect(mine).to_contain_text("Bavarian Robotics Network confirmed the visit")
        expect(mine).to_contain_text("e-mail sent to the host")


def mailed_request(register: Register, settings: Settings, *, company: str, now: dt.datetime) -> int:
    """A request mailed the way the member's button does; returns its id (one member per company: one request each)."""
    host = Host("Bavarian Robotics Network", "München Robotics Lab", "München", "Lena", "lena@example.org", "DE")
    request = VisitRequest(dt.date(2027, 2, 9), dt.date(2027, 2, 10), 1, ("desk",), company, "Jan Kowalski")
    visit = from_request(
        request, host, partner_id=MUNICH, member_email=f"jan@{company.split()[0].lower()}.example.org", language="en"
    )
    visit_id = register.record(visit, source="form")
    send_request(
        register.database,
        visit_id,
        request,
        host,
        offered=("desk",),
        settings=settings,
        language="en",
        member_language="en",
        vouched=True,
        now=now,
    )
    return visit_id


def test_a_host_declines_with_a_note_by_keyboard_on_a_phone(browser, server, register, smtp_server):
    running, _ = server
    settings = Settings(smtp_host="127.0.0.1", public_url="https://bra.example.org")
    visit_id = mailed_request(register, settings, company="Kowalski & Syn", now=dt.datetime.now(dt.UTC))
    deliver(register.database, smtp_server.port)
    mail = [r.message for r in smtp_server.wait_for(1) if r.message["To"] == "lena@example.org"][-1]
    [_, answer] = [address for address in links_in(text_part(mail)) if "/_bra/visit/" in address]
    note = "Closed for renovation <img src=x onerror=alert(1)> — try March."
    with window(browser, running, (390, 844)) as phone:
        page: Page = phone.page
        page.goto(local(answer, running.url))
        expect(page.locator("main")).to_contain_text("Kowalski & Syn")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
        screenshot(page, "host-answer-form-phone")

        def tab_to(selector: str) -> None:
            for _ in range(20):
                page.keyboard.press("Tab")
                if page.evaluate(f"document.activeElement.matches({selector!r})"):
                    return
            raise AssertionError(f"Tab never reached {selector}")

        tab_to("input[type=radio]")
        page.keyboard.press("ArrowDown")  # from "Propose other days" to "Decline the visit"
        assert page.evaluate("document.querySelector('input[value=declined]').checked")
        tab_to("#note")
        page.keyboard.type(note)
        tab_to("button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("the visit is declined", timeout=WAIT_MS)
        screenshot(page, "host-answer-declined-phone")
    declined = register.get(visit_id)
    assert (declined.status, declined.host_note, declined.changed_by) == ("declined", note, "host")
    assert [e.actor for e in register.events(visit_id) if e.action == "status"] == ["host"]


def test_expired_and_guessed_links_get_a_sentence_in_the_hosts_language(browser, server, register):
    running, _ = server
    settings = Settings(smtp_host="127.0.0.1", public_url=running.url)
    visit_id = mailed_request(register, settings, company="Expired Ltd", now=dt.datetime.now(dt.UTC))
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    expired = tokens.issue(register.database, "visit_confirm", record_of(visit_id), now=past, lifetime=dt.timedelta(30))
    status, headers, body = fetch(link(settings, "visit_confirm", expired, "pl"))
    assert status == 410 and "Ten link wygasł" in body
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "frame-ancestors 'none'" in policy
    assert headers["referrer-policy"] == "no-referrer" and headers["cache-control"] == "no-store"
    assert "<a " not in body.split("<main>")[1]  # no way into the rest of the app
    fresh = tokens.issue(
        register.database, "visit_answer", record_of(visit_id), now=dt.datetime.now(dt.UTC), lifetime=dt.timedelta(1)
    )
    status, _, body = fetch(link(settings, "visit_answer", fresh, "pl"))  # the page in the host's language
    assert status == 200 and '<html lang="pl">' in body
    assert "Proponuję inne dni" in body and "Odmawiam wizyty" in body and "Expired Ltd" in body
    assert register.get(visit_id).status == "requested"  # showing records nothing
    with window(browser, running, (1280, 800)) as desktop:
        desktop.page.goto(link(settings, "visit_confirm", expired, "en"))
        expect(desktop.page.locator("main")).to_contain_text("This link has expired. Ask the office for a new one.")
        desktop.page.goto(f"{running.url}/_bra/visit/answer?token=guessed&lang=en")
        expect(desktop.page.locator("main")).to_contain_text("This link is not valid")
    # Guesses from one address are slowed down: a guess right after a guess waits.
    answers = [fetch(f"{running.url}/_bra/visit/answer?token=guess-{n}&lang=en") for n in range(3)]
    assert {status for status, _, _ in answers} <= {404, 429}
    assert any(status == 429 and "Too many attempts" in body for status, _, body in answers)


def post(address: str, fields: dict[str, str]) -> tuple[int, str]:
    data = urlencode(fields).encode("utf-8")
    try:
        with urllib.request.urlopen(urllib.request.Request(address, data=data), timeout=20) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_a_host_proposes_other_days_and_a_wrong_order_is_said_without_spending_the_link(server, register):
    running, _ = server
    settings = Settings(smtp_host="127.0.0.1", public_url=running.url)
    visit_id = mailed_request(register, settings, company="Proposal GmbH", now=dt.datetime.now(dt.UTC))
    token = tokens.issue(
        register.database, "visit_answer", record_of(visit_id), now=dt.datetime.now(dt.UTC), lifetime=dt.timedelta(1)
    )
    address = f"{running.url}/_bra/visit/answer"
    wrong = {"token": token, "lang": "en", "answer": "proposed", "first": "2027-03-10", "last": "2027-03-08"}
    # Guesses made by an earlier test from this address may still hold it in the throttle's window: wait it out.
    status, body = poll(lambda: post(address, wrong), lambda answer: answer[0] != 429, timeout=120)
    assert status == 422 and "The last proposed day is before the first." in body
    assert 'value="2027-03-10"' in body  # what the host typed stays in the form
    assert register.get(visit_id).status == "requested"
    status, body = post(address, {**wrong, "first": "2027-03-08", "last": "2027-03-10", "note": "Any day that week"})
    assert status == 200 and "your proposal of 2027-03-08 – 2027-03-10" in body
    proposed = register.get(visit_id)
    assert (proposed.status, proposed.proposed_start, proposed.proposed_end) == (
        "proposed",
        dt.date(2027, 3, 8),
        dt.date(2027, 3, 10),
    )
    assert proposed.host_note == "Any day that week" and proposed.changed_by == "host"
    status, body = post(address, {**wrong, "answer": "declined"})  # once
    assert status == 410 and "already been used" in body
