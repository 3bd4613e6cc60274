"""Benchmark: the members' map in Chromium, from opening the page to the map's clusters drawn.

``make bench`` runs it with the defaults (a few minutes: the 100,000-office server's cold start
places half of its offices offline); alone:
``.venv/bin/python bench/bench_browser.py [--sizes 10000,100000] [--searches 5]``

For each size it generates a partner file (bench/generate.py), starts ``streamlit run
app.py`` on it (the members' production options, as bench_load.py starts it) and drives
Debian's Chromium through Playwright (tests/browser.py), each time in a fresh browser
context (an empty browser cache):

* **cold** -- the page opened right after the server answers its health check: the
  server loads, checks and places the file, builds its search index and writes the
  map's office files during this first page;
* **warm** -- the page opened again (best and median of ``--opens``), and of it the time from the
  map's frame beginning to its clusters (the map's own part: streamlit-folium, the scripts, the
  offices' file, the clusters);
* **search** -- a word typed into the search box and Enter, until the map shows the
  offices found (median and worst of ``--searches`` words).

A map is *drawn* when its iframe shows a cluster icon or an office marker; a search's
map is drawn when the map shows one after the search: a new map in place of the one that was
there before, or the same map once it has shown the offices again (``data-pd-shows`` on
its container, set by ``static/map/offices.js``, counts the times it showed offices).
Times are the browser's own clock (``performance.now()``, from the navigation's
start, or from the key press). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from browser import MAP_IFRAME, app_environment, chromium, streamlit_server  # noqa: E402
from playwright.sync_api import Browser, Page  # noqa: E402
from serve import PRODUCTION_OPTIONS  # noqa: E402

from bench.generate import generate, write  # noqa: E402
from partner_directory.errors import InputTooLargeError  # noqa: E402
from partner_directory.sheet.loading import load_file  # noqa: E402

SEARCH_WORDS = ("Robotics", "Maritime", "Gdańsk", "Fintech", "Helsinki", "Energy", "Paris")
DRAWN_TIMEOUT_MS = 300_000

# In the top page: the map's iframe holds a cluster icon or an office marker (and is not the map marked `old`,
# unless that map has shown offices again since).
MAP_DRAWN = f"""
(old) => {{
  const frame = document.querySelector('{MAP_IFRAME}');
  const doc = frame && frame.contentDocument;
  if (!doc) {{ return false; }}
  const container = doc.querySelector('.leaflet-container');
  if (!container) {{ return false; }}
  if (old && container.dataset.benchOld === '1' && container.dataset.pdShows === container.dataset.benchShows) {{
    return false;
  }}
  const drawn = doc.querySelector('.marker-cluster, .leaflet-overlay-pane path.leaflet-interactive:not([fill="none"])');
  // When drawn, and when the map's frame began (its document's own clock starts at its navigation).
  return drawn ? [performance.now(), frame.contentWindow.performance.timeOrigin - performance.timeOrigin] : false;
}}
"""
MARK_OLD = f"""
() => {{
  const frame = document.querySelector('{MAP_IFRAME}');
  const container = frame.contentDocument.querySelector('.leaflet-container');
  container.dataset.benchOld = '1';
  container.dataset.benchShows = container.dataset.pdShows || '';
}}
"""


def _snake(option: str) -> str:
    """``server.fileWatcherType`` -> ``SERVER_FILE_WATCHER_TYPE``."""
    return "".join("_" + char if char.isupper() else char for char in option.replace(".", "_")).upper()


def open_page(browser: Browser, url: str) -> tuple[float, float, Page]:
    """Open the members' page in a fresh context; seconds from the navigation's start to the map drawn, and of
    them in the map's frame."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.goto(url + "/", wait_until="commit", timeout=DRAWN_TIMEOUT_MS)
    drawn = page.wait_for_function(MAP_DRAWN, arg=False, timeout=DRAWN_TIMEOUT_MS, polling="raf")
    at, frame_start = drawn.json_value()
    return float(at) / 1000, (float(at) - float(frame_start)) / 1000, page


def search_redraw(page: Page, word: str) -> float:
    """Type ``word`` into the search box and press Enter; seconds until the new map is drawn."""
    box = page.locator("[data-testid='stTextInput'] input").first
    box.fill(word)
    page.evaluate(MARK_OLD)
    started = page.evaluate("() => performance.now()")
    box.press("Enter")
    drawn = page.wait_for_function(MAP_DRAWN, arg=True, timeout=DRAWN_TIMEOUT_MS, polling="raf")
    return (float(drawn.json_value()[0]) - float(started)) / 1000


def admitted_size(offices: int, work: Path) -> int:
    """``offices``, or one fewer when the partner file's budget refuses exactly that many rows (said on stderr)."""
    probe = work / "probe.csv"
    write(probe, generate(offices))
    try:
        load_file(probe)
    except InputTooLargeError as error:
        print(f"{offices:,} offices refused ({error}); measuring {offices - 1:,}", file=sys.stderr)
        return offices - 1
    finally:
        probe.unlink()
    return offices


def measure(browser: Browser, offices: int, opens: int, searches: int, work: Path) -> str:
    offices = admitted_size(offices, work)
    data_file = work / "partners.csv"
    write(data_file, generate(offices))
    environment = app_environment(data_file, work) | {
        "PARTNER_DIRECTORY_CACHE_DIR": os.environ.get(
            "PARTNER_DIRECTORY_CACHE_DIR", str(Path.home() / ".cache" / "partner_directory")
        ),
    }
    # Streamlit reads each option from STREAMLIT_<SECTION>_<NAME> as well.
    environment |= {"STREAMLIT_" + _snake(option): value for option, value in PRODUCTION_OPTIONS}
    with streamlit_server(environment, work / "streamlit.log") as server:
        started = time.monotonic()
        cold, _, page = open_page(browser, server.url)
        cold_wall = time.monotonic() - started
        page.context.close()
        warm, in_frame = [], []
        for _ in range(opens):
            seconds, frame_seconds, page = open_page(browser, server.url)
            warm.append(seconds)
            in_frame.append(frame_seconds)
            page.context.close()
        _, _, page = open_page(browser, server.url)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
        redraws = [search_redraw(page, SEARCH_WORDS[index % len(SEARCH_WORDS)]) for index in range(searches)]
        page.context.close()
    return (
        f"| {offices:,} | {cold:.2f} s ({cold_wall:.1f} s wall) | {min(warm):.2f} s / {statistics.median(warm):.2f} s | "
        f"{statistics.median(in_frame):.2f} s | "
        f"{statistics.median(redraws):.2f} s / {max(redraws):.2f} s |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="offices per run, comma-separated")
    parser.add_argument("--opens", type=int, default=3, help="warm openings per size")
    parser.add_argument("--searches", type=int, default=5, help="searches per size")
    args = parser.parse_args(argv)
    print(
        "| offices | cold: page → clusters | warm: best / median | of which the map's frame (median) "
        "| search → map redrawn: median / worst |"
    )
    print("|---|---|---|---|---|")
    with chromium() as browser:
        for size in (int(value) for value in args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder:
                print(measure(browser, size, args.opens, args.searches, Path(folder)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
