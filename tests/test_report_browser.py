"""The coordinator's report as a staff member hands it in (issue 18, defect 9), in a real headless Chromium.

On 4 December 2026, with completed visits in 2026 and requests already made for January 2027, the Polish
staff page opens the report on 2026 (it opened on the empty 2027); it names the home cluster, the period and the
date of issue; countries are named in Polish; the CSV is one a Polish Excel opens in columns (``;``) with the
summary above the table; the workbook holds numbers, not text; and the chart shows every partner's name whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from partner_directory.access.passwords import hash_password
from partner_directory.visits.register import Change, NewVisit, Register
from tests.browser import AppPage, app_environment, app_page, chromium, screenshot, streamlit_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
WAIT_MS = 60_000
CLUSTER = "Pomorski Klaster ICT — Gdańsk"
LONG_PARTNER = "Baden-Württemberg Association of Mechanical Engineering and Robotics Clusters"
PARTNERS = "partner_id,partner_name,city,country,latitude,longitude\r\nbw,Bavarian Robotics,München,DE,48.1,11.6\r\n"


def visit(partner: str, country: str, start: dt.date, days: int, company: str, direction: str = "outgoing") -> NewVisit:
    return NewVisit(
        direction=direction,
        member_company=company,
        partner_name=partner,
        country=country,
        start=start,
        end=start + dt.timedelta(days=days - 1),
        people=2,
        member_name="Anna Nowak",
        member_email="anna@acme.example.org",
    )


@pytest.fixture
def report_page(tmp_path: Path) -> Iterator[AppPage]:
    data_file = tmp_path / "partners.csv"
    data_file.write_text(PARTNERS, encoding="utf-8")
    register = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    today = dt.date(2026, 12, 4)
    for new, days in (
        (visit("Bavarian Robotics", "DE", dt.date(2026, 3, 2), 3, "Acme"), 3),
        (visit(LONG_PARTNER, "DE", dt.date(2026, 5, 11), 2, "Bałtyk Soft"), 2),
        (visit("Savannah Tech Cluster", "KE", dt.date(2026, 9, 14), 4, "Nairobi Labs", "incoming"), 4),
    ):
        number = register.record(new)
        register.change(
            number, Change(status="completed", actual_days=days, set_actual_days=True), revision=1, by="t", today=today
        )
    register.record(visit("Bavarian Robotics", "DE", dt.date(2027, 1, 11), 2, "Acme"))  # January, already asked
    register.database.dispose()
    environment = app_environment(data_file, tmp_path, password_hash=hash_password(PASSWORD))
    environment["PARTNER_DIRECTORY_TODAY"] = today.isoformat()
    environment["PARTNER_DIRECTORY_HOME_CLUSTER_NAME"] = CLUSTER
    with (
        chromium() as browser,
        streamlit_server(environment, tmp_path / "streamlit.log") as server,
        app_page(browser, server, viewport_height=1000) as app,
    ):
        app.goto("/staff?lang=pl")
        page = app.page
        app.sign_in_as_staff("Ola (biuro)", PASSWORD, lang="pl")
        page.get_by_role("tab", name="Raport BRA", exact=True).click()
        expect(page.get_by_role("heading", name="Wykorzystanie BRA w roku 2026")).to_be_visible(timeout=WAIT_MS)
        app.wait_until_idle()
        yield app


def download(app: AppPage, key: str) -> bytes:
    with app.page.expect_download(timeout=WAIT_MS) as started:
        app.page.locator(f".st-key-{key}").get_by_role("button").click()
    return Path(started.value.path()).read_bytes()


def test_the_report_opens_on_this_year_and_says_whose_it_is(report_page):
    page = report_page.page
    expect(page.locator(".st-key-report_year").get_by_role("combobox")).to_have_value("2026")
    whose = f"{CLUSTER} · okres 2026-01-01 – 2026-12-31 · data wystawienia 2026-12-04"
    expect(page.get_by_text(whose, exact=True)).to_be_visible()
    screenshot(page, "report-pl")


def test_the_chart_shows_every_partner_name_whole(report_page):
    chart = report_page.page.locator("[data-testid='stVegaLiteChart']").first
    expect(chart).to_be_visible(timeout=WAIT_MS)
    texts = chart.locator("svg text")
    expect(texts.filter(has_text="Bavarian Robotics").first).to_be_attached(timeout=WAIT_MS)
    shown = texts.all_text_contents()
    assert LONG_PARTNER in shown, shown
    assert not any(text.endswith("…") for text in shown), shown
    # The long name fits inside the chart's frame: nothing is cut at its left edge.
    frame = chart.bounding_box()
    label = texts.filter(has_text=LONG_PARTNER).first.bounding_box()
    assert frame and label and label["x"] >= frame["x"] - 1, (frame, label)


def test_the_csv_opens_in_columns_in_polish_excel_with_the_summary_first(report_page):
    raw = download(report_page, "report_csv")
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Wykorzystanie BRA w roku 2026")
    assert CLUSTER in lines[1] and "2026-12-04" in lines[1]
    table = list(csv.reader(io.StringIO("\r\n".join(lines[lines.index("") + 1 :])), delimiter=";"))
    header, *rows = [row for row in table if row]
    assert len(header) >= 4, header
    countries = {value for row in rows for value in row}
    assert "Niemcy" in countries and "Kenia" in countries
    assert not {"DE", "KE"} & countries


def test_the_workbook_holds_numbers_and_country_names(report_page):
    raw = download(report_page, "report_xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    summary = workbook.worksheets[0]
    cells = [cell.value for row in summary.iter_rows() for cell in row if cell.value is not None]
    assert any(CLUSTER in str(value) for value in cells)
    numbers = [value for value in cells if isinstance(value, int | float)]
    assert 5 in numbers and 4 in numbers, cells  # outgoing days 3 + 2, incoming 4: numbers a SUM adds
    partners = workbook.worksheets[1]
    values = [cell.value for row in partners.iter_rows(min_row=2) for cell in row]
    assert "Niemcy" in values and "DE" not in values
    assert any(isinstance(value, int) and value == 3 for value in values)
