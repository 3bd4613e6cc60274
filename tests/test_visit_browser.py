"""A member plans a visit in Polish, in a real headless Chromium, on a frozen Saturday.

The app reads ``PARTNER_DIRECTORY_TODAY`` (documented as for tests and demos
only), so the page believes today is Saturday 2026-11-28: the day the issue saw
a weekend suggested. The host is in Tokyo (Japanese and English), so the
request must come out in English although the page is in Polish, and the
calendar file must hold the three planned working days.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import ROOT, app_environment, app_page, chromium, screenshot, streamlit_server

pytestmark = pytest.mark.browser

WAIT_MS = 60_000  # the machine is shared; the first render builds the gazetteer index
SATURDAY = "2026-11-28"


def test_a_visit_request_in_polish_on_a_frozen_saturday(tmp_path: Path):
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, tmp_path) | {"PARTNER_DIRECTORY_TODAY": SATURDAY}
    with (
        streamlit_server(environment, tmp_path / "streamlit.log") as server,
        chromium() as browser,
        app_page(browser, server) as app,
    ):
        page = app.page
        app.goto("/?lang=pl&partner=kanto-digital-tokyo")
        expect(page.get_by_text("Zaplanuj wizytę", exact=True)).to_be_visible(timeout=WAIT_MS)

        # The suggested dates: Monday to Wednesday, two weeks ahead, not the weekend the issue saw.
        for end, day in (("start", "14"), ("end", "16")):
            field = page.get_by_role("group", name=f"Pierwszy i ostatni dzień {end} date")
            for part, value in (("year", "2026"), ("month", "12"), ("day", day)):
                spin = field.get_by_role("spinbutton", name=f"{part}, Pierwszy i ostatni dzień {end} date")
                expect(spin).to_have_attribute("aria-valuenow", value, timeout=WAIT_MS)
        expect(
            page.get_by_text("E-mail zostanie napisany w języku, który gospodarz podaje: angielski.")
        ).to_be_visible()

        # Without company and name, a clear sentence and no e-mail.
        prepare = page.get_by_role("button", name="Przygotuj prośbę")
        prepare.click()
        expect(page.get_by_text("Podaj nazwę swojej firmy", exact=False)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Podaj imię i nazwisko", exact=False)).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Otwórz w programie pocztowym"))).to_have_count(0)

        page.get_by_label("Twoja firma").fill("Żółw Software sp. z o.o.")
        page.get_by_label("Imię i nazwisko").fill("Anna Nowak")
        page.get_by_label("Twój e-mail").fill("anna@zolw.example.org")  # the register records who asked
        prepare.click()
        expect(page.get_by_text("Prośba jest gotowa", exact=False)).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()

        # The e-mail: to the host, the home office in copy, in English (the host does not list Polish).
        href = page.get_by_role("link", name=re.compile("Otwórz w programie pocztowym")).get_attribute("href")
        parts = urlsplit(href or "")
        query = parse_qs(parts.query)
        assert parts.scheme == "mailto" and parts.path == "hana.reibun@kanto-digital.example.com"
        assert query["cc"] == ["office@pomeranian-ict.example.org"]
        assert query["subject"][0] == "BRA visit request: Kanto Digital Bridge, from 2026-12-14"
        body = query["body"][0]
        assert body.startswith("Dear Hana Reibun,") and "Żółw Software sp. z o.o." in body
        assert "Dates: 2026-12-14 to 2026-12-16 (3 working days)" in body
        assert body.rstrip().endswith("Anna Nowak\nŻółw Software sp. z o.o.")

        # The calendar file beside the e-mail link: three all-day events.
        with page.expect_download(timeout=WAIT_MS) as download_info:
            page.get_by_role("button", name="📅 Plik kalendarza (.ics)").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".ics")
        calendar = Path(download.path()).read_bytes()
        assert calendar.startswith(b"BEGIN:VCALENDAR\r\n") and calendar.endswith(b"END:VCALENDAR\r\n")
        starts = re.findall(rb"DTSTART;VALUE=DATE:(\d{8})", calendar)
        assert starts == [b"20261214", b"20261215", b"20261216"]

        screenshot(page, "visit-pl-saturday")
        assert app.errors == [] and app.dialogs == []
