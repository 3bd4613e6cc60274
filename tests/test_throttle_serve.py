"""The sign-in throttle behind ``make serve``: two Streamlit processes behind nginx share one set of windows.

The same client guesses the staff password through both processes at once (one
route cookie pinned to each). With the throttle's state in each process's
memory, each process gave it its own windows: twice the checks. Its state is in
the office's database now, so the checks a client gets do not grow with the
number of processes. nginx must be installed (``make nginx``); without it the test fails.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
import time
from pathlib import Path

from partner_directory.access.passwords import hash_password
from tests.stream_client import run_session
from tests.test_serve import _cookies_for_two_processes, served

PASSWORD = "correct horse battery"
FLOOD_SECONDS = 15.0
CHECKED = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*Sign-in checked for (\S+): (\w+); next check in ([\d.]+) s$",
    re.MULTILINE,
)


def guess(url: str, cookie: str, ids: dict[str, str]) -> str:
    widgets = {ids["name"]: "Eve", ids["password"]: "a guess", ids["submit"]: True}
    try:
        (shown,) = run_session(url, [("staff", widgets)], headers={"Cookie": f"bra_route={cookie}"})
    except Exception as error:  # a refused connection (nginx's limits) is no check either
        return f"refused: {type(error).__name__}"
    text = "\n".join(shown.texts)
    return "wrong" if "The password is not right" in text else "wait" if "Too many failed" in text else "other"


def test_one_client_through_two_processes_gets_the_checks_of_one(tmp_path: Path):
    with served(tmp_path, workers=2, password_hash=hash_password(PASSWORD)) as (url, _process, log):
        first, second = _cookies_for_two_processes(url)
        (form,) = run_session(url, [("staff", {})], headers={"Cookie": f"bra_route={first}"})
        ids = {
            "name": form.widgets["staff_name"],
            "password": form.widgets["staff_password"],
            "submit": form.widgets["button:Sign in"],
        }
        outcomes: dict[str, list[str]] = {first: [], second: []}
        deadline = time.monotonic() + FLOOD_SECONDS

        def flood(cookie: str) -> None:
            while time.monotonic() < deadline:
                outcomes[cookie].append(guess(url, cookie, ids))

        threads = [threading.Thread(target=flood, args=(cookie,)) for cookie in (first, second) * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=FLOOD_SECONDS + 120)

        work_dir = Path(re.search(r"logs in (\S+?)\. ", log.read_text()).group(1))
        logs = "\n".join(path.read_text(errors="replace") for path in work_dir.glob("streamlit-*.log"))
    assert all("wait" in found for found in outcomes.values()), outcomes  # both processes were flooded
    checks = sorted(
        (dt.datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f"), float(window))
        for when, _client, _outcome, window in CHECKED.findall(logs)
    )
    assert checks, logs[-2000:]
    # One client's windows, across both processes: a pause of 0.5 s and 1, 2, 4, 8 s allow checks at
    # 0, 1.5, 4, 8.5 and 17 s, so 4 in 15 s (was 8 or more: each process kept its own windows).
    assert len(checks) <= 4 + 1, checks
    for (before, window), (after, _) in itertools.pairwise(checks):
        assert (after - before).total_seconds() >= window - 0.25, checks
