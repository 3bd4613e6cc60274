"""Benchmark: the members' map in Chromium, from opening the page to the map's clusters drawn.

``make bench`` runs it with the defaults (a few minutes: the 100,000-office server's cold start
places half of its offices offline); alone:
``.venv/bin/python bench/bench_browser.py [--sizes 10000,100000] [--searches 5] [--baseline ../main]``

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

With ``--baseline`` another checkout (a worktree of main, say) is served beside this one on the
same file, and every opening and search alternates between the two, so that the shared machine's
noisy minutes fall on both: the before and after of a change in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from browser import MAP_IFRAME, StreamlitServer, app_environment, chromium, streamlit_server  # noqa: E402
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


@dataclass
class Side:
    """One checkout's server and what was measured of it."""

    name: str
    server: StreamlitServer
    cold: float = 0.0
    cold_wall: float = 0.0
    warm: list[float] = field(default_factory=list)
    in_frame: list[float] = field(default_factory=list)
    redraws: list[float] = field(default_factory=list)

    def row(self, offices: int) -> str:
        return (
            f"| {offices:,}{self.name} | {self.cold:.2f} s ({self.cold_wall:.1f} s wall) | "
            f"{min(self.warm):.2f} s / {statistics.median(self.warm):.2f} s | "
            f"{statistics.median(self.in_frame):.2f} s | "
            f"{statistics.median(self.redraws):.2f} s / {max(self.redraws):.2f} s |"
        )


def measure(browser: Browser, offices: int, opens: int, searches: int, work: Path, baseline: Path | None) -> list[str]:
    """The rows for ``offices``: this checkout's, and with ``baseline`` that checkout's first, measured in turns."""
    offices = admitted_size(offices, work)
    data_file = work / "partners.csv"
    write(data_file, generate(offices))
    checkouts = ([(" (baseline)", baseline)] if baseline is not None else []) + [("", ROOT)]
    with ExitStack() as stack:
        sides = []
        for number, (name, checkout) in enumerate(checkouts):
            folder = work / f"server-{number}"
            folder.mkdir()
            environment = app_environment(data_file, folder) | {
                "PARTNER_DIRECTORY_CACHE_DIR": os.environ.get(
                    "PARTNER_DIRECTORY_CACHE_DIR", str(Path.home() / ".cache" / "partner_directory")
                ),
            }
            # Streamlit reads each option from STREAMLIT_<SECTION>_<NAME> as well.
            environment |= {"STREAMLIT_" + _snake(option): value for option, value in PRODUCTION_OPTIONS}
            server = stack.enter_context(streamlit_server(environment, folder / "streamlit.log", cwd=checkout))
            sides.append(Side(name, server))
        for side in sides:  # one after the other: each start has the machine to itself
            started = time.monotonic()
            side.cold, _, page = open_page(browser, side.server.url)
            side.cold_wall = time.monotonic() - started
            page.context.close()
        # Every measurement in turns, so that a noisy minute of the shared machine falls on both.
        for _ in range(opens):
            for side in sides:
                seconds, frame_seconds, page = open_page(browser, side.server.url)
                side.warm.append(seconds)
                side.in_frame.append(frame_seconds)
                page.context.close()
        pages = []
        for side in sides:
            _, _, page = open_page(browser, side.server.url)
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
            pages.append(page)
        for index in range(searches):
            for side, page in zip(sides, pages, strict=True):
                side.redraws.append(search_redraw(page, SEARCH_WORDS[index % len(SEARCH_WORDS)]))
        for page in pages:
            page.context.close()
    return [side.row(offices) for side in sides]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="offices per run, comma-separated")
    parser.add_argument("--opens", type=int, default=3, help="warm openings per size")
    parser.add_argument("--searches", type=int, default=5, help="searches per size")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. a worktree of main): its server is measured beside this one, in turns",
    )
    args = parser.parse_args(argv)
    print(
        "| offices | cold: page → clusters | warm: best / median | of which the map's frame (median) "
        "| search → map redrawn: median / worst |"
    )
    print("|---|---|---|---|---|")
    with chromium() as browser:
        for size in (int(value) for value in args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder:
                for row in measure(browser, size, args.opens, args.searches, Path(folder), args.baseline):
                    print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
