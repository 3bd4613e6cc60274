"""`make serve`: several Streamlit processes behind Debian's nginx on one port, in a real Chromium.

Each test starts ``scripts/serve.py`` on free ports with a private copy of the
data, and stops it (every process it started) at the end. nginx must be
installed (``make nginx``); without it the tests fail, never skip.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Response, expect

from partner_directory.access.passwords import hash_password
from tests.browser import ROOT, AppPage, app_environment, free_port, poll

pytestmark = pytest.mark.browser

NGINX = Path("/usr/sbin/nginx")
START_TIMEOUT_SECONDS = 180
WAIT_MS = 60_000


@contextmanager
def served(
    tmp_path: Path, *, workers: int = 2, password_hash: str = "", hold_next_port: bool = False
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """Run ``scripts/serve.py`` until the block ends; yield its URL, its process and its log.

    ``hold_next_port``: another program listens on the port after the public one (where the first
    worker would go), as any program on a shared machine may.
    """
    assert NGINX.exists(), "nginx is missing: run `make nginx` (apt-get install nginx-light)"
    data_file = tmp_path / "partners.csv"
    shutil.copy(ROOT / "data" / "partners.csv", data_file)
    environment = app_environment(data_file, tmp_path, password_hash=password_hash)
    port = free_port()
    holder = socket.socket()
    if hold_next_port:
        with contextlib.suppress(OSError):  # already taken by someone else: held all the same
            holder.bind(("127.0.0.1", port + 1))
            holder.listen()
    log = tmp_path / "serve.log"
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--workers", str(workers), "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        poll(
            lambda: log.read_text(errors="replace"),
            lambda text: "Serving on" in text or process.poll() is not None,
            timeout=START_TIMEOUT_SECONDS,
            message="serve.py did not start",
        )
        assert process.poll() is None, log.read_text(errors="replace")
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        holder.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def open_page(app: AppPage, path: str) -> None:
    """Open ``path`` and wait for its run to end, with waits that run no script of their own in the page.

    (``AppPage.goto`` also polls a JavaScript expression, which Playwright evaluates with ``eval``: the
    Content-Security-Policy nginx sends refuses that, rightly.)
    """
    app.page.goto(app.base_url + path)
    app.page.wait_for_selector("[data-testid='stMain'] [data-testid='stElementContainer']", timeout=WAIT_MS)
    app.wait_until_idle()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def served_by(url: str, cookie: str | None = None, *, accept_gzip: bool = False) -> tuple[str, dict[str, str]]:
    headers = {"Cookie": f"bra_route={cookie}"} if cookie else {}
    if accept_gzip:
        headers["Accept-Encoding"] = "gzip"
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        headers = {name.lower(): value for name, value in response.headers.items()}
    return headers.get("x-served-by", ""), headers


def test_sticky_processes_static_files_by_nginx_and_a_clean_stop(tmp_path: Path):
    # The port after the public one is taken: the workers go elsewhere on the loopback, and all is served.
    with served(tmp_path, workers=2, hold_next_port=True) as (url, process, _log):
        workers = descendants(process.pid)
        assert len([pid for pid in workers if "streamlit" in Path(f"/proc/{pid}/cmdline").read_text()]) >= 2

        # The same cookie always reaches the same process; different cookies reach both.
        upstreams = set()
        for cookie in [f"member-{n}" for n in range(12)]:
            first, _ = served_by(f"{url}/_stcore/health", cookie)
            assert re.fullmatch(r"p\d+", first), first  # which process, without its address or port
            assert {served_by(f"{url}/_stcore/health", cookie)[0] for _ in range(3)} == {first}
            upstreams.add(first)
        assert len(upstreams) == 2, upstreams

        # A browser without the cookie is given one, and keeps its process with it.
        upstream, headers = served_by(f"{url}/")
        route = re.search(r"bra_route=([^;]+)", headers["set-cookie"]).group(1)
        assert served_by(f"{url}/", route)[0] == upstream

        # Static files come from nginx itself (no upstream), cached by the browser.
        upstream, headers = served_by(f"{url}/app/static/leaflet/leaflet.js")
        assert upstream == "" and "max-age=3600" in headers.get("cache-control", "")
        index = urllib.request.urlopen(f"{url}/", timeout=30).read().decode()
        script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', index).group(1)
        upstream, headers = served_by(f"{url}/{script}")
        assert upstream == "" and "max-age" in headers.get("cache-control", "")

    assert process.returncode == 0
    time.sleep(1)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert alive == [], f"processes left running after the stop: {alive}"


def test_a_members_session_stays_on_its_process_through_many_reruns(browser: Browser, tmp_path: Path):
    words = ["robotics", "maritime", "energy", "games", "health", "logistics", "ICT", "AI", "Gdańsk", "Tokyo"]
    with served(tmp_path, workers=2) as (url, _process, _log):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
        try:
            page = context.new_page()
            app = AppPage(page, url)
            upstreams: list[str] = []

            def record(response: Response) -> None:
                upstream = response.headers.get("x-served-by", "")
                if upstream:
                    upstreams.append(upstream)

            page.on("response", record)
            open_page(app, "/")
            box = page.get_by_role("textbox", name="Search", exact=True)
            for word in words * 2:
                box.fill(word)
                box.press("Enter")
                expect(page.get_by_text(re.compile(f"“{re.escape(word)}”")).first).to_be_visible(timeout=WAIT_MS)
                app.wait_until_idle()
            assert page.get_by_text("Connection error").count() == 0
            assert app.errors == [], app.errors
            assert len(set(upstreams)) == 1, f"the session moved between processes: {set(upstreams)}"
            assert len(app.websockets) == 1, f"the websocket was reopened: {app.websockets}"
            # The map's offices: a file the process wrote, served by nginx, compressed, never to change.
            files = [request for request in app.requests if "/app/static/offices/offices-" in request]
            assert files, "the map did not fetch its offices"
            upstream, headers = served_by(files[-1], accept_gzip=True)
            assert upstream == "" and "max-age=315360000" in headers.get("cache-control", ""), headers
            assert headers.get("content-encoding") == "gzip", headers
        finally:
            context.close()


PASSWORD = "serve test password"
NEW_PARTNER = "Zephyr Test Cluster"


def _with_a_new_partner() -> bytes:
    rows = list(csv.DictReader(io.StringIO((ROOT / "data" / "partners.csv").read_text(encoding="utf-8-sig"))))
    new = dict.fromkeys(rows[0], "")
    new |= {
        "partner_name": NEW_PARTNER,
        "city": "Gdańsk",
        "country": "PL",
        "latitude": "54.3520",
        "longitude": "18.6466",
        "contact_email": "office@zephyr.example.org",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows([*rows, new])
    return out.getvalue().encode("utf-8")


def _cookies_for_two_processes(url: str) -> tuple[str, str]:
    """Two route cookies that nginx sends to two different processes."""
    seen: dict[str, str] = {}
    for number in range(64):
        cookie = f"route-{number}"
        seen.setdefault(served_by(f"{url}/_stcore/health", cookie)[0], cookie)
        if len(seen) == 2:
            first, second = seen.values()
            return first, second
    raise AssertionError(f"nginx sent every cookie to the same process: {seen}")


def test_a_list_published_through_one_process_is_what_a_member_on_another_sees(browser: Browser, tmp_path: Path):
    upload = tmp_path / "partners-new.csv"
    upload.write_bytes(_with_a_new_partner())
    with served(tmp_path, workers=2, password_hash=hash_password(PASSWORD)) as (url, _process, _log):
        staff_cookie, member_cookie = _cookies_for_two_processes(url)
        contexts = []
        try:
            tabs: dict[str, AppPage] = {}
            upstreams: dict[str, set[str]] = {"staff": set(), "member": set()}
            for who, cookie in (("staff", staff_cookie), ("member", member_cookie)):
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
                context.add_cookies([{"name": "bra_route", "value": cookie, "url": url}])
                contexts.append(context)
                page = context.new_page()
                page.on(
                    "response",
                    lambda response, who=who: upstreams[who].add(response.headers.get("x-served-by", "") or "nginx"),
                )
                tabs[who] = AppPage(page, url)

            member = tabs["member"]
            open_page(member, "/")
            search = member.page.get_by_role("textbox", name="Search", exact=True)
            search.fill("Zephyr")
            search.press("Enter")
            expect(member.page.get_by_text(re.compile(r"^No partners found.*“Zephyr”"))).to_be_visible(timeout=WAIT_MS)
            member.wait_until_idle()

            staff = tabs["staff"]
            open_page(staff, "/staff")
            page = staff.page
            staff.sign_in_as_staff("Anna Nowak", PASSWORD)
            page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(upload))
            publish = page.get_by_role("button", name="Publish this version")
            place = page.get_by_role("button", name="Place the offices on the map")
            expect(publish.or_(place).first).to_be_visible(timeout=WAIT_MS)
            staff.wait_until_idle()
            if place.count():
                place.click()
                staff.wait_until_idle()
            expect(publish).to_be_enabled(timeout=WAIT_MS)
            publish.click()
            staff.wait_until_idle()
            confirm = page.get_by_role("button", name="Yes, publish it")
            if confirm.count():
                confirm.click()
            expect(page.get_by_text(re.compile(r"^Published: "))).to_be_visible(timeout=WAIT_MS)

            # The member's next click, on the other process, finds the new partner.
            search.fill("Zephyr ")
            search.press("Enter")
            expect(member.page.get_by_text(re.compile(r"^1 partner.*“Zephyr”"))).to_be_visible(timeout=WAIT_MS)
            processes = {name: addresses - {"nginx"} for name, addresses in upstreams.items()}
            assert len(processes["staff"]) == 1 and len(processes["member"]) == 1, processes
            assert processes["staff"] != processes["member"], processes
        finally:
            for context in contexts:
                context.close()
