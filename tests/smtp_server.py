"""A real SMTP server on 127.0.0.1 (aiosmtpd), started and stopped by the tests, that keeps what it received.

``smtp_server`` is a fixture: ``server.port``, ``server.messages`` (parsed
``email.message.EmailMessage`` objects with their envelope), ``server.wait_for(n)``.
``server.refuse(code, text)`` makes it answer every ``RCPT TO`` with that reply
(a 4xx is a temporary failure, a 5xx a permanent one) until ``server.accept()``;
``server.stop()`` / ``server.start()`` take it away and bring it back on the same port.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server received it: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.refusal:
            return self.server.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; see the module's docstring."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.refusal = ""
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, decode_data=False)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, code: int, text: str) -> None:
        self.refusal = f"{code} {text}"

    def accept(self) -> None:
        self.refusal = ""

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The messages once at least ``count`` have arrived; fails the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} messages arrived, {count} expected, within {timeout} s")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
