"""App servers that keep no state: two processes with separate, EMPTY data folders share one database, behind nginx.

Each "machine" is a ``streamlit run`` process with a data folder of its own
(nothing in it at the start) and the same ``PARTNER_DIRECTORY_DATABASE_URL``:
a PostgreSQL server the tests start (``tests/databases.py``). nginx is
configured exactly as ``scripts/serve.py`` configures it (sticky by cookie),
with no shared folder between the machines. The same suite runs on SQLite
with one process. nginx and PostgreSQL must be installed (``make nginx``,
``make postgres``); without them the tests fail, never skip.

- A list published through one process is what a member on the other sees at the next click.
- A staff member's draft started on one process continues on the other.
- The throttle counts guesses across both.
- (A publish killed half-way: ``tests/test_store_crash.py``, on both databases.)
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import itertools
import os
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from partner_directory.access.passwords import hash_password
from partner_directory.config import Settings
from tests.browser import ROOT, AppPage, app_environment, free_port
from tests.stream_client import run_session
from tests.test_serve import NGINX, WAIT_MS, _with_a_new_partner, open_page, served_by
from tests.test_throttle_serve import CHECKED, guess

_spec = importlib.util.spec_from_file_location("bra_serve", ROOT / "scripts" / "serve.py")
assert _spec is not None and _spec.loader is not None
serve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(serve)

PASSWORD = "stateless test password"
#: Files a process may leave in its data folder: the geocoding cache of the offline resolvers, nothing durable.
CACHE_FILES = re.compile(r"^geocache\.sqlite(-wal|-shm|-journal)?$")


@dataclass
class Machines:
    url: str
    folders: list[Path]
    logs: list[Path]
    routes: list[str]  # one route cookie per process, in the processes' order

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs)


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, int]:
    """The database URL and the number of processes: one PostgreSQL server for two, one SQLite file for one."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_server").new_database(), 2
    return f"sqlite:///{tmp_path / 'database' / 'office.sqlite'}", 1


@contextmanager
def machines(tmp_path: Path, database_url: str, workers: int) -> Iterator[Machines]:
    """Start ``workers`` app processes, each with an empty data folder, and nginx in front; stop all at the end."""
    assert NGINX.exists(), "nginx is missing: run `make nginx` (apt-get install nginx-light)"
    folders = [tmp_path / f"machine-{n}" / "data" for n in range(1, workers + 1)]
    logs = [tmp_path / f"streamlit-{n}.log" for n in range(1, workers + 1)]
    ports = [free_port() for _ in folders]
    secret = secrets.token_urlsafe(32)  # one cookie secret for every process, as serve.py gives them
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for folder, port, log in zip(folders, ports, logs, strict=True):
            folder.mkdir(parents=True)
            environment = app_environment(folder / "partners.csv", folder, password_hash=hash_password(PASSWORD))
            environment["PARTNER_DIRECTORY_DATABASE_URL"] = database_url
            environment["STREAMLIT_SERVER_COOKIE_SECRET"] = secret
            command = serve.streamlit_command(port, upload_mb=serve.upload_limit_mb(), agent_api=False)
            with log.open("wb") as output:
                processes.append(
                    subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env=environment,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for port, process in zip(ports, processes, strict=True):
            serve.wait_healthy(f"http://127.0.0.1:{port}", process, timeout=serve.HEALTH_TIMEOUT_SECONDS)
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        nginx_dir.chmod(0o755)
        serve.write_error_pages(nginx_dir / "errors", upload_bytes=serve.upload_limit_bytes())
        public = free_port()
        config = nginx_dir / "nginx.conf"
        config.write_text(
            serve.nginx_config(
                work_dir=nginx_dir,
                address="127.0.0.1",
                port=public,
                worker_ports=ports,
                upload_bytes=serve.upload_limit_bytes(),
                nginx_user="root" if os.geteuid() == 0 else None,
                tile_url=Settings().tile_url,
            ),
            encoding="utf-8",
        )
        nginx = subprocess.Popen(
            [str(NGINX), "-p", str(nginx_dir), "-c", str(config), "-g", "daemon off;"], start_new_session=True
        )
        processes.append(nginx)
        url = f"http://127.0.0.1:{public}"
        serve.wait_healthy(url, nginx, timeout=serve.HEALTH_TIMEOUT_SECONDS)
        yield Machines(url, folders, logs, routes_to_each(url, workers))
    finally:
        serve.stop(processes)


def routes_to_each(url: str, workers: int) -> list[str]:
    """A route cookie for each process, in the order of their labels (p1, p2 …)."""
    seen: dict[str, str] = {}
    for number in range(200):
        cookie = f"route-{number}"
        seen.setdefault(served_by(f"{url}/_stcore/health", cookie)[0], cookie)
        if len(seen) == workers:
            return [seen[label] for label in sorted(seen)]
    raise AssertionError(f"nginx did not reach every process: {seen}")


def assert_no_state_in(folders: list[Path]) -> None:
    """What each process left in its data folder is a cache at most: no list, history, drafts or register."""
    for folder in folders:
        kept = sorted(path.name for path in folder.iterdir())
        assert all(CACHE_FILES.match(name) for name in kept), (folder, kept)


def sign_in(app: AppPage, name: str) -> None:
    app.sign_in_as_staff(name, PASSWORD)


@pytest.mark.browser
def test_a_draft_moves_between_processes_and_a_member_on_the_other_sees_the_publish(
    browser: Browser, tmp_path: Path, backend: tuple[str, int]
):
    database_url, workers = backend
    upload = tmp_path / "partners-new.csv"
    upload.write_bytes(_with_a_new_partner())
    with machines(tmp_path, database_url, workers) as served:
        first, last = served.routes[0], served.routes[-1]
        contexts = []
        try:
            tabs: dict[str, AppPage] = {}
            upstreams: dict[str, set[str]] = {}
            for who, cookie in (("member", first), ("staff on one", first), ("staff on the other", last)):
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
                context.add_cookies([{"name": "bra_route", "value": cookie, "url": served.url}])
                contexts.append(context)
                page = context.new_page()
                upstreams[who] = set()
                page.on("response", lambda r, who=who: upstreams[who].add(r.headers.get("x-served-by", "") or "nginx"))
                tabs[who] = AppPage(page, served.url)

            # Nothing is published in the new database, and no process has a list of its own.
            member = tabs["member"]
            open_page(member, "/")
            expect(member.page.get_by_text("The partner list has not been published yet.")).to_be_visible(
                timeout=WAIT_MS
            )
            search = member.page.get_by_role("textbox", name="Search", exact=True)

            # A draft started on one process …
            one = tabs["staff on one"]
            open_page(one, "/staff")
            sign_in(one, "Anna Nowak")
            one.page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(upload))
            expect(one.page.get_by_text(re.compile(r"^\d+ rows read")).first).to_be_visible(timeout=WAIT_MS)
            one.wait_until_idle()

            # … continues on the other, and is published there.
            other = tabs["staff on the other"]
            open_page(other, "/staff")
            sign_in(other, "Anna Nowak")
            page = other.page
            expect(page.get_by_text(re.compile(r"You have a draft from \d\d:\d\d: the uploaded file"))).to_be_visible(
                timeout=WAIT_MS
            )
            page.get_by_role("button", name=re.compile(r"^Continue the draft from \d\d:\d\d$")).click()
            publish = page.get_by_role("button", name="Publish this version")
            place = page.get_by_role("button", name="Place the offices on the map")
            expect(publish.or_(place).first).to_be_visible(timeout=WAIT_MS)
            other.wait_until_idle()
            if place.count():
                place.click()
                other.wait_until_idle()
            expect(publish).to_be_enabled(timeout=WAIT_MS)
            publish.click()
            other.wait_until_idle()
            confirm = page.get_by_role("button", name="Yes, publish it")
            if confirm.count():
                confirm.click()
            expect(page.get_by_text(re.compile(r"^Published: "))).to_be_visible(timeout=WAIT_MS)

            # The member's next click, on the first process, finds the new partner.
            search.fill("Zephyr")
            search.press("Enter")
            expect(member.page.get_by_text(re.compile(r"^1 partner.*“Zephyr”"))).to_be_visible(timeout=WAIT_MS)
            processes = {who: found - {"nginx"} for who, found in upstreams.items()}
            assert all(len(found) == 1 for found in processes.values()), processes
            assert processes["member"] == processes["staff on one"]
            if workers > 1:
                assert processes["staff on the other"] != processes["member"], processes
        finally:
            for context in contexts:
                context.close()
    assert_no_state_in(served.folders)


def test_the_throttle_counts_guesses_across_both_processes(tmp_path: Path, backend: tuple[str, int]):
    database_url, workers = backend
    flood_seconds = 12.0
    with machines(tmp_path, database_url, workers) as served:
        # In a thread of its own: the browser tests of this module keep Playwright's event loop in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            (form,) = pool.submit(
                run_session, served.url, [("staff", {})], headers={"Cookie": f"bra_route={served.routes[0]}"}
            ).result()
        ids = {
            "name": form.widgets["staff_name"],
            "password": form.widgets["staff_password"],
            "submit": form.widgets["button:Sign in"],
        }
        outcomes: dict[str, list[str]] = {cookie: [] for cookie in served.routes}
        deadline = time.monotonic() + flood_seconds

        def flood(cookie: str) -> None:
            while time.monotonic() < deadline:
                outcomes[cookie].append(guess(served.url, cookie, ids))

        threads = [threading.Thread(target=flood, args=(cookie,)) for cookie in served.routes * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=flood_seconds + 120)
        time.sleep(0.5)  # the last lines reach the logs
        logs = served.log_text()
    assert all("wait" in found for found in outcomes.values()), outcomes  # every process was flooded
    checks = sorted(
        (time.mktime(time.strptime(when[:19], "%Y-%m-%d %H:%M:%S")) + int(when[20:]) / 1000, float(window))
        for when, _client, _outcome, window in CHECKED.findall(logs)
    )
    assert checks, logs[-2000:]
    # One client's windows, across every process: a pause of 0.5 s and 1, 2, 4, 8 s allow checks at
    # 0, 1.5, 4, 8.5 s, so 4 in 12 s (each process with windows of its own would give twice as many).
    assert len(checks) <= 4 + 1, checks
    for (before, window), (after, _) in itertools.pairwise(checks):
        assert after - before >= window - 0.25, checks
    assert_no_state_in(served.folders)
