"""The office's work in a real headless Chromium, with a real Polish Excel export.

The file (``tests/files/partnerzy_eksport_excel_cp1250.csv``) is what Excel
writes in Poland: Windows-1250, semicolons, Polish headers, 15 rows with four
errors, and no coordinates or dates. The test uploads it, reloads the page,
signs in again and continues the draft; fixes every error in the page's
editor; is asked before the damaging publish, refuses, then confirms; restores
the list before; and checks the history and the change log line by line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from partner_directory.access.passwords import hash_password
from partner_directory.publication.publishing import table_of
from partner_directory.sheet.compare import compare
from tests.browser import ROOT, AppPage, app_environment, app_page, screenshot, streamlit_server
from tests.stores import change_log, published_bytes, store_beside

pytestmark = pytest.mark.browser

FILES = ROOT / "tests" / "files"
EXPORT = FILES / "partnerzy_eksport_excel_cp1250.csv"
PUBLISHED = FILES / "staff_published.csv"
PASSWORD = "correct horse battery staple"
WAIT_MS = 60_000  # a loaded machine: one app run may take long

# The editor's columns: the spreadsheet row, the problems, then the schema's columns in order.
EDITOR_COLUMNS = ["row", "problems", "partner_id", "partner_name", "office_name", "address", "postal_code", "city"]
EDITOR_COLUMNS += ["country", "latitude", "longitude", "sectors", "services", "languages", "contact_name"]
EDITOR_COLUMNS += ["contact_email", "contact_phone", "website"]
HEADER_HEIGHT = ROW_HEIGHT = 35  # Streamlit's data editor


def sign_in(app: AppPage, name: str) -> None:
    """Sign in with the staff password at ``/staff``, which then shows the data page."""
    page = app.page
    expect(page.get_by_role("heading", name="Office staff sign-in", exact=True)).to_be_visible(timeout=WAIT_MS)
    assert page.url.split("?")[0].endswith("/staff"), page.url
    app.sign_in_as_staff(name, PASSWORD)


def expect_text(app: AppPage, pattern: str) -> None:
    expect(app.page.get_by_text(re.compile(pattern)).first).to_be_visible(timeout=WAIT_MS)


def type_into_editor(app: AppPage, row: int, column: str, value: str) -> None:
    """Type ``value`` into the editor's cell by keyboard: select the first cell, move there, Enter, type, Enter.

    Enter opens the cell's editor first and the text goes in once it is there:
    typing straight onto a selected cell hands the first key to the opening
    editor, which a busy machine can drop ("iotr@" for "piotr@").
    """
    page = app.page
    editor = page.locator("[data-testid='stDataFrame']").filter(has=page.locator("canvas")).first
    for tab in page.get_by_role("tab", name="Edit in place").all():
        tab.click()
    expect(editor).to_be_visible(timeout=WAIT_MS)
    page.wait_for_timeout(2000)  # a rerun replaces the grid after an edit: let the new one settle
    editor.evaluate("(element) => element.scrollIntoView({block: 'center'})")  # clear of the fixed header
    page.wait_for_timeout(500)
    box = editor.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 200, box["y"] + box["height"] / 2)  # the grid finds the cell from the pointer's moves
    page.mouse.move(box["x"] + 70, box["y"] + HEADER_HEIGHT + ROW_HEIGHT / 2, steps=5)
    page.mouse.click(box["x"] + 70, box["y"] + HEADER_HEIGHT + ROW_HEIGHT / 2)  # past the row checkboxes
    page.wait_for_timeout(300)
    expect(editor.locator("#glide-cell-1-0[aria-selected='true']")).to_be_attached(timeout=WAIT_MS)
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    for _ in range(EDITOR_COLUMNS.index(column)):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    cell_editor = page.locator("#portal textarea, #portal input").first
    expect(cell_editor).to_be_focused(timeout=WAIT_MS)
    cell_editor.press("ControlOrMeta+a")
    page.keyboard.type(value, delay=20)
    expect(cell_editor).to_have_value(value)
    page.keyboard.press("Enter")
    app.wait_until_idle(timeout=WAIT_MS / 1000)


def history_lines(app: AppPage) -> list[str]:
    panel = app.page.get_by_role("tabpanel", name="History")
    texts = panel.locator("[data-testid='stMarkdownContainer']").all_inner_texts()
    return [line.strip() for line in texts if " · " in line]


def test_upload_reload_continue_fix_refuse_confirm_restore(browser: Browser, tmp_path: Path):
    data_file = tmp_path / "partners.csv"
    shutil.copy(PUBLISHED, data_file)
    before = published_bytes(data_file)
    environment = app_environment(data_file, tmp_path, password_hash=hash_password(PASSWORD))
    with streamlit_server(environment, tmp_path / "streamlit.log") as server, app_page(browser, server) as app:
        page = app.page
        app.goto("/staff")
        sign_in(app, "Anna Testowa")

        # 1. Upload the Polish Excel export: read, checked, the file's own headers in the report.
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(EXPORT))
        expect_text(app, r"^15 rows read: 4 errors, 1 warning\.$")
        errors = page.locator("[data-testid='stDataFrame']").filter(has_text="piotr(at)warta.example.org")
        expect(errors.first).to_be_attached(timeout=WAIT_MS)
        screenshot(page, "office-upload-errors")

        # 2. Reload: the password sign-in is gone (see README), the draft is not.
        page.reload()
        page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=WAIT_MS)
        app.wait_until_idle()
        screenshot(page, "office-reloaded")
        sign_in(app, "Anna Testowa")  # the same address shows the sign-in form again
        expect_text(app, r"You have a draft from \d\d:\d\d: the uploaded file partnerzy_eksport_excel_cp1250\.csv")
        page.get_by_role("button", name=re.compile(r"^Continue the draft from \d\d:\d\d$")).click()
        expect_text(app, r"^15 rows read: 4 errors, 1 warning\.$")
        assert published_bytes(data_file) == before
        # The editor holds the uploaded rows; rows with errors name their columns as the file does.
        page.get_by_role("tab", name="Edit in place").click()
        grid = page.locator("[data-testid='stDataFrame']").filter(has=page.locator("canvas")).first
        expect(grid.locator("td", has_text="❌ e-mail kontaktowy")).to_be_attached(timeout=WAIT_MS)
        expect(grid.locator("td", has_text="Klaster Warta")).to_be_attached()

        # 3. Fix every error in the editor; the report and the comparison follow each fix.
        type_into_editor(app, 3, "contact_email", "piotr@warta.example.org")
        expect_text(app, r"^15 rows read: 3 errors")
        type_into_editor(app, 6, "website", "https://slask.example.org")
        expect_text(app, r"^15 rows read: 2 errors")
        type_into_editor(app, 13, "partner_name", "Podkarpacki Klaster Lotniczy")
        expect_text(app, r"^15 rows read: 1 error,")
        type_into_editor(app, 14, "city", "Toruń")
        expect_text(app, r"^15 rows read: 0 errors, 1 warning\.$")
        expect_text(app, r"^3 added · 12 changed · 0 removed$")
        # The comparison says in sentences what would be lost, before the button.
        expect_text(app, r"^The draft has no column .*In the BRA since.*Last verified")
        screenshot(page, "office-fixed")

        # 4. Only the three new offices need placing.
        expect_text(app, r"^New or moved offices that need a place on the map: 3;")
        page.get_by_role("button", name="Place the offices on the map").click()
        app.wait_until_idle(timeout=WAIT_MS / 1000)
        publish = page.get_by_role("button", name="Publish this version")
        expect(publish).to_be_enabled(timeout=WAIT_MS)

        # 5. The damaging publish asks first; refused, nothing changes; confirmed, it is published.
        publish.click()
        expect_text(app, r"^This publish could hurt")
        page.get_by_role("button", name="Cancel").click()
        expect_text(app, r"^Nothing was published; the draft is still here\.$")
        assert published_bytes(data_file) == before
        page.get_by_role("button", name="Publish this version").click()
        page.get_by_role("button", name="Yes, publish it").click()
        expect_text(app, r"^Published: the version of \d{4}-\d\d-\d\d \d\d:\d\d.* · Anna Testowa \(offices: 15\)\.")
        published = table_of(published_bytes(data_file))
        assert "Podkarpacki Klaster Lotniczy" in set(published["partner_name"])
        assert set(published.loc[published["partner_id"] == "warta-poznan", "contact_email"]) == {
            "piotr@warta.example.org"
        }
        screenshot(page, "office-published")

        # 6. Restore the list from before; exactly one version is current.
        page.get_by_role("tab", name="History").click()
        restore = page.get_by_role("tabpanel", name="History").get_by_role("button", name="Restore")
        expect(restore).to_have_count(1, timeout=WAIT_MS)
        restore.click()
        expect_text(app, r"is published again")
        assert published_bytes(data_file) == before
        page.get_by_role("tab", name="History").click()
        lines = history_lines(app)
        screenshot(page, "office-history")

    assert len(lines) == 3, lines
    assert [line.startswith("✅") for line in lines] == [True, False, False]
    assert re.search(r"Anna Testowa · restored the version of .* · \+0 ~12 −3 · offices: 12$", lines[0]), lines[0]
    assert re.search(r"Anna Testowa · uploaded file · \+3 ~12 −0 · offices: 15$", lines[1]), lines[1]
    assert re.search(r"— · the list before the first publish · \+12 ~0 −0 · offices: 12$", lines[2]), lines[2]

    # The change log, line by line, agrees with the history and with the files themselves.
    store = store_beside(data_file, tmp_path / "history")
    log = change_log(data_file)
    history = list(reversed(store.versions()))
    assert [entry["summary"] for entry in log] == ["initial", "upload", f"restore:{history[0].id}"]
    for entry, version in zip(log, history, strict=True):
        assert entry == {k: v for k, v in vars(version).items() if k != "file"}
        table = table_of(store.read_version(version.id))
        previous = table_of(store.read_version(version.previous)) if version.previous else table_of(None)
        assert (entry["added"], entry["changed"], entry["removed"]) == compare(previous, table).counts()
        assert entry["rows"] == len(table)
    assert [entry["author"] for entry in log] == ["—", "Anna Testowa", "Anna Testowa"]
    assert store.current_record() == history[-1]
    assert not list((tmp_path / "drafts").glob("*.json"))  # the draft is gone once published
    assert app.dialogs == []
