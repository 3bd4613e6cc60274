"""The transport: the standard library's ``smtplib``, and which of its failures are worth another try.

:class:`SmtpTransport` opens a :class:`Session` (one connection, made at the
first message and reused for the next), in the security the settings name:
STARTTLS with a default SSL context, TLS from the first byte (``SMTP_SSL``) or
none, then ``AUTH`` when a user is set. Every socket operation waits at most
the settings' timeout, and one message's whole conversation at most
:data:`MESSAGE_DEADLINE` (a watchdog cuts the connection). A message is sent as the outbox's very bytes with its
envelope, so a retry sends what the first try sent.

Every failure becomes a :class:`SendFailure` that says whether it is
``permanent`` (a 5xx reply refusing every recipient, the sender or the data; the
server refused the sign-in) or temporary (a 4xx reply, a timeout, a refused or
dropped connection, a TLS failure) and keeps the server's reason. A reason is
stored as ``[kind] detail`` (see :func:`reason`) so a page can say it in words
with the server's own text beside them.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Protocol

from partner_directory.config import Settings
from partner_directory.mail.outbox import LEASE

#: The longest one message's whole conversation may take (connecting included), whatever each answer's timeout:
#: then the connection is cut. Well within the outbox's lease, so no other sender takes a message being sent.
MESSAGE_DEADLINE = LEASE.total_seconds() * 3 / 4

#: Kinds of failure, each a sentence on the staff page (``mail_sending.reason.<kind>``).
REASON_KINDS: tuple[str, ...] = (
    "refused_recipients",
    "refused_sender",
    "refused_data",
    "server_reply",
    "auth_refused",
    "not_supported",
    "connection_refused",
    "timeout",
    "disconnected",
    "tls",
    "network",
    "unexpected",
)


def reason(kind: str, detail: str) -> str:
    """A failure as stored in the outbox: ``[kind] detail`` (one line).

    >>> reason("timeout", "no answer within 20 s")
    '[timeout] no answer within 20 s'
    """
    return f"[{kind}] " + " ".join(detail.split())


def split_reason(stored: str) -> tuple[str, str]:
    """``(kind, detail)`` of a stored reason; a reason in no known form is all detail, of kind ``""``.

    >>> split_reason("[timeout] no answer"), split_reason("anything else")
    (('timeout', 'no answer'), ('', 'anything else'))
    """
    if stored.startswith("["):
        kind, closed, detail = stored[1:].partition("] ")
        if closed and kind in REASON_KINDS:
            return kind, detail
    return "", stored


class SendFailure(Exception):
    """A message was not accepted: ``reason`` (``[kind] detail``), and whether trying again cannot help.

    ``connection`` is true when the connection itself failed (nothing more can
    be sent through it: the sender stops its pass and tries again later).
    """

    def __init__(self, reason: str, *, permanent: bool, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.connection = connection


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def classify(error: BaseException) -> SendFailure:
    """The :class:`SendFailure` an exception of ``smtplib`` or the network means.

    5xx replies are permanent, 4xx temporary; a refused sign-in is permanent
    (it stays refused until someone changes the settings, and staff may then
    try again); a timeout, a refused, dropped or broken connection is temporary.
    """
    if isinstance(error, SendFailure):
        return error
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        permanent = bool(replies) and all(code >= 500 for code, _ in replies)
        detail = "; ".join(f"{address}: {_reply(code, text)}" for address, (code, text) in error.recipients.items())
        return SendFailure(reason("refused_recipients", detail), permanent=permanent)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return SendFailure(
            reason("auth_refused", _reply(error.smtp_code, error.smtp_error)),
            permanent=not 400 <= error.smtp_code < 500,
            connection=True,
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return SendFailure(
            reason("refused_sender", _reply(error.smtp_code, error.smtp_error)), permanent=error.smtp_code >= 500
        )
    if isinstance(error, smtplib.SMTPDataError):
        return SendFailure(
            reason("refused_data", _reply(error.smtp_code, error.smtp_error)), permanent=error.smtp_code >= 500
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        if isinstance(error.__context__, TimeoutError):  # smtplib reports a read that timed out as a disconnection
            return SendFailure(
                reason("timeout", str(error.__context__) or "timed out"), permanent=False, connection=True
            )
        return SendFailure(reason("disconnected", str(error) or "connection closed"), permanent=False, connection=True)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SendFailure(reason("not_supported", str(error)), permanent=True, connection=True)
    if isinstance(error, smtplib.SMTPResponseException):
        # A reply refusing the greeting (SMTPConnectError), HELO or STARTTLS: the session cannot go on.
        return SendFailure(
            reason("server_reply", _reply(error.smtp_code, error.smtp_error)),
            permanent=error.smtp_code >= 500,
            connection=True,
        )
    if isinstance(error, TimeoutError):
        return SendFailure(reason("timeout", str(error) or "timed out"), permanent=False, connection=True)
    if isinstance(error, ConnectionRefusedError):
        return SendFailure(reason("connection_refused", str(error)), permanent=False, connection=True)
    if isinstance(error, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, EOFError)):
        return SendFailure(reason("disconnected", str(error)), permanent=False, connection=True)
    if isinstance(error, ssl.SSLError):
        return SendFailure(reason("tls", str(error)), permanent=False, connection=True)
    if isinstance(error, (OSError, smtplib.SMTPException)):
        return SendFailure(reason("network", f"{type(error).__name__}: {error}"), permanent=False, connection=True)
    # Anything else (a library's ValueError …): tried again with back-off, and shown, rather than left leased.
    return SendFailure(reason("unexpected", f"{type(error).__name__}: {error}"), permanent=False, connection=True)


class Session(Protocol):
    """An open way to send messages; see :meth:`SmtpTransport.session`."""

    def send(self, recipients: Sequence[str], raw: bytes) -> dict[str, tuple[int, bytes]]:
        """Send ``raw`` to ``recipients``; return the recipients the server refused while taking the others.

        Raises :class:`SendFailure` when the message was not accepted.
        """
        ...


class Transport(Protocol):
    """Something that opens sessions (the SMTP transport; a test may pass its own)."""

    def session(self) -> AbstractContextManager[Session]: ...


@dataclass(frozen=True)
class SmtpTransport:
    """``smtplib`` to the server of the settings; see the module's docstring."""

    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    timeout: float = 20.0
    #: Seconds one message may take in all (see :data:`MESSAGE_DEADLINE`).
    deadline: float = MESSAGE_DEADLINE
    #: The TLS context (tests may pass one that trusts their own certificate); ``None``: the system's defaults.
    context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpTransport:
        """The transport the settings describe (mail must be configured: ``settings.mail_configured``)."""
        return cls(
            host=settings.smtp_host.strip(),
            port=settings.mail_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.mail_sender,
            timeout=settings.smtp_timeout,
        )

    @contextmanager
    def session(self) -> Iterator[_SmtpSession]:
        """One connection, opened at the first message, closed (``QUIT``) when the block ends."""
        opened = _SmtpSession(self)
        try:
            yield opened
        finally:
            opened.close()

    def connect(self, hold: Callable[[smtplib.SMTP], None] = lambda client: None) -> smtplib.SMTP:
        """A connection ready to send: greeted, secured, signed in. Raises :class:`SendFailure`.

        ``hold`` receives the client once connected, so a watchdog can cut a conversation that takes too long.
        """
        context = self.context or ssl.create_default_context()
        try:
            # Connecting (and TLS's handshake) waits at most the timeout; what follows is under the watchdog.
            client: smtplib.SMTP = (
                smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
                if self.security == "tls"
                else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            )
        except Exception as error:
            raise classify(error) from error
        hold(client)
        try:
            client.ehlo()
            if self.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if self.user:
                client.login(self.user, self.password)
            return client
        except Exception as error:
            failure = classify(error)
            _close(client, polite=not failure.connection)
            raise failure from error


class _SmtpSession:
    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self.client: smtplib.SMTP | None = None
        self._connecting: smtplib.SMTP | None = None
        self._cut = threading.Event()

    def send(self, recipients: Sequence[str], raw: bytes) -> dict[str, tuple[int, bytes]]:
        self._cut.clear()
        watchdog = threading.Timer(self.transport.deadline, self._cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            if self.client is None:
                self.client = self.transport.connect(hold=self._hold)
            return self.client.sendmail(self.transport.sender, list(recipients), raw)
        except Exception as error:
            failure = classify(error)
            if self._cut.is_set():
                failure = SendFailure(
                    reason("timeout", f"no end of the conversation within {self.transport.deadline:g} s"),
                    permanent=False,
                    connection=True,
                )
            if failure.connection:
                self.close(polite=False)
            else:
                self._reset()
            raise failure from error
        finally:
            watchdog.cancel()
            self._connecting = None
            if self._cut.is_set():  # cut just after the server's last answer: the connection is gone all the same
                self.close(polite=False)

    def _hold(self, client: smtplib.SMTP) -> None:
        self._connecting = client

    def _cut_off(self) -> None:
        # From the watchdog's thread: shutting the socket down wakes the sender's blocked read at once.
        self._cut.set()
        client = self.client or self._connecting
        found = getattr(client, "sock", None)
        if found is not None:
            with suppress(OSError):
                found.shutdown(socket.SHUT_RDWR)

    def _reset(self) -> None:
        # After a refused message the server may still hold half a transaction; RSET clears it (smtplib does
        # this for refused recipients, not for a refused DATA).
        if self.client is None:
            return
        try:
            self.client.rset()
        except Exception:
            self.close(polite=False)

    def close(self, *, polite: bool = True) -> None:
        if self.client is not None:
            _close(self.client, polite=polite)
            self.client = None


def _close(client: smtplib.SMTP, *, polite: bool) -> None:
    # Polite: QUIT and wait for the goodbye. After a timeout or a dropped connection, waiting again gains nothing.
    if polite:
        with suppress(Exception):  # already gone: nothing to say goodbye to
            client.quit()
            return
    with suppress(Exception):
        client.close()
