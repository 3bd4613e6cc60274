"""Benchmark: many members at once, through Streamlit's agent API (real sessions, real script runs).

``make bench`` runs it with the defaults; alone:
``.venv/bin/python bench/bench_load.py [--members 16,32] [--sizes 500,10000] [--journeys 2] [--targets floor,app,plain,nginx]
[--database-url postgresql://…]``

For each size it generates a partner file (bench/generate.py) and, for each number of
members, measures in turn:

* **floor** — ``bench/floor_app.py``, Streamlit's floor: the same five widgets with
  the same keys, nothing computed or drawn. Every other rate is also printed as
  its ratio to the floor's rate measured in the same run, a yardstick that the
  machine's other load moves together with the pages measured;
* **app** — ``streamlit run asgi.py`` (``app.py`` with the app's own routes, as
  ``make run`` and ``make serve`` start it), one process, the members' production options
  (no file watcher, no run-on-save), agent API on;
* **plain** — ``bench/plain_app.py``, a plain streamlit-folium page on the same file
  (pandas filter, FastMarkerCluster, st.dataframe) with the same widget keys;
* **cached** — the app again, every member running the same journeys, which one member ran
  before the clock starts: every search is already made (kept beside the published index), so
  an interaction costs only what Streamlit and the page's own elements cost. Its ratio to the
  floor is the ceiling of any search code behind this page;
* **app ×N nginx** — ``scripts/serve.py --workers N`` (N Streamlit processes behind
  nginx, sticky by cookie), every member keeping its own cookie.

Each member runs ``--journeys`` journeys of five interactions, each a
``POST /_stcore/agent/interact``: open the page, search a word, set a place and a
radius, pick a service, clear. Members choose different words, places, radii and
services. Printed per run: interactions per second over the whole run, one
interaction's p50 and p95, a journey's p50, the server processes' CPU time per
interaction while the members ran (user + system, from ``/proc``: steadier than a
rate when other programs share the machine, since it counts only the server's own
work), and the resident memory of the server processes at the end (Streamlit
processes and nginx, summed). For the app
in one process it also prints how long after its start the first page was
served (the process started, healthy, then one member's first interaction). The list
is published first as the office publishes it -- into the office's database, checked
and placed once (``publication.placed``) -- so that this is a server's start with a
list in place, as after any restart or on a new machine: one server has served a
page since the publish (it made the map's files, kept for every server). The publish
and that first page are printed on their own lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import serve  # noqa: E402
from serve import PRODUCTION_OPTIONS  # noqa: E402

from bench.generate import PLACES, SECTORS, generate, write  # noqa: E402

SERVICE_LABELS = ["Desk", "Meeting room", "Internet access", "Local introductions", "Events"]
NEAR_PLACES = [city for city, *_ in PLACES if city.isascii()]
WORDS = [*SECTORS, "cluster", "office", "demo", "robot", "energy", "Gdańsk", "Paris", "Helsinki"]
RADII = [100, 300, 500, 1000, 2000]
START_TIMEOUT_SECONDS = 180
REQUEST_TIMEOUT_SECONDS = 120


@dataclass
class Run:
    """What one target under one load measured."""

    target: str
    offices: int
    members: int
    seconds: float = 0.0
    interactions: list[float] = field(default_factory=list)
    journeys: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rss_mb: float = 0.0
    first_page_s: float | None = None
    cpu_seconds: float = 0.0  # the server processes' CPU time (user + system) while the members ran

    @property
    def cpu_ms(self) -> float:
        """The server's CPU time per interaction, in milliseconds: steadier than a rate on a shared machine."""
        return 1000 * self.cpu_seconds / len(self.interactions) if self.interactions else float("nan")

    @property
    def rate(self) -> float:
        """Interactions per second over the whole run."""
        return len(self.interactions) / self.seconds if self.seconds else 0.0

    def row(self, floor: float | None = None) -> str:
        rate = self.rate
        ratio = f"{rate / floor:.2f}" if floor else "—"
        p50 = statistics.median(self.interactions) if self.interactions else float("nan")
        p95 = _percentile(self.interactions, 95)
        journey = statistics.median(self.journeys) if self.journeys else float("nan")
        failed = f" ({len(self.failures)} failed)" if self.failures else ""
        first = f"{self.first_page_s:.1f} s" if self.first_page_s is not None else "—"
        return (
            f"| {self.target} | {self.offices:,} | {self.members} | {rate:.1f}{failed} | {ratio} | "
            f"{p50:.2f} s / {p95:.2f} s | {journey:.1f} s | {self.cpu_ms:.1f} ms | {self.rss_mb:.0f} MB | {first} |"
        )


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _timed_out(answer: dict[str, object]) -> bool:
    """Whether the agent API answered ``wait_timed_out``: not a failure, the run is still going."""
    error = answer.get("error")
    return answer.get("status") == "wait_timed_out" or (
        isinstance(error, dict) and error.get("code") == "wait_timed_out"
    )


class Member:
    """One simulated member: its own cookie jar (nginx keeps it on one process) and agent sessions."""

    def __init__(self, base_url: str, seed: int) -> None:
        self.base_url = base_url
        self.random = random.Random(seed)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def interact(self, body: dict[str, object]) -> dict[str, object]:
        request = urllib.request.Request(
            f"{self.base_url}/_stcore/agent/interact",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                answer: dict[str, object] = json.loads(response.read())
        except urllib.error.HTTPError as error:  # say which of the agent API's refusals it was
            raise RuntimeError(f"HTTP {error.code}: {error.read()[:300]!r}") from error
        while _timed_out(answer):  # the run goes on (202): wait for the same run
            answer = self.interact({"session_id": answer["session_id"]})
        return answer

    def steps(self) -> list[dict[str, object]]:
        """One journey's steps after opening the page: search, place and radius, service, clear."""
        pick = self.random
        return [
            {"widget_state": {"q": pick.choice(WORDS)}},
            {"widget_state": {"near": pick.choice(NEAR_PLACES), "radius": pick.choice(RADII)}},
            {"widget_state": {"f_service": [pick.choice(SERVICE_LABELS)]}},
            {"trigger": {"key": "clear"}},
        ]

    def journey(self, run: Run, lock: threading.Lock) -> None:
        started = time.perf_counter()
        timings = []
        try:
            before = time.perf_counter()
            opened = self.interact({})
            timings.append(time.perf_counter() - before)
            session = opened["session_id"]
            for step in self.steps():
                before = time.perf_counter()
                answer = self.interact({"session_id": session, **step})
                timings.append(time.perf_counter() - before)
                if answer.get("error"):
                    raise RuntimeError(str(answer["error"])[:200])
        except (OSError, RuntimeError, KeyError, urllib.error.URLError) as error:
            with lock:
                run.failures.append(f"{type(error).__name__}: {error}")
            return
        with lock:
            run.interactions.extend(timings)
            run.journeys.append(time.perf_counter() - started)


def _with_descendants(root_pids: list[int]) -> list[int]:
    """The processes and all their descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    seen: list[int] = []
    stack = list(root_pids)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.append(pid)
        stack.extend(children.get(pid, []))
    return seen


def rss_mb(root_pids: list[int]) -> float:
    """Resident memory of the processes and all their descendants, in MB (from /proc)."""
    total_kb = 0
    for pid in _with_descendants(root_pids):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(root_pids: list[int]) -> float:
    """CPU time (user + system) of the processes and all their descendants so far, in seconds (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _with_descendants(root_pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """``scripts/serve.py``'s health wait, with the server's own output when it fails."""
    try:
        serve.wait_healthy(url, process, timeout=START_TIMEOUT_SECONDS)
    except RuntimeError as error:
        raise RuntimeError(f"{error}:\n{log.read_text(errors='replace')[-2000:]}") from error


def agent_options() -> list[str]:
    return ["--server.enableAgentApi", "true", "--server.agentMaxSessions", "2000", "--server.agentSessionTTL", "120"]


@contextmanager
def server(target: str, work: Path, environment: dict[str, str], workers: int) -> Iterator[tuple[str, list[int]]]:
    """Start ``target`` ("floor", "app", "cached", "plain" or "nginx"); yield its URL and the process ids to measure."""
    log = work / f"{target}.log"
    port = free_port()
    if target == "nginx":
        base = free_port()
        command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--workers", str(workers), "--port", str(base)]
        command += ["--agent-api"]
        environment = environment | {"STREAMLIT_SERVER_AGENT_MAX_SESSIONS": "2000"}
        url = f"http://127.0.0.1:{base}"
    else:
        # The app as make run and make serve start it: asgi.py (app.py with the app's own routes).
        script = {"app": "asgi.py", "cached": "asgi.py", "floor": "bench/floor_app.py"}.get(
            target, "bench/plain_app.py"
        )
        command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)]
        command += ["--server.address", "127.0.0.1"]
        for option, value in PRODUCTION_OPTIONS:
            command += [f"--{option}", value]
        command += agent_options()
        url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        if target == "nginx":
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while "Serving on" not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"serve.py did not start:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.3)
        wait_healthy(url, process, log)
        yield url, [process.pid]
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def publish_as_the_office(environment: dict[str, str]) -> float:
    """Carry the generated file into the office's database and place it once, in a process of its own."""
    code = (
        "from pathlib import Path\n"
        "from partner_directory.config import Settings\n"
        "from partner_directory.geo.geocoding.chain import Geocoder\n"
        "from partner_directory.publication.file_store import carry_over\n"
        "from partner_directory.publication.placed import published_directory\n"
        "from partner_directory.publication.store import Store\n"
        "from partner_directory.storage.database import office_database_url\n"
        "config = Settings.from_env()\n"
        "store = Store.open(office_database_url(config))\n"
        "carry_over(store, data_file=config.data_file, history_dir=config.history_dir, drafts_dir=config.drafts_dir)\n"
        "published_directory(store, store.current_version(), geocoder=Geocoder.offline())\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, check=True)
    return time.perf_counter() - started


def measure(
    target: str, offices: int, members: int, journeys: int, work: Path, workers: int, database_url: str = ""
) -> Run:
    label = {
        "app": "app, 1 process",
        "plain": "plain streamlit-folium, 1 process",
        "floor": "Streamlit's floor (5 widgets), 1 process",
        "cached": "app, 1 process, every search already made",
    }.get(target, f"app, {workers} processes behind nginx")
    run = Run(target=label, offices=offices, members=members)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARTNER_DIRECTORY_")}
    environment |= {
        "PARTNER_DIRECTORY_DATA_FILE": str(work / "partners.csv"),
        "PARTNER_DIRECTORY_GEOCODE_CACHE": str(work / "geocache.sqlite"),
        "PARTNER_DIRECTORY_HISTORY_DIR": str(work / "history"),
        "PARTNER_DIRECTORY_CACHE_DIR": os.environ.get(
            "PARTNER_DIRECTORY_CACHE_DIR", str(Path.home() / ".cache" / "partner_directory")
        ),
    }
    if database_url:  # the office's database on a server (PostgreSQL) instead of SQLite beside the file
        environment["PARTNER_DIRECTORY_DATABASE_URL"] = database_url
    if target in ("app", "cached", "nginx") and not (work / ".published").exists():
        (work / ".published").touch()
        seconds = publish_as_the_office(environment)
        print(f"  (published as the office does, checked and placed once: {seconds:.1f} s)", flush=True)
        # The first server after a publish also makes what every server derives from the version (the
        # map's files), once; the start measured below is any later one, on this machine or another.
        started_at = time.perf_counter()
        with server("app", work, environment, workers) as (url, _pids):
            Member(url, seed=99_998).interact({})
        print(f"  (the first page after the publish: {time.perf_counter() - started_at:.1f} s)", flush=True)
    started_at = time.perf_counter()
    with server(target, work, environment, workers) as (url, pids):
        if target == "app":  # how long after its start the first member gets the page (caches cold)
            Member(url, seed=99_999).interact({})
            run.first_page_s = time.perf_counter() - started_at
        # Warm-up: each process loads, checks and places the file once, before the clock starts.
        warm_up = [Member(url, seed=10_000 + i) for i in range(max(1, workers if target == "nginx" else 1) * 4)]
        threads = [threading.Thread(target=m.journey, args=(Run("", 0, 0), threading.Lock())) for m in warm_up]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if target == "cached":  # one member makes every search the crowd will ask for
            first = Member(url, seed=0)
            for _ in range(journeys):
                first.journey(Run("", 0, 0), threading.Lock())
        lock = threading.Lock()
        crowd = [Member(url, seed=0 if target == "cached" else i) for i in range(members)]
        cpu_before = cpu_seconds(pids)
        started = time.perf_counter()

        def member_work(member: Member) -> None:
            for _ in range(journeys):
                member.journey(run, lock)

        threads = [threading.Thread(target=member_work, args=(member,)) for member in crowd]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run.seconds = time.perf_counter() - started
        run.cpu_seconds = cpu_seconds(pids) - cpu_before
        run.rss_mb = rss_mb(pids)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", default="16,32", help="members at once, one run per number: 16,32")
    parser.add_argument("--sizes", default="500,10000")
    parser.add_argument("--journeys", type=int, default=2, help="journeys per member (five interactions each)")
    parser.add_argument("--workers", type=int, default=2, help="Streamlit processes behind nginx")
    parser.add_argument(
        "--targets",
        default="floor,app,cached,plain,nginx",
        help="which of floor, app, cached, plain, nginx to run (floor first)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="the app servers' office database (a new, empty PostgreSQL database per size); default: SQLite",
    )
    args = parser.parse_args(argv)
    if args.database_url and len(args.sizes.split(",")) > 1:
        parser.error("--database-url takes one size: each size needs its own empty database")
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if "nginx" in targets and not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        print("nginx is not installed: run `make nginx`, or leave out the nginx target.", file=sys.stderr)
        return 2
    targets.sort(key=lambda target: target != "floor")  # the floor first: the others' ratios need it
    crowds = [int(m) for m in str(args.members).split(",")]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; members at once: {crowds}, ")
    print(f"{args.journeys} journeys of 5 interactions each")
    print(
        "| server | offices | members | interactions/s | ÷ floor | interaction p50 / p95 | journey p50 "
        "| server CPU per interaction | RSS | first page after start |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as temporary:
            work = Path(temporary)
            write(work / "partners.csv", generate(size))
            for members in crowds:
                floor: float | None = None
                for target in targets:
                    run = measure(target, size, members, args.journeys, work, args.workers, args.database_url)
                    if target == "floor":
                        floor = run.rate
                    print(run.row(floor), flush=True)
                    if run.failures:
                        failed = True
                        print(f"  first failure: {run.failures[0]}", file=sys.stderr)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
