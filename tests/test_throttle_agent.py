"""Agent-API callers are kept apart by the sign-in throttle: a real server with ``server.enableAgentApi``.

Every agent caller reaches the app without a network address (``st.context.ip_address``
is ``None``), so they all used to count as one local client: one caller's wrong codes
locked out another caller who had the right one.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from typing import Any

import pytest

from partner_directory.access.passwords import hash_password
from tests.browser import app_environment, streamlit_server
from tests.conftest import ROOT

CODE = "the members' right code"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("agents")
    shutil.copy(ROOT / "data" / "partners.csv", work / "partners.csv")
    environment = app_environment(work / "partners.csv", work)
    environment.update(
        PARTNER_DIRECTORY_ACCESS="members",
        PARTNER_DIRECTORY_MEMBER_CODE_HASH=hash_password(CODE),
        STREAMLIT_SERVER_ENABLE_AGENT_API="true",
    )
    with streamlit_server(environment, work / "server.log") as running:
        yield running


def interact(server, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        server.url + "/_stcore/agent/interact",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def sign_in(server, session_id: str, code: str) -> str:
    """One agent caller submits ``code``; "ok", "wrong" or "wait", as the page says it."""
    shown = interact(
        server, {"session_id": session_id, "widget_state": {"member_code": code}, "trigger": {"key": "member_sign_in"}}
    )
    text = json.dumps(shown["tree"], ensure_ascii=False)
    if "Signed in as a member" in text:
        return "ok"
    if "access code is not right" in text:
        return "wrong"
    if "Too many failed attempts" in text:
        return "wait"
    return "unknown: " + text[-500:]


def test_one_agent_callers_wrong_codes_do_not_lock_out_another(server):
    guesser = interact(server, {})["session_id"]
    member = interact(server, {})["session_id"]
    outcomes = [sign_in(server, guesser, f"guess {n}") for n in range(3)]
    assert outcomes[0] == "wrong" and set(outcomes) <= {"wrong", "wait"}, outcomes
    assert "wait" in outcomes, outcomes  # the guesser itself is held: its window is running
    assert sign_in(server, member, CODE) == "ok"  # was "wait": every agent caller was one client, ip:local
    assert "Sign-in checked for agent:" in server.log()
