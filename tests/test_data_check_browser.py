"""The data check end to end with real parts: the staff page starts it, a real SMTP server receives the messages,
Chromium follows their links on the real app server (``asgi.py``), staff decide each field and publish.

The staff page runs in AppTest (the page script itself, on the same files and database as the server); the
partners' pages, which are the app's own HTTP route, run in Chromium at a phone's size, by keyboard.
Sending is done as the mailer's worker does it: ``outbox.claim``, a plain ``smtplib`` send, ``mark_sent``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import smtplib
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from partner_directory.access import tokens
from partner_directory.mail import outbox
from partner_directory.publication import datacheck, publishing
from partner_directory.sheet.contract import partner_key
from partner_directory.sheet.schema import COLUMNS
from partner_directory.storage.database import Database
from tests.apptest import app, prepare, texts
from tests.browser import app_environment, chromium, screenshot, streamlit_server
from tests.conftest import ROOT
from tests.stores import published_bytes
from tests.test_staff_app import HASH, sign_in

pytestmark = pytest.mark.browser

POZNAN = partner_key("Greater Poland Digital Hub")
RIGA = partner_key("Daugava Tech Hub")
HOSTILE = '</textarea><b id="bold">bold</b> [link](https://evil.example/) ![img](https://evil.example/i.png)'
BAD_ADDRESS = '"><b id="bold2">x</b>'
PHONE = "+48 61 222 33 44"


def send_all(database: Database, port: int) -> int:
    """Hand every queued message to the SMTP server on ``port``, as the mailer's worker does."""
    now = dt.datetime.now(dt.UTC)
    sent = 0
    for claimed in outbox.claim(database, now=now):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("office@pomeranian-ict.example.org", list(claimed.recipients), claimed.raw)
        outbox.mark_sent(database, claimed.id, now=now)
        sent += 1
    return sent


def link_for(smtp_server, address: str) -> str:
    for received in smtp_server.messages:
        if address in received.recipients:
            text = received.message.get_body(("plain",)).get_content()
            found = re.search(r"http://\S+/_bra/data-check\?token=[A-Za-z0-9_-]+&lang=(pl|en)", text)
            assert found, text
            return found.group(0)
    raise AssertionError(f"no message to {address}")


def published_rows(data_file: Path) -> dict[str, dict[str, str]]:
    """The published offices as the check reads them (normalised: the publish writes lists as ``a; b``)."""
    table = publishing.table_of(published_bytes(data_file))
    return {row["partner_id"]: {c: str(row[c]) for c in COLUMNS} for row in table.to_dict("records")}


def test_partners_answer_by_link_and_staff_publish_only_what_they_accept(monkeypatch, tmp_path, smtp_server):
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, tmp_path)
    log = tmp_path / "server.log"
    with streamlit_server(environment, log, app="asgi.py") as server:
        # 1. Staff start a check for two partners (the links point at the real server).
        monkeypatch.setenv("PARTNER_DIRECTORY_PUBLIC_URL", server.url)
        prepare(monkeypatch, tmp_path, data=data_file.read_bytes(), password_hash=HASH)
        staff = sign_in(app().run(), "Anna Nowak")
        staff.multiselect(key="datacheck_partners").set_value([POZNAN, RIGA]).run()
        staff.button(key="datacheck_start").click().run()
        assert not staff.exception, [e.value for e in staff.exception]
        assert "Data check started: 2 partners asked." in texts(staff)
        assert "Sent: 2 · opened: 0 · confirmed: 0 · corrected: 0 · no answer: 0" in texts(staff)

        # 2. The messages arrive at a real SMTP server.
        database = Database(environment["PARTNER_DIRECTORY_DATABASE_URL"])
        assert send_all(database, smtp_server.port) == 2
        smtp_server.wait_for(2)
        poznan_link = link_for(smtp_server, "bartek.koziolkowski@greater-poland-digital.example.org")
        riga_link = link_for(smtp_server, "ilze.paraudzina@daugava-tech.example.org")
        assert poznan_link.endswith("&lang=pl") and riga_link.endswith("&lang=en")

        with chromium() as browser:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL")
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

            # 3. Poznań opens its link: its own office only, in Polish, nothing else of the app.
            page.goto(poznan_link)
            assert page.title() == "Wasze biura w katalogu partnerów BRA"
            assert page.locator("fieldset").count() == 1
            assert page.locator("legend").inner_text() == "Biuro: Poznań Fair Office — Poznań"
            assert "Daugava" not in page.content() and "stApp" not in page.content()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits a phone
            screenshot(page, "data-check-partner-phone")
            links = page.eval_on_selector_all("a", "links => links.map(l => l.getAttribute('href'))")
            assert len(links) == 1 and links[0].startswith("/_bra/data-check?token=")  # the language switch only
            focused = []
            for _ in range(3):  # by keyboard: the language switch, "confirm", then the first field
                page.keyboard.press("Tab")
                focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
            assert focused == ["English", "Potwierdź dane bez zmian", "f0-address"]

            # A wrong address first: the field says why, in Polish, and nothing is stored.
            page.locator("#f0-contact_email").fill(BAD_ADDRESS)
            page.locator("#f0-description").fill(HOSTILE)
            page.get_by_role("button", name="Wyślij moje poprawki").press("Enter")  # by keyboard
            page.wait_for_selector("#f0-contact_email-error")
            assert (
                page.locator("#f0-contact_email-error").inner_text()
                == f"„{BAD_ADDRESS}” nie jest poprawnym adresem e-mail."
            )
            assert page.locator("#f0-contact_email").get_attribute("aria-invalid") == "true"
            assert page.locator("#f0-contact_email").input_value() == BAD_ADDRESS  # typed text kept, as text
            assert page.locator("#f0-description").input_value() == HOSTILE
            assert page.locator("#bold, #bold2, img").count() == 0

            # Then the real corrections: a new phone number and one service less; the hostile text stays.
            page.locator("#f0-contact_email").fill("bartek.koziolkowski@greater-poland-digital.example.org")
            page.locator("#f0-contact_phone").fill(PHONE)
            page.locator("#f0-services").fill("desk; meeting_room; internet")
            page.get_by_role("button", name="Wyślij moje poprawki").press("Enter")
            page.wait_for_selector("p.notice")
            assert "biuro otrzymało poprawki" in page.locator("p.notice").inner_text()

            # The used link gets a sentence, and so does an expired one.
            page.goto(poznan_link)
            assert "Ten link został już użyty" in page.locator("main").inner_text()
            entry_id = next(e.id for e in datacheck.entries(database, 1) if e.partner_key == RIGA)
            old = dt.datetime.now(dt.UTC) - dt.timedelta(days=61)
            expired = tokens.issue(
                database, "data_check", datacheck.record_of(entry_id), now=old, lifetime=datacheck.LINK_LIFETIME
            )
            expired_link = f"{server.url}{datacheck.LINK_PATH}?token={expired}&lang=en"
            page.goto(expired_link)  # at once after a failed link: the throttle's window (1 s, then 2 s …)
            assert "Too many attempts from your address" in page.locator("main").inner_text()
            time.sleep(1.2)
            page.goto(expired_link)
            assert "This link has expired" in page.locator("main").inner_text()
            time.sleep(2.2)  # the window after the second failure

            # 4. Riga confirms its office as it is, in English.
            page.goto(riga_link)
            assert page.title() == "Your offices in the BRA partner directory"
            page.get_by_role("button", name="Confirm the data as it is").press("Enter")
            page.wait_for_selector("p.notice")
            assert "the office has your confirmation" in page.locator("p.notice").inner_text()
            blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
            assert not blocked, blocked  # the strict CSP blocked nothing the page needs
            context.close()

        # 5. Staff see the answers beside the published values; the hostile text is text there too.
        staff.run()
        page_text = texts(staff)
        assert "Sent: 0 · opened: 0 · confirmed: 1 · corrected: 1 · no answer: 0" in page_text
        assert "Published: +48 61 000 00 01" in page_text and f"Proposed: {PHONE}" in page_text
        markdown = "\n".join(m.value for m in staff.markdown)
        rendered = MarkdownIt().render(markdown)  # as Streamlit's markdown would make it (HTML allowed)
        assert "evil.example" in rendered and not re.search(r"<(a|img|b)[ >]", rendered), rendered
        answers = {a.column: a for a in datacheck.field_answers(database, 1)}
        assert set(answers) == {"contact_phone", "services", "description"}
        staff.radio(key=f"datacheck_decision_{answers['contact_phone'].id}").set_value("accepted").run()
        staff.radio(key=f"datacheck_decision_{answers['services'].id}").set_value("rejected").run()
        staff.radio(key=f"datacheck_decision_{answers['description'].id}").set_value("rejected").run()
        staff.button(key="datacheck_prepare").click().run()
        assert not staff.exception, [e.value for e in staff.exception]
        assert "The draft holds the answers of 2 partners" in texts(staff)

        # 6. The usual guarded publish.
        before = published_rows(data_file)
        staff.button(key="publish").click().run()
        assert not staff.exception, [e.value for e in staff.exception]
        assert "Published: the version of" in texts(staff)
        after = published_rows(data_file)
        today = dt.date.today().isoformat()
        assert after["greater-poland-digital-poznan"]["contact_phone"] == PHONE
        assert after["greater-poland-digital-poznan"]["services"] == before["greater-poland-digital-poznan"]["services"]
        assert (
            after["greater-poland-digital-poznan"]["description"]
            == before["greater-poland-digital-poznan"]["description"]
        )
        assert after["daugava-tech-riga"]["last_verified"] == today
        assert after["greater-poland-digital-poznan"]["last_verified"] == today
        unchanged = [key for key in before if key not in ("greater-poland-digital-poznan", "daugava-tech-riga")]
        assert all(after[key] == before[key] for key in unchanged)
        database.dispose()


def test_staff_start_decide_and_publish_in_chromium(tmp_path, smtp_server):
    """The staff's side in the browser too: start by choosing two partners, decide per field, publish."""
    from playwright.sync_api import expect

    from partner_directory.access.passwords import hash_password
    from tests.browser import app_page

    password = "correct horse battery staple"
    wait = 60_000
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, tmp_path, password_hash=hash_password(password))
    environment["PARTNER_DIRECTORY_PUBLIC_URL"] = "https://bra.example.org"  # behind nginx: not the process's own
    with (
        streamlit_server(environment, tmp_path / "server.log", app="asgi.py") as server,
        chromium() as browser,
        app_page(browser, server) as app,
    ):
        page = app.page

        def sign_in() -> None:
            expect(page.get_by_role("heading", name="Office staff sign-in", exact=True)).to_be_visible(timeout=wait)
            app.sign_in_as_staff("Anna Testowa", password)
            page.get_by_role("tab", name="Data check").click()

        app.goto("/staff")
        sign_in()
        chooser = page.get_by_role("combobox", name="Partners")
        for name in ("Greater Poland Digital Hub", "Daugava Tech Hub"):
            chooser.click()
            chooser.fill(name)
            page.keyboard.press("Enter")
            app.wait_until_idle()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Start the data check").click()
        expect(page.get_by_text("Data check started: 2 partners asked.")).to_be_visible(timeout=wait)

        database = Database(environment["PARTNER_DIRECTORY_DATABASE_URL"])
        assert send_all(database, smtp_server.port) == 2
        smtp_server.wait_for(2)
        links = {}
        for received in smtp_server.messages:
            text = received.message.get_body(("plain",)).get_content()
            found = re.search(r"https://bra\.example\.org(/_bra/data-check\?token=[A-Za-z0-9_-]+&lang=(pl|en))", text)
            assert found, text
            links[received.recipients[0]] = server.url + found.group(1)

        partner = page.context.new_page()
        partner.goto(links["bartek.koziolkowski@greater-poland-digital.example.org"])
        partner.locator("#f0-contact_phone").fill(PHONE)
        partner.locator("#f0-services").fill("desk")
        partner.get_by_role("button", name="Wyślij moje poprawki").click()
        expect(partner.locator("p.notice")).to_contain_text("biuro otrzymało poprawki")
        partner.goto(links["ilze.paraudzina@daugava-tech.example.org"])
        partner.get_by_role("button", name="Confirm the data as it is").click()
        expect(partner.locator("p.notice")).to_contain_text("the office has your confirmation")
        partner.close()

        page.reload()  # a password sign-in lasts as long as the tab (see the README): sign in again
        page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=wait)
        app.wait_until_idle()
        sign_in()
        expect(page.get_by_text(f"Proposed: {PHONE}")).to_be_visible(timeout=wait)
        radios = page.locator("[data-testid='stRadio']")
        expect(radios).to_have_count(2, timeout=wait)  # the phone, then the services
        radios.nth(0).get_by_text("Accept", exact=True).click()
        app.wait_until_idle()
        radios.nth(1).get_by_text("Reject", exact=True).click()
        app.wait_until_idle()
        page.get_by_role("button", name="Put the decided answers into a draft").click()
        expect(page.get_by_text("The draft holds the answers of 2 partners", exact=False)).to_be_visible(timeout=wait)
        publish = page.get_by_role("button", name="Publish this version")
        expect(publish).to_be_enabled(timeout=wait)
        publish.click()
        expect(page.get_by_text(re.compile(r"^Published: the version of"))).to_be_visible(timeout=wait)

        after = published_rows(data_file)
        today = dt.date.today().isoformat()
        assert after["greater-poland-digital-poznan"]["contact_phone"] == PHONE
        assert after["greater-poland-digital-poznan"]["services"] == "desk; meeting_room; internet; events"
        assert after["daugava-tech-riga"]["last_verified"] == today
        database.dispose()
