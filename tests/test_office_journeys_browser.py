"""The office's journeys that found defects 2, 4 and 5 of issue 18, in a real headless Chromium.

2. A register save moved the picker to another visit and the next save was dropped without a word.
4. A restore that removed the whole published list went live without a question, and said "nothing was deleted".
5. A visit dated after today could be marked completed.

The app runs with ``PARTNER_DIRECTORY_TODAY=2026-12-04``, a register of two visits (2 March, begun; 21 December,
not begun) and a history whose older version holds one office of the five published.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from partner_directory.access.passwords import hash_password
from partner_directory.visits.register import NewVisit, Register
from tests.browser import AppPage, app_environment, app_page, chromium, screenshot, streamlit_server
from tests.stores import published_bytes, store_beside

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
WAIT_MS = 60_000
TODAY = "2026-12-04"
HEADER = "partner_id,partner_name,city,country,latitude,longitude\r\n"
FIVE = HEADER + "".join(f"cluster-{n},Cluster {n},Gdańsk,PL,54.35,18.65\r\n" for n in range(5))
ONE = HEADER + "cluster-0,Cluster 0,Gdańsk,PL,54.35,18.65\r\n"


def a_visit(start: dt.date, end: dt.date, company: str) -> NewVisit:
    return NewVisit(
        direction="outgoing",
        member_company=company,
        partner_name="Bavarian Robotics",
        start=start,
        end=end,
        member_name="Anna Nowak",
        member_email="anna@acme.example.org",
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[AppPage, Path, Register]]:
    data_file = tmp_path / "partners.csv"
    data_file.write_text(FIVE, encoding="utf-8")
    store = store_beside(data_file, tmp_path / "history")
    store.publish(
        ONE.encode(),
        author="Piotr",
        base_version=store.current_version(),
        summary="upload",
        counts=(0, 0, 4),
        rows=1,
        base_rows=5,
    )
    store.publish(
        FIVE.encode(),
        author="Piotr",
        base_version=store.current_version(),
        summary="upload",
        counts=(4, 0, 0),
        rows=5,
        base_rows=1,
    )
    register = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    register.record(a_visit(dt.date(2026, 3, 2), dt.date(2026, 3, 4), "Acme"))
    register.record(a_visit(dt.date(2026, 12, 21), dt.date(2026, 12, 23), "Bałtyk Soft"))
    environment = app_environment(data_file, tmp_path, password_hash=hash_password(PASSWORD))
    environment["PARTNER_DIRECTORY_TODAY"] = TODAY
    with (
        chromium() as browser,
        streamlit_server(environment, tmp_path / "streamlit.log") as server,
        app_page(browser, server, viewport_height=1000) as app,
    ):
        app.goto("/staff?lang=en")
        app.sign_in_as_staff("Ola (office)", PASSWORD)
        try:
            yield app, data_file, register
        finally:
            register.database.dispose()


def choose(app: AppPage, key: str, option: str) -> None:
    app.page.locator(f".st-key-{key}").get_by_role("combobox").click()
    app.page.get_by_role("option", name=option, exact=True).click()


def picker(app: AppPage):
    return app.page.locator(".st-key-visits_pick").get_by_role("combobox")


def saved_notice(app: AppPage, pattern: str):
    return app.page.locator("[data-testid='stAlertContentSuccess']").filter(has_text=re.compile(pattern))


def test_two_saves_of_one_visit_both_land_and_the_picker_stays(served):
    app, _, register = served
    page = app.page
    page.get_by_role("tab", name="Visits", exact=True).click()
    choose(app, "visits_pick", "No. 1 · Acme → Bavarian Robotics · 2026-03-02")
    choose(app, "visits_new_status_1", "confirmed")
    page.locator(".st-key-visits_save_1").get_by_role("button").click()
    expect(saved_notice(app, r"Saved: No\. 1 .* confirmed")).to_be_visible(timeout=WAIT_MS)
    app.wait_until_idle()
    assert register.get(1).status == "confirmed"
    expect(picker(app)).to_have_value(re.compile(r"^No\. 1 · Acme"), timeout=WAIT_MS)
    choose(app, "visits_new_status_1", "completed")
    page.locator(".st-key-visits_actual_days_1 input").fill("2")
    page.locator(".st-key-visits_save_1").get_by_role("button").click()
    expect(saved_notice(app, r"Saved: No\. 1 .* completed")).to_be_visible(timeout=WAIT_MS)
    app.wait_until_idle()
    done = register.get(1)
    assert (done.status, done.actual_days) == ("completed", 2)
    expect(picker(app)).to_have_value(re.compile(r"^No\. 1 · Acme"))
    assert register.get(2).status == "requested"
    screenshot(page, "office-register-two-saves")


def test_a_visit_not_begun_is_not_completed_and_staff_are_told(served):
    app, _, register = served
    page = app.page
    page.get_by_role("tab", name="Visits", exact=True).click()
    choose(app, "visits_pick", "No. 2 · Bałtyk Soft → Bavarian Robotics · 2026-12-21")
    expect(page.get_by_text("Visit No. 2 begins on 2026-12-21").first).to_be_visible(timeout=WAIT_MS)
    choose(app, "visits_new_status_2", "completed")
    page.locator(".st-key-visits_save_2").get_by_role("button").click()
    refusal = page.locator("[data-testid='stAlertContentError']").filter(has_text="only once its days have begun")
    expect(refusal).to_be_visible(timeout=WAIT_MS)
    app.wait_until_idle()
    assert register.get(2).status == "requested"
    screenshot(page, "office-register-not-begun")


def test_a_restore_that_removes_most_offices_asks_and_tells_the_truth(served):
    app, data_file, _ = served
    page = app.page
    before = published_bytes(data_file)
    page.get_by_role("tab", name="History", exact=True).click()
    panel = page.get_by_role("tabpanel", name="History")
    panel.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("This restore could hurt").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text(re.compile(r"removes 80% of the published offices")).first).to_be_visible()
    app.wait_until_idle()
    assert published_bytes(data_file) == before
    screenshot(page, "office-restore-asks")
    page.locator(".st-key-restore_cancel").get_by_role("button").click()
    expect(page.get_by_text("Nothing was restored").first).to_be_visible(timeout=WAIT_MS)
    app.wait_until_idle()
    assert published_bytes(data_file) == before
    screenshot(page, "office-restore-cancelled")
    # The notice above the tabs leaves the staff member where they were (it used to open the first tab).
    expect(page.get_by_role("tab", name="History", exact=True)).to_have_attribute("aria-selected", "true")
    panel.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("This restore could hurt").first).to_be_attached(timeout=WAIT_MS)
    app.wait_until_idle()
    expect(page.get_by_role("tab", name="History", exact=True)).to_have_attribute("aria-selected", "true")
    page.locator(".st-key-restore_confirm").get_by_role("button").click()
    notice = saved_notice(app, r"is published again as a new version \(0 added, 0 changed, 4 removed")
    expect(notice).to_be_visible(timeout=WAIT_MS)
    assert "nothing was deleted" not in notice.inner_text()
    app.wait_until_idle()
    assert published_bytes(data_file).decode("utf-8-sig").count("cluster-") == 1
