"""A bare Streamlit session over its WebSocket, for what a browser would never send (forged widget states).

It speaks the same protocol as the browser (``/_stcore/stream``, protobuf ``BackMsg``/``ForwardMsg``):
it asks for a run with any widget states it likes and collects what the page shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass
class Shown:
    """What one run showed: texts of every element, exceptions, and the session's id."""

    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, str] = field(default_factory=dict)  # element kind + label → widget id
    session_id: str = ""
    finished: bool = False


def _collect(message: ForwardMsg, shown: Shown) -> None:
    kind = message.WhichOneof("type")
    if kind == "new_session":
        shown.session_id = message.new_session.initialize.session_id
    elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
        element = message.delta.new_element
        which = element.WhichOneof("type")
        if which == "exception":
            shown.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            shown.texts.append("\n".join(element.exception.stack_trace))
        elif which in ("markdown", "alert", "heading", "text"):
            body = getattr(element, which)
            shown.texts.append(getattr(body, "body", "") or getattr(body, "text", ""))
        elif which in ("button", "text_input", "file_uploader"):
            widget = getattr(element, which)
            shown.texts.append(f"[{which}:{widget.label}]")
            shown.widgets[widget.id.rsplit("-", 1)[-1] if which == "text_input" else f"{which}:{widget.label}"] = (
                widget.id
            )
    elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
        shown.finished = True  # a run that ends in st.rerun() goes on with the next run


Widgets = Mapping[str, "str | bool"]
T = TypeVar("T")
#: A run that ended by itself (not cut short for a newer one).
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


async def _run(
    url: str, runs: Iterable[tuple[str, Widgets]], *, headers: Mapping[str, str], timeout: float
) -> list[Shown]:
    results: list[Shown] = []
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(stream, additional_headers=dict(headers), max_size=None) as socket:
        for page, widgets in runs:
            await socket.send(rerun_message(page, widgets))
            shown = Shown()
            while not shown.finished:
                raw = await asyncio.wait_for(socket.recv(), timeout)
                forward = ForwardMsg()
                forward.ParseFromString(raw)
                _collect(forward, shown)
            results.append(shown)
    return results


def run_session(
    url: str,
    runs: Iterable[tuple[str, Widgets]],
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> list[Shown]:
    """Open one session and ask for each ``(page, widget states)`` run in turn; return what each showed."""
    return asyncio.run(_run(url, list(runs), headers=headers or {}, timeout=timeout))


# -- a flood of reruns, and a member's first page meanwhile -------------------------------------------------


def rerun_message(page: str, widgets: Widgets) -> bytes:
    """A rerun of ``page`` with these widget states, as the browser sends it (serialised ``BackMsg``)."""
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_name = page
    for widget_id, value in widgets.items():
        widget = message.rerun_script.widget_states.widgets.add()
        widget.id = widget_id
        if isinstance(value, bool):
            widget.trigger_value = value
        else:
            widget.string_value = value
    return message.SerializeToString()


def _connect(url: str, *, cookie: str, local_address: str | None):  # type: ignore[no-untyped-def]
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    options = {"local_addr": (local_address, 0)} if local_address else {}
    return websockets.connect(
        stream, additional_headers={"Cookie": f"bra_route={cookie}"}, max_size=None, open_timeout=60, **options
    )


async def _flood_one(
    url: str,
    *,
    cookie: str,
    local_address: str | None,
    search_id: str,
    interval: float,
    until: float,
    counts: dict[str, int],
) -> None:
    loop = asyncio.get_running_loop()
    async with _connect(url, cookie=cookie, local_address=local_address) as socket:

        async def drain() -> None:  # read and count the runs that finished, so the server never waits on us
            async for raw in socket:
                forward = ForwardMsg()
                forward.ParseFromString(raw)
                if forward.WhichOneof("type") == "script_finished" and forward.script_finished in FINISHED:
                    counts["finished"] += 1

        reader = asyncio.create_task(drain())
        number = 0
        try:
            while loop.time() < until:
                number += 1
                await socket.send(rerun_message("", {search_id: f"flood {number}"}))
                counts["sent"] += 1
                await asyncio.sleep(interval)
        finally:
            reader.cancel()


async def _first_page(url: str, *, cookie: str, local_address: str | None, timeout: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with _connect(url, cookie=cookie, local_address=local_address) as socket:
        await socket.send(rerun_message("", {}))
        shown = Shown()
        while not shown.finished:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(socket.recv(), timeout))
            _collect(forward, shown)
        assert not shown.exceptions, shown.exceptions
    return loop.time() - started


def flood(
    url: str,
    *,
    cookie: str,
    search_id: str,
    local_address: str | None = None,
    sockets: int = 4,
    interval: float = 0.005,
    duration: float = 20.0,
) -> dict[str, int]:
    """``sockets`` websockets with one route cookie, each asking for a run with a new search every ``interval``
    seconds for ``duration`` seconds; returns the runs asked for (``sent``) and the runs that ran to their
    end (``finished``).

    ``local_address`` is a loopback address (127.0.0.2 …) to connect from, so that the server sees this
    client apart from others on the machine.
    """

    async def go() -> dict[str, int]:
        until = asyncio.get_running_loop().time() + duration
        counts = {"sent": 0, "finished": 0}
        await asyncio.gather(
            *(
                _flood_one(
                    url,
                    cookie=cookie,
                    local_address=local_address,
                    search_id=search_id,
                    interval=interval,
                    until=until,
                    counts=counts,
                )
                for _ in range(sockets)
            )
        )
        return counts

    return asyncio.run(go())


def first_page_seconds(url: str, *, cookie: str, local_address: str | None = None, timeout: float = 120) -> float:
    """How long a new session (with this route cookie) waits until its first run has finished, in seconds."""
    return asyncio.run(_first_page(url, cookie=cookie, local_address=local_address, timeout=timeout))


def while_open(
    url: str,
    runs: Iterable[tuple[str, Widgets]],
    then: Callable[[str], T],
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> T:
    """Open one session, ask for each run in turn, then call ``then(session_id)`` while the session is open."""

    async def go() -> T:
        stream = url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(stream, additional_headers=dict(headers or {}), max_size=None) as socket:
            shown = Shown()
            for page, widgets in runs:
                await socket.send(rerun_message(page, widgets))
                shown = Shown(session_id=shown.session_id)
                while not shown.finished:
                    forward = ForwardMsg()
                    forward.ParseFromString(await asyncio.wait_for(socket.recv(), timeout))
                    _collect(forward, shown)
                assert not shown.exceptions, shown.exceptions
            return await asyncio.get_running_loop().run_in_executor(None, then, shown.session_id)

    return asyncio.run(go())
