"""Shared helpers for the browser tests: Debian's Chromium through Playwright, a real ``streamlit run``.

Chromium is never downloaded (no ``playwright install``): the tests drive
``/usr/bin/chromium`` (``make browser``) and fail, not skip, when it is missing.
The test modules keep their fixtures thin and build them from these helpers.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    Dialog,
    Error,
    Frame,
    FrameLocator,
    Locator,
    Page,
    Request,
    Route,
    expect,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = ROOT / "test-output"  # gitignored: screenshots for people to look at
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The map lives in streamlit-folium's component iframe.
MAP_IFRAME = 'iframe[title="streamlit_folium\\.st_folium"]'
# Office circle markers (country outlines are in their own pane, spider legs have no fill).
OFFICE_MARKERS = ".leaflet-overlay-pane path.leaflet-interactive:not([fill='none'])"
CLUSTER_ICONS = ".marker-cluster"
POPUP = ".leaflet-popup-content"

# Run in the map's iframe just before a click: copies each popup, as it opens, to the top
# page's window.__popups, since the app may redraw the map (and its popup) right after a click.
POPUP_RECORDER = """
() => {
  window.top.__popups = window.top.__popups || [];
  if (window.__popupRecorder) { return; }
  window.__popupRecorder = true;
  // Each opening counts, also a popup opened again (Leaflet puts the same element back).
  const seen = new WeakMap();
  let present = new Set();
  new MutationObserver(() => {
    const now = new Set(document.querySelectorAll(".leaflet-popup-content"));
    for (const content of now) {
      const text = content.innerText;
      if (!text || (present.has(content) && seen.get(content) === text)) { continue; }
      seen.set(content, text);
      window.top.__popups.push({
        text: text,
        tags: [...content.querySelectorAll("*")].map((element) => element.tagName.toLowerCase()),
        links: [...content.querySelectorAll("a")].map((link) => link.href),
      });
    }
    present = now;
  }).observe(document, { childList: true, subtree: true, characterData: true });
}
"""

KEPT_SETTINGS = frozenset({"PARTNER_DIRECTORY_CACHE_DIR"})

START_TIMEOUT_SECONDS = 60  # a cold gazetteer cache is built on the first render
STOP_TIMEOUT_SECONDS = 15

T = TypeVar("T")


# --- Chromium ------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    """Launch Debian's headless Chromium; an assertion error (not a skip) when it is missing."""
    assert Path(CHROMIUM).exists(), f"Chromium is missing at {CHROMIUM}: run `make browser` (apt-get install chromium)."
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def click_centre(page: Page, locator: Locator, *, timeout: float | None = None) -> None:
    """Click the middle of ``locator`` with the mouse (SVG paths inside an iframe included)."""
    box = locator.bounding_box(timeout=timeout)
    assert box is not None, "the element is not visible"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def poll(read: Callable[[], T], check: Callable[[T], bool], *, timeout: float = 30, message: str = "") -> T:
    """Call ``read`` until ``check`` accepts its value; fail with the last value after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = read()
        except Error as error:  # a frame replaced by a rerun: try again
            value = error  # type: ignore[assignment]
        else:
            if check(value):
                return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message or 'condition not met'} (last value: {value!r})")
        time.sleep(0.2)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-output/<name>.png``."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    path = OUTPUT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- the dashboard, served by `streamlit run` ----------------------------------


@dataclass
class StreamlitServer:
    """A ``streamlit run app.py`` process on 127.0.0.1 and where its output goes."""

    url: str
    process: subprocess.Popen[bytes]
    log_file: Path

    def log(self, last: int = 4000) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-last:]
        except OSError:
            return ""


def app_environment(
    data_file: Path, work_dir: Path, *, password_hash: str = "", base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The server's environment: the app pointed at ``data_file`` and private history, geocode cache and register.

    The calling shell's ``PARTNER_DIRECTORY_*`` settings are dropped (all but
    where the gazetteer index is kept), so the tests see the documented
    defaults: offline geocoding, OpenStreetMap tiles.
    """
    environment = {
        name: value
        for name, value in (os.environ if base is None else base).items()
        if not name.startswith("PARTNER_DIRECTORY_") or name in KEPT_SETTINGS
    }
    environment.update(
        PARTNER_DIRECTORY_DATA_FILE=str(data_file),
        PARTNER_DIRECTORY_HISTORY_DIR=str(work_dir / "history"),
        PARTNER_DIRECTORY_GEOCODE_CACHE=str(work_dir / "geocache.sqlite"),
        PARTNER_DIRECTORY_DATABASE_URL=f"sqlite:///{work_dir / 'visits.sqlite'}",
        PARTNER_DIRECTORY_DRAFTS_DIR=str(work_dir / "drafts"),
        PYTHONUNBUFFERED="1",
    )
    if password_hash:
        environment["PARTNER_DIRECTORY_STAFF_PASSWORD_HASH"] = password_hash
    return environment


@contextmanager
def streamlit_server(
    environment: Mapping[str, str], log_file: Path, *, app: str = "app.py", cwd: Path = ROOT
) -> Iterator[StreamlitServer]:
    """Run ``streamlit run app`` until the block ends; the process group is always stopped.

    Waits for ``/_stcore/health``; raises ``AssertionError`` with the server's
    output when it exits or does not answer within ``START_TIMEOUT_SECONDS``.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        app,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_file.open("wb") as output:
        # Its own process group, so stopping it also stops anything it started.
        process = subprocess.Popen(
            command, cwd=cwd, env=dict(environment), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = StreamlitServer(url=f"http://127.0.0.1:{port}", process=process, log_file=log_file)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        stop_process_group(process)


def _wait_until_healthy(server: StreamlitServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if server.process.poll() is not None:
            raise AssertionError(f"streamlit exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"streamlit did not answer within {START_TIMEOUT_SECONDS} s:\n{server.log()}")
        time.sleep(0.2)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` and its group: SIGTERM, then SIGKILL after ``STOP_TIMEOUT_SECONDS``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue


# --- one browser tab on the dashboard -------------------------------------------


@dataclass
class AppPage:
    """A tab on the dashboard that records every request, dialog and page error.

    Requests to any host but the app's own are recorded and then aborted:
    nothing leaves the machine, and a test can still say what was asked for.
    Playwright turns the browser's HTTP cache off while it routes requests: a
    test of caching passes ``block_foreign=False`` against a server that asks
    for nothing foreign, and checks :meth:`foreign_requests` itself.
    """

    page: Page
    base_url: str
    block_foreign: bool = True
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Page-level events cover every frame, the map's iframe included.
        self.page.on("request", self._on_request)
        self.page.on("websocket", lambda websocket: self.websockets.append(websocket.url))
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        if self.block_foreign:
            self.page.route(lambda url: not self.is_local(url), self._abort)

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss"):
            return parts.hostname == urlsplit(self.base_url).hostname
        return True  # data:, blob:, about: never leave the browser

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        with suppress(Error):
            dialog.dismiss()

    @staticmethod
    def _abort(route: Route) -> None:
        with suppress(Error):  # the frame may be gone already
            route.abort()

    def foreign_requests(self) -> list[str]:
        """Every request or websocket addressed to another host than the app's (all were aborted)."""
        return [url for url in [*self.requests, *self.websockets] if not self.is_local(url)]

    def goto(self, path: str = "/") -> None:
        """Open ``path`` and wait until the app has rendered and its script has finished."""
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=START_TIMEOUT_SECONDS * 1000)
        # Before its first run the app also reads "notRunning": wait for the run's first element, then its end,
        # so that a test's first key press does not land on elements the run is about to replace.
        self.page.wait_for_selector(
            "[data-testid='stMain'] [data-testid='stElementContainer']", timeout=START_TIMEOUT_SECONDS * 1000
        )
        self.wait_until_idle()
        # st.html inserts the page's own style sheet once its sanitizer has loaded, which can be after the run:
        # focus rings and the map's reserved height are in it.
        self.page.wait_for_function(
            "[...document.querySelectorAll('style')].some(s => s.textContent.includes('stSidebarNav'))",
            timeout=START_TIMEOUT_SECONDS * 1000,
        )

    def sign_in_as_staff(self, name: str, password: str, *, lang: str = "en") -> None:
        """Sign in on the office's page (already open) with ``name`` and ``password``, in the page's language."""
        from partner_directory.i18n import t

        page = self.page
        page.get_by_role("textbox", name=t("staff.your_name", lang)).fill(name)
        page.get_by_role("textbox", name=t("staff.password", lang)).fill(password)
        page.get_by_role("button", name=t("staff.sign_in", lang)).click()
        heading = page.get_by_role("heading", name=t("staff.title", lang), exact=True)
        expect(heading).to_be_visible(timeout=START_TIMEOUT_SECONDS * 1000)
        self.wait_until_idle()

    def sign_in_in_card(self, code: str, *, lang: str = "en") -> Locator:
        """Sign in as a member with the members' ``code`` in the open card; return the card once its visit form shows."""
        from partner_directory.i18n import t

        dialog = self.page.locator("[role='dialog']")
        expect(dialog.locator(".st-key-card_member_code input")).to_be_visible(timeout=START_TIMEOUT_SECONDS * 1000)
        dialog.locator(".st-key-card_member_code input").fill(code)
        dialog.get_by_role("button", name=t("members.sign_in", lang), exact=True).click()
        expect(dialog.locator(".st-key-visit_company input")).to_be_visible(timeout=START_TIMEOUT_SECONDS * 1000)
        return dialog

    def wait_until_idle(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Wait until the app's script is not running (right after an action it may not have started yet)."""
        self.page.wait_for_selector(
            "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout * 1000
        )

    @property
    def map(self) -> FrameLocator:
        return self.page.frame_locator(MAP_IFRAME)

    def offices_on_map(self) -> int:
        """Offices the map shows: lone markers plus the numbers on the cluster icons."""
        singles = self.map.locator(OFFICE_MARKERS).count()
        clustered = sum(int(text) for text in self.map.locator(f"{CLUSTER_ICONS} span").all_inner_texts())
        return singles + clustered

    def map_iframe(self) -> Locator:
        """The map's one iframe, once the app is idle.

        While a run replaces the map (its content changed), Streamlit briefly
        shows the old frame beside the new one; a test acts on the map that stays.
        """
        self.wait_until_idle()
        frame = self.page.locator(MAP_IFRAME)
        expect(frame).to_have_count(1, timeout=30_000)
        return frame

    def _map_frame(self) -> Frame:
        handle = self.map_iframe().element_handle()
        frame = handle.content_frame()
        assert frame is not None, "the map's iframe has no document"
        return frame

    def popups(self) -> list[Popup]:
        """Every map popup opened so far in this tab, as it was when it opened."""
        return [Popup(**record) for record in self.page.evaluate("window.__popups || []")]

    def close_popup(self) -> None:
        """Close the map's open popup, if any (it may cover other offices)."""
        close = self.map.locator(".leaflet-popup-close-button")
        if close.count():
            self.map_iframe().scroll_into_view_if_needed()
            # The popup may close by itself meanwhile (the map redrawn after a rerun): as good.
            with suppress(Error, AssertionError):
                click_centre(self.page, close.first, timeout=5_000)
            expect(self.map.locator(POPUP)).to_have_count(0)

    def open_office_popup(self, *, skip: int = 0, attempts: int = 8) -> Popup:
        """Click an office on the map (zooming into clusters until one shows) and return its popup.

        ``skip`` clickable offices are passed over first (they come in the order of the list).
        """
        frame = self.map
        # Fully in view: Leaflet focuses the map on mousedown, and the page
        # would scroll a partly hidden map under the mouse before mouseup.
        self.map_iframe().scroll_into_view_if_needed()
        frame.locator(f"{OFFICE_MARKERS}, {CLUSTER_ICONS}").first.wait_for(timeout=30_000)
        for _ in range(attempts):
            marker = _first_uncovered(frame.locator(OFFICE_MARKERS), skip=skip)
            if marker is not None:
                self._map_frame().evaluate(POPUP_RECORDER)
                opened = len(self.popups())
                click_centre(self.page, marker)
                popups = poll(self.popups, lambda found: len(found) > opened, timeout=15, message="a popup")
                return popups[-1]
            cluster = _first_uncovered(frame.locator(CLUSTER_ICONS))
            assert cluster is not None, "neither an office nor a cluster can be clicked on the map"
            click_centre(self.page, cluster)  # zooms into the cluster
            self.page.wait_for_timeout(700)
        raise AssertionError("no office marker became visible after zooming into clusters")

    def frames_value(self, expression: str) -> dict[str, object]:
        """Evaluate ``expression`` in the page and in every frame; keyed by frame URL."""
        values: dict[str, object] = {}
        for index, frame in enumerate(self.page.frames):
            with suppress(Error):  # a frame detached in between
                values[f"{index}:{frame.url}"] = frame.evaluate(expression)
        return values


@dataclass(frozen=True)
class Popup:
    """A map popup as it opened: its text, the tags inside it and its links' addresses."""

    text: str
    tags: list[str]
    links: list[str]

    @property
    def lines(self) -> list[str]:
        return self.text.strip().splitlines()


def _first_uncovered(locator: Locator, *, skip: int = 0) -> Locator | None:
    """The first (after ``skip``) of ``locator``'s elements whose centre nothing covers (a popup, a control)."""
    for index in range(locator.count()):
        candidate = locator.nth(index)
        with suppress(Error):
            if candidate.evaluate(
                """(element) => {
                    const box = element.getBoundingClientRect();
                    if (!box.width || !box.height) { return false; }
                    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
                    return hit === element || element.contains(hit);
                }"""
            ):
                if skip == 0:
                    return candidate
                skip -= 1
    return None


@contextmanager
def app_page(browser: Browser, server: StreamlitServer, *, viewport_height: int = 1300) -> Iterator[AppPage]:
    """A fresh browser context and tab on ``server``; closed afterwards."""
    context = browser.new_context(viewport={"width": 1400, "height": viewport_height}, locale="en-GB")
    try:
        yield AppPage(context.new_page(), server.url)
    finally:
        context.close()


@contextmanager
def demo_server(folder: Path) -> Iterator[StreamlitServer]:
    """A dashboard on a copy of the demo data kept in ``folder``, for tests that only read it."""
    shutil.copy(ROOT / "data" / "partners.csv", folder / "partners.csv")
    with streamlit_server(app_environment(folder / "partners.csv", folder), folder / "streamlit.log") as running:
        yield running


@contextmanager
def window(
    browser: Browser, server: StreamlitServer, size: tuple[int, int], *, locale: str = "en-GB"
) -> Iterator[AppPage]:
    """A fresh browser context of ``size`` (width, height) on ``server``; a phone below 500 px, without touch."""
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, is_mobile=width < 500, has_touch=False
    )
    try:
        yield AppPage(context.new_page(), server.url)
    finally:
        context.close()
