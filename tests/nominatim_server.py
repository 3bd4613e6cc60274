"""A small Nominatim-compatible HTTP server on 127.0.0.1 for the online geocoding tests.

It answers ``/search`` like Nominatim's JSON API from a table of known
queries, and can be told to be slow, to answer 429 or 500, so that geopy's
real Nominatim client is exercised end to end — no mocks.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Behaviour:
    mode: str = "ok"  # ok | slow | 429 | 500 | trickle (one byte every `delay` s) | huge (`huge_mb` MB of JSON)
    delay: float = 0.0
    huge_mb: int = 300
    with_length: bool = True  # huge: announce the size in Content-Length, or not
    bytes_sent: int = 0
    places: dict[str, dict] = field(default_factory=dict)  # folded query substring → Nominatim JSON record
    requests: list[tuple[float, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)


class NominatimServer:
    """Start with ``with NominatimServer() as server:``; ``server.domain`` is ``127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        behaviour = self.behaviour

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = parse_qs(parts.query)
                behaviour.requests.append((time.monotonic(), params, dict(self.headers)))
                if behaviour.mode == "slow":
                    time.sleep(behaviour.delay)
                if behaviour.mode in {"trickle", "huge"}:
                    self._send_hostile()
                    return
                if behaviour.mode in {"429", "500"}:
                    self.send_response(int(behaviour.mode))
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                query = params.get("q", [""])[0].lower()
                codes = params.get("countrycodes", [""])[0].lower()
                results = [
                    record
                    for key, record in behaviour.places.items()
                    if key in query and (not codes or record["address"]["country_code"] in codes.split(","))
                ]
                body = json.dumps(results[:1]).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def _send_hostile(self) -> None:
                record = json.dumps([place(54.35, 18.65, "Gdańsk", "pl")]).encode()
                if behaviour.mode == "trickle":
                    body, size = record, len(record)
                else:
                    filler = b" " * (1024 * 1024)
                    size = behaviour.huge_mb * len(filler) + len(record)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    if behaviour.mode == "trickle" or behaviour.with_length:
                        self.send_header("Content-Length", str(size))
                    self.end_headers()
                    if behaviour.mode == "trickle":
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            behaviour.bytes_sent += 1
                            time.sleep(behaviour.delay)
                    else:
                        self.wfile.write(record[:-1])
                        for _ in range(behaviour.huge_mb):
                            self.wfile.write(filler)
                            behaviour.bytes_sent += len(filler)
                        self.wfile.write(record[-1:])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up: what a bounded client does

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> NominatimServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def place(lat: float, lon: float, name: str, country_code: str, *, kind: str = "house") -> dict:
    """A Nominatim search record as the real API returns it (jsonv2-like fields)."""
    return {
        "place_id": abs(hash(name)) % 10**8,
        "lat": str(lat),
        "lon": str(lon),
        "display_name": name,
        "class": "building" if kind == "house" else "place",
        "type": kind,
        "addresstype": kind,
        "address": {"country_code": country_code.lower()},
    }


def refused_domain() -> str:
    """``127.0.0.1:PORT`` where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"127.0.0.1:{port}"
