"""A search reruns only the members' fragment, not the page's frame: a real server driven through the agent API."""

from __future__ import annotations

import json
import shutil
import urllib.request
from typing import Any

import pytest

from tests.browser import app_environment, streamlit_server
from tests.conftest import ROOT

SEARCH_KEYS = ("q", "near", "radius", "f_country", "f_continent", "f_sector", "f_service", "f_language", "clear")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("fragment")
    shutil.copy(ROOT / "data" / "partners.csv", work / "partners.csv")
    environment = app_environment(work / "partners.csv", work)
    environment.update(STREAMLIT_SERVER_ENABLE_AGENT_API="true")
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


def nodes(tree: Any) -> list[dict[str, Any]]:
    """Every node of an agent snapshot's tree, depth first."""
    found: list[dict[str, Any]] = []
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "type" in item or "key" in item:
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def test_the_search_and_its_results_are_one_fragment_and_the_frame_is_not(server):
    opened = interact(server, {})
    by_key = {node["key"]: node for node in nodes(opened["tree"]) if node.get("key")}
    fragments = {by_key[key].get("fragment") for key in (*SEARCH_KEYS, "list")}
    assert len(fragments) == 1 and None not in fragments, fragments  # one fragment holds them all
    titles = [node for node in nodes(opened["tree"]) if node.get("type") == "title"]
    assert titles and all(not node.get("fragment") for node in titles)  # the frame is outside it
    # A search is answered by the fragment: the list follows it, the frame stays.
    searched = interact(server, {"session_id": opened["session_id"], "widget_state": {"q": "Gdańsk"}})
    text = json.dumps(searched["tree"], ensure_ascii=False)
    assert "Gdańsk" in text and "BRA partner directory" in text
    assert not searched.get("error"), searched.get("error")
