"""Every page by its own address, from the very first request after a start, in a real Chromium.

Streamlit runs a freshly started app that has a ``pages/`` folder in its old
folder mode until someone opens ``/``: a deep link ran the page file on its
own, listed the staff page to anonymous members, lost the language switch and
showed an English "Page not found" for the sign-in page. Each test here
starts its own server, so the address under test is the server's first
request, then reloads it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from partner_directory.access.passwords import hash_password
from partner_directory.i18n import t
from tests.browser import ROOT, app_environment, app_page, streamlit_server

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
PASSWORD = "navigation test password"
# The heading each address shows to a visitor who is not signed in.
PAGES = {
    "/directory": "ui.title",
    "/overview": "overview.title",
    "/staff": "staff.sign_in_title",
}
ANONYMOUS_NAVIGATION = ["nav.directory", "nav.overview", "nav.sign_in"]


def _environment(tmp_path: Path) -> dict[str, str]:
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    return app_environment(data_file, tmp_path, password_hash=hash_password(PASSWORD))


def _navigation_links(page: Page) -> list[str]:
    # Each link reads "<icon>\n\n<title>"; the title is the last line.
    return [text.strip().splitlines()[-1] for text in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def _assert_served_by_the_app(page: Page, heading: str, navigation: list[str], language: str) -> None:
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=WAIT_MS)
    assert page.get_by_text("Page not found").count() == 0
    assert _navigation_links(page) == navigation
    # The language switch is the app's, so it is there only when app.py ran.
    other = "English" if language == "pl" else "Polski"
    expect(page.locator("[data-testid='stSidebar']").get_by_text(other, exact=True)).to_be_visible()
    # Members see no Deploy button and no developer menu entries.
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_deep_link_as_the_first_request_after_a_start(browser: Browser, tmp_path: Path, path: str, language: str):
    heading = t(PAGES[path], language)
    navigation = [t(key, language) for key in ANONYMOUS_NAVIGATION]
    with (
        streamlit_server(_environment(tmp_path), tmp_path / "streamlit.log") as server,
        app_page(browser, server) as app,
    ):
        app.goto(f"{path}?lang={language}")
        _assert_served_by_the_app(app.page, heading, navigation, language)
        app.page.reload()
        app.page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=WAIT_MS)
        app.wait_until_idle()
        _assert_served_by_the_app(app.page, heading, navigation, language)
        # The default page is shown at "/", every other page keeps its own address.
        shown = "/" + app.page.url.split("?")[0].split("/", 3)[-1]
        assert shown == ("/" if path == "/directory" else path)


def test_staff_sign_in_lands_on_the_data_page_and_a_reload_finds_the_page(browser: Browser, tmp_path: Path):
    with (
        streamlit_server(_environment(tmp_path), tmp_path / "streamlit.log") as server,
        app_page(browser, server) as app,
    ):
        app.goto("/staff")
        page = app.page
        page.get_by_label(t("staff.your_name", "en")).fill("Anna Nowak")
        page.get_by_label(t("staff.password", "en")).fill("not the password")
        page.get_by_role("button", name=t("staff.sign_in", "en"), exact=True).click()
        expect(page.get_by_text(t("staff.sign_in_wrong", "en"))).to_be_visible(timeout=WAIT_MS)
        page.wait_for_timeout(1500)  # the throttle's first back-off
        page.get_by_label(t("staff.password", "en")).fill(PASSWORD)
        page.get_by_role("button", name=t("staff.sign_in", "en"), exact=True).click()
        expect(page.get_by_role("heading", name=t("staff.title", "en"), exact=True)).to_be_visible(timeout=WAIT_MS)
        assert page.url.split("?")[0].endswith("/staff")
        assert t("nav.staff", "en") in _navigation_links(page)

        page.reload()
        page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=WAIT_MS)
        app.wait_until_idle()
        # Whatever the reload keeps of the sign-in, the address is the office's page, never "not found".
        assert page.get_by_text("Page not found").count() == 0
        title = page.get_by_role("heading", name=t("staff.title", "en"), exact=True)
        sign_in = page.get_by_role("heading", name=t("staff.sign_in_title", "en"), exact=True)
        expect(title.or_(sign_in)).to_be_visible(timeout=WAIT_MS)
