"""The outbox on the staff page in a real headless Chromium, with a real SMTP server: failed, tried again, sent.

The app runs as ``streamlit run app.py`` with SMTP settings pointing at the
test's aiosmtpd on 127.0.0.1; its own sender thread (started by ``app.py``)
sends what staff try again, with no other call.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from partner_directory.access.passwords import hash_password
from partner_directory.mail import outbox, sending
from partner_directory.mail.message import Mail
from partner_directory.mail.smtp import SmtpTransport
from partner_directory.storage.database import Database, migrate
from partner_directory.storage.migrations import MIGRATIONS
from tests.browser import ROOT, app_environment, app_page, chromium, screenshot, streamlit_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
WAIT_MS = 60_000
SENDER = "bra@example.org"


def test_staff_see_a_failed_message_with_its_reason_try_it_again_and_it_is_sent(tmp_path: Path, smtp_server):
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    database = Database(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    migrate(database, MIGRATIONS)
    now = dt.datetime.now(dt.UTC)
    mail = Mail(
        to=("host@example.org",),
        subject="Visit request <b>ACME</b> [x](https://evil.example.net)",
        text="x",
        html="<p>x</p>",
        purpose="visit_request",
        record="visit:1",
    )
    queued = outbox.enqueue(database, mail, sender=SENDER, now=now)
    smtp_server.refuse(550, "5.1.1 No such user here")
    transport = SmtpTransport(host="127.0.0.1", port=smtp_server.port, security="none", sender=SENDER, timeout=5)
    assert sending.send_due(database, transport, now=now).failed == 1
    smtp_server.accept()

    environment = app_environment(data_file, tmp_path, password_hash=hash_password(PASSWORD))
    environment.update(
        PARTNER_DIRECTORY_SMTP_HOST="127.0.0.1",
        PARTNER_DIRECTORY_SMTP_PORT=str(smtp_server.port),
        PARTNER_DIRECTORY_SMTP_SECURITY="none",
        PARTNER_DIRECTORY_SMTP_SENDER=SENDER,
    )
    with (
        chromium() as browser_,
        streamlit_server(environment, tmp_path / "streamlit.log") as server,
        app_page(browser_, server) as app,
    ):
        page = app.page
        app.goto("/staff")
        expect(page.get_by_role("heading", name="Office staff sign-in", exact=True)).to_be_visible(timeout=WAIT_MS)
        app.sign_in_as_staff("Ola", PASSWORD)
        page.get_by_role("tab", name="Outgoing mail").click()
        panel = page.get_by_role("tabpanel", name="Outgoing mail")
        # Data in a sentence is text: the address carries invisible joiners that keep it from becoming a link.
        configured = re.compile(rf"Mail goes out through 127\.0\.0\.1:{smtp_server.port} as bra\W*@\W*example")
        expect(panel.get_by_text(configured)).to_be_visible(timeout=WAIT_MS)
        expect(panel.get_by_text("The newest message: 1 failed.")).to_be_visible(timeout=WAIT_MS)
        assert panel.locator("a[href*='evil']").count() == 0  # the subject is text
        screenshot(page, "outbox-failed")
        panel.get_by_role("combobox", name=re.compile("Message to try again")).click()
        page.get_by_role("option", name=re.compile(rf"#{queued.id} failed: Visit request")).click()
        app.wait_until_idle()
        panel.get_by_role("button", name="Try again now").click()
        expect(page.get_by_text(f"Message #{queued.id} is queued again")).to_be_visible(timeout=WAIT_MS)
        [received] = smtp_server.wait_for(1)  # the app's own thread sent it
        assert str(received.message["Message-ID"]).strip() == queued.message_id
        assert [entry.status for entry in outbox.entries(database)] == ["sent"]
        page.reload()
        page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=WAIT_MS)
        app.wait_until_idle()
        assert server.process.poll() is None
    database.dispose()
