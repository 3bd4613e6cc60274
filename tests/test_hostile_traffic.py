"""Hostile traffic against a real ``streamlit run`` server: forged widget states, parallel sign-in guesses, uploads.

A browser only sends what the page offers; these tests speak the server's WebSocket protocol directly
(``tests/stream_client.py``) and its upload route over HTTP, as an attacker would.
"""

from __future__ import annotations

import datetime as dt
import http.client
import itertools
import re
import shutil
import threading
import uuid

import pytest

from partner_directory.access.passwords import hash_password
from tests.browser import app_environment, streamlit_server
from tests.conftest import ROOT
from tests.stream_client import rerun_message, run_session

PASSWORD = "correct horse battery"
WRONG = "The password is not right"
WAIT = "Too many failed attempts"
STAFF_TITLE = "Partner data"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("traffic")
    shutil.copy(ROOT / "data" / "partners.csv", work / "partners.csv")
    environment = app_environment(work / "partners.csv", work, password_hash=hash_password(PASSWORD))
    with streamlit_server(environment, work / "server.log") as running:
        yield running


def sign_in_ids(server) -> dict[str, str]:
    (shown,) = run_session(server.url, [("staff", {})])
    assert not shown.exceptions, shown.exceptions
    ids = shown.widgets
    return {"name": ids["staff_name"], "password": ids["staff_password"], "submit": ids["button:Sign in"]}


def attempt(server, ids, password: str, *, forwarded_for: str | None = None) -> str:
    """One session signs in with ``password``: returns "ok", "wrong" or "wait" as the page says it."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    widgets = {ids["name"]: "Eve", ids["password"]: password, ids["submit"]: True}
    # The sign-in, then the office's page in the same session: only a signed-in session sees it.
    shown = run_session(server.url, [("staff", widgets), ("staff", {})], headers=headers)
    assert not shown[0].exceptions and not shown[1].exceptions, (shown[0].exceptions, shown[1].exceptions)
    text = "\n".join(shown[0].texts)
    if WRONG in text:
        return "wrong"
    if WAIT in text:
        return "wait"
    after = "\n".join(shown[1].texts)
    return "ok" if "Signed in as" in after else f"unknown: {text[:300]}"


def parallel(count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    results: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        outcome = work(index)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def test_a_forged_widget_state_from_a_member_session_gets_nothing(server):
    runs = [("", {"staff_user": "x"}), ("staff", {"staff_user": "x"}), ("staff", {"staff_user": "Eve"})]
    for shown in run_session(server.url, runs):
        assert not shown.exceptions, shown.exceptions  # was: KeyError 'st.session_state has no key "staff_user"'
        text = "\n".join(shown.texts)
        assert "Traceback" not in text and "KeyError" not in text
        assert STAFF_TITLE not in text and "[file_uploader" not in text
    assert "Dropped widget states no browser sends: 'staff_user'" in server.log()


CHECKED = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*Sign-in checked for ip:(\S+): (\w+); next check in ([\d.]+) s$",
    re.MULTILINE,
)


def password_checks(server, address: str) -> list[tuple[dt.datetime, str, float]]:
    """Every password check the server made for ``address``, from its log: when, the outcome, the window it opened."""
    return [
        (dt.datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f"), outcome, float(window))
        for when, client, outcome, window in CHECKED.findall(server.log())
        if client == address
    ]


def test_parallel_guesses_from_one_client_get_one_password_check(server):
    ids = sign_in_ids(server)
    guesses = ["guess"] * 11 + [PASSWORD]
    outcomes = parallel(12, lambda i: attempt(server, ids, guesses[i], forwarded_for="203.0.113.7"))
    checked = [o for o in outcomes if o in ("ok", "wrong")]
    assert checked, outcomes
    assert outcomes.count("wait") == 12 - len(checked), outcomes
    # Counted in password checks, not seconds: the server's log has one line per check it made, and each
    # check came after the window the one before it opened, however long the wave took to arrive.
    checks = password_checks(server, "203.0.113.7")
    assert sorted(outcome for _, outcome, _ in checks) == sorted(checked), (checks, outcomes)
    for (before, _, window), (after, _, _) in itertools.pairwise(checks):
        # was: 12 of 12 checked at once, the right one signed in
        assert (after - before).total_seconds() >= window - 0.01, checks


def test_a_flood_from_one_address_does_not_lock_out_staff_elsewhere(server):
    ids = sign_in_ids(server)
    # Nine sessions at once: eight guessing from one address, the office signing in from another.
    outcomes = parallel(
        9,
        lambda i: (
            attempt(server, ids, PASSWORD, forwarded_for="192.0.2.10")
            if i == 8
            else f"flood:{attempt(server, ids, f'guess {i}', forwarded_for='198.51.100.66')}"
        ),
    )
    flood = [o for o in outcomes if o.startswith("flood:")]
    assert "ok" in outcomes, outcomes  # was: the shared back-off made the office wait too
    assert "flood:wait" in flood and set(flood) <= {"flood:wrong", "flood:wait"}, flood


def _xsrf(server) -> tuple[str, str]:
    """A cookie and header pair of Streamlit's double-submit XSRF check: any client can make its own."""
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    token = generate_xsrf_token_string(None, None)
    return f"_streamlit_xsrf={token}", token


def put_upload(server, session_id: str, size: int) -> int:
    """PUT one file of ``size`` bytes to the upload route for ``session_id``; return the HTTP status."""
    cookie, token = _xsrf(server)
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + b"a" * size + tail
    host = server.url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=120)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(body))}
    if token:
        headers |= {"Cookie": cookie, "X-Xsrftoken": token}
    try:
        connection.request("PUT", f"/_stcore/upload_file/{session_id}/{uuid.uuid4().hex}", body=body, headers=headers)
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return 413  # refused while sending
    finally:
        connection.close()


def uploads_from_session(server, sizes: list[int], *, sign_in: bool) -> list[int]:
    """Open a session (signed in as staff or not), keep it open, and PUT files of ``sizes`` bytes for it."""
    import asyncio

    import websockets
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ids = sign_in_ids(server) if sign_in else {}

    async def go() -> list[int]:
        async with websockets.connect(server.url.replace("http", "ws") + "/_stcore/stream", max_size=None) as socket:
            runs: list[tuple[str, dict]] = [("", {})]
            if sign_in:
                runs = [
                    ("staff", {ids["name"]: "Anna", ids["password"]: PASSWORD, ids["submit"]: True}),
                    ("staff", {}),
                ]
            session = ""
            for page, widgets in runs:
                await socket.send(rerun_message(page, widgets))
                while True:
                    forward = ForwardMsg()
                    forward.ParseFromString(await asyncio.wait_for(socket.recv(), 60))
                    kind = forward.WhichOneof("type")
                    if kind == "new_session":
                        session = forward.new_session.initialize.session_id
                    if kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        break
            loop = asyncio.get_running_loop()
            return [await loop.run_in_executor(None, put_upload, server, session, size) for size in sizes]

    return asyncio.run(go())


def test_an_anonymous_session_cannot_upload(server):
    assert put_upload(server, "no-such-session", 1_000) == 400
    statuses = uploads_from_session(server, [1_000, 50 * 1024 * 1024], sign_in=False)
    assert statuses == [403, 413]  # was: accepted and held (8 × 190 MB); 50 MB is over Streamlit's limit, now 10 MB
    assert "Refused an upload of 1000 bytes from a session that is not signed in" in server.log()


def test_signed_in_staff_upload_up_to_the_apps_limit_and_no_more(server):
    statuses = uploads_from_session(server, [1_000, 9 * 1024 * 1024, 11 * 1024 * 1024], sign_in=True)
    assert statuses == [204, 204, 413]  # Streamlit's own limit is the app's 10 MB, not its default 200 MB
