"""Sending the outbox through a real SMTP server on 127.0.0.1, on a real SQLite file and a real PostgreSQL server.

The server is aiosmtpd (``tests/smtp_server.py``); a server that never answers
and one that drops the connection mid-session are tiny socket servers here.
Times are passed as ``now=``, so a back-off is crossed by asking again later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import smtplib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import streamlit as st
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from streamlit.testing.v1 import AppTest

from partner_directory.config import Settings
from partner_directory.errors import ConfigurationError
from partner_directory.mail import outbox, sending
from partner_directory.mail.message import Attachment, Mail
from partner_directory.mail.smtp import SmtpTransport, classify, split_reason
from partner_directory.storage.database import Database, migrate
from partner_directory.storage.migrations import MIGRATIONS
from tests.apptest import prepare, texts

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
SENDER = "office@pomeranian-ict.example.org"


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    database = Database(database_url)
    migrate(database, MIGRATIONS)
    yield database
    database.dispose()


def a_mail(number: int = 1, **changes: object) -> Mail:
    values: dict[str, object] = {
        "to": ("host@example.org",),
        "cc": ("member@example.com",),
        "reply_to": "member@example.com",
        "subject": f"Visit request {number}",
        "text": "Dzień dobry – plain text",
        "html": "<p>Dzień dobry</p>",
        "purpose": "visit_request",
        "record": f"visit:{number}",
        "language": "pl",
        "attachments": (Attachment("visit.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),),
    }
    values.update(changes)
    return Mail(**values)  # type: ignore[arg-type]


def transport(port: int, *, timeout: float = 5.0, **changes: object) -> SmtpTransport:
    values: dict[str, object] = {"host": "127.0.0.1", "port": port, "security": "none", "sender": SENDER}
    values.update(changes)
    return SmtpTransport(timeout=timeout, **values)  # type: ignore[arg-type]


def enqueue(database: Database, number: int = 1, **changes: object) -> outbox.OutboxEntry:
    return outbox.enqueue(database, a_mail(number, **changes), sender=SENDER, sender_name="Biuro", now=NOW)


def entry(database: Database, entry_id: int) -> outbox.OutboxEntry:
    return next(found for found in outbox.entries(database) if found.id == entry_id)


def message_id(received) -> str:
    """The ``Message-ID`` as received; a long one is folded onto its own line, which the parser keeps as a space."""
    return str(received.message["Message-ID"]).strip()


def later(attempts: int) -> dt.datetime:
    """A moment just past the back-off after the ``attempts``-th failure."""
    return NOW + outbox.retry_delay(attempts) + dt.timedelta(seconds=1)


# -- the settings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, {"mail_configured": False, "mail_port": 587, "smtp_security": "starttls", "smtp_timeout": 20.0}),
        ({"PARTNER_DIRECTORY_SMTP_HOST": "  "}, {"mail_configured": False}),
        ({"PARTNER_DIRECTORY_SMTP_HOST": "smtp.example.org"}, {"mail_configured": True, "mail_port": 587}),
        ({"PARTNER_DIRECTORY_SMTP_SECURITY": " TLS "}, {"smtp_security": "tls", "mail_port": 465}),
        ({"PARTNER_DIRECTORY_SMTP_SECURITY": "none"}, {"mail_port": 25}),
        ({"PARTNER_DIRECTORY_SMTP_SECURITY": "tls", "PARTNER_DIRECTORY_SMTP_PORT": "2465"}, {"mail_port": 2465}),
        ({}, {"mail_sender": "office@pomeranian-ict.example.org", "mail_sender_name": "Pomeranian ICT Cluster (demo)"}),
        (
            {"PARTNER_DIRECTORY_SMTP_SENDER": "bra@example.org", "PARTNER_DIRECTORY_SMTP_SENDER_NAME": "BRA"},
            {"mail_sender": "bra@example.org", "mail_sender_name": "BRA"},
        ),
        ({"PARTNER_DIRECTORY_SMTP_TIMEOUT": "2.5"}, {"smtp_timeout": 2.5}),
        ({}, {"public_url": "http://localhost:8501"}),
        ({"PARTNER_DIRECTORY_PUBLIC_URL": "https://bra.example.org/ "}, {"public_url": "https://bra.example.org"}),
    ],
)
def test_the_mail_settings(environment, expected):
    found = Settings.from_env(environment)
    assert {name: getattr(found, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("environment", "code"),
    [
        ({"PARTNER_DIRECTORY_SMTP_SECURITY": "ssl"}, "config_smtp_security"),
        ({"PARTNER_DIRECTORY_SMTP_PORT": "smtp"}, "config_number"),
        ({"PARTNER_DIRECTORY_SMTP_PORT": "70000"}, "config_smtp_port"),
        ({"PARTNER_DIRECTORY_SMTP_TIMEOUT": "300"}, "config_smtp_timeout"),
        ({"PARTNER_DIRECTORY_PUBLIC_URL": "javascript:alert(1)"}, "config_public_url"),
    ],
)
def test_a_bad_mail_setting_is_a_sentence(environment, code):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(environment)
    assert caught.value.code == code
    assert "config_" not in caught.value.message("pl")


def test_the_password_is_never_shown():
    found = Settings.from_env({"PARTNER_DIRECTORY_SMTP_PASSWORD": "hunter2-secret"})
    assert found.smtp_password == "hunter2-secret"
    assert "hunter2" not in repr(found)
    assert "hunter2" not in repr(SmtpTransport.from_settings(found))


# -- which failures are worth another try (a table) ---------------------------------------------------------


def disconnected_by(cause: OSError) -> smtplib.SMTPServerDisconnected:
    """What ``smtplib`` raises when reading a reply fails with ``cause``."""
    try:
        try:
            raise cause
        except OSError as error:
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {error}")
    except smtplib.SMTPServerDisconnected as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "kind", "permanent", "connection"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), "refused_recipients", True, False),
        (
            smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no"), "b@example.org": (451, b"later")}),
            "refused_recipients",
            False,
            False,
        ),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (452, b"mailbox full")}), "refused_recipients", False, False),
        (smtplib.SMTPSenderRefused(553, b"not yours", SENDER), "refused_sender", True, False),
        (smtplib.SMTPSenderRefused(421, b"busy", SENDER), "refused_sender", False, False),
        (smtplib.SMTPDataError(554, b"spam"), "refused_data", True, False),
        (smtplib.SMTPDataError(451, b"try later"), "refused_data", False, False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), "auth_refused", True, True),
        (smtplib.SMTPAuthenticationError(454, b"temporary auth failure"), "auth_refused", False, True),
        (smtplib.SMTPConnectError(421, b"too many connections"), "server_reply", False, True),
        (smtplib.SMTPConnectError(554, b"go away"), "server_reply", True, True),
        (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), "not_supported", True, True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "disconnected", False, True),
        (ConnectionRefusedError(111, "Connection refused"), "connection_refused", False, True),
        (TimeoutError("timed out"), "timeout", False, True),
        (disconnected_by(TimeoutError("timed out")), "timeout", False, True),  # smtplib's read that timed out
        (disconnected_by(ConnectionResetError(104, "reset")), "disconnected", False, True),
        (ConnectionResetError(104, "Connection reset by peer"), "disconnected", False, True),
        (OSError(101, "Network is unreachable"), "network", False, True),
        (ValueError("check_hostname requires server_hostname"), "unexpected", False, True),
    ],
)
def test_which_failures_are_permanent(error, kind, permanent, connection):
    failure = classify(error)
    assert (split_reason(failure.reason)[0], failure.permanent, failure.connection) == (kind, permanent, connection)


def test_a_reason_keeps_the_servers_words_and_says_them_in_either_language():
    failure = classify(smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"5.1.1 no such user")}))
    assert "550 5.1.1 no such user" in failure.reason
    assert sending.failure_sentence(failure.reason, "pl").startswith("Serwer poczty odrzucił odbiorców: ")
    assert sending.failure_sentence(failure.reason, "en").endswith("a@example.org: 550 5.1.1 no such user")
    assert sending.failure_sentence("[not_a_kind] x", "en") == "[not_a_kind] x"
    assert sending.failure_sentence("", "en") == ""


# -- sending through a real server --------------------------------------------------------------------------


def test_a_message_arrives_with_its_id_both_parts_and_the_attachment(database, smtp_server):
    queued = enqueue(database)
    outcome = sending.send_due(database, transport(smtp_server.port), now=NOW)
    assert (outcome.sent, outcome.retrying, outcome.failed) == (1, 0, 0)
    [received] = smtp_server.wait_for(1)
    assert received.sender == SENDER
    assert sorted(received.recipients) == ["host@example.org", "member@example.com"]
    message = received.message
    assert message_id(received) == queued.message_id
    assert message["Reply-To"] == "member@example.com"
    assert message.get_body(("plain",)).get_content().strip() == "Dzień dobry – plain text"
    assert message.get_body(("html",)).get_content().strip() == "<p>Dzień dobry</p>"
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == (
        "visit.ics",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    )
    assert received.raw.replace(b"\r\n", b"\n") == outbox.message_bytes(database, queued.id).replace(b"\r\n", b"\n")
    sent = entry(database, queued.id)
    assert (sent.status, sent.attempts, sent.last_error, sent.sent_at) == ("sent", 1, "", NOW)
    assert sending.send_due(database, transport(smtp_server.port), now=later(12)).tried == 0  # never twice


def test_a_4xx_keeps_the_message_queued_with_the_reason_then_it_is_sent(database, smtp_server):
    queued = enqueue(database)
    smtp_server.refuse(451, "4.3.0 Mailbox temporarily unavailable")
    outcome = sending.send_due(database, transport(smtp_server.port), now=NOW)
    assert (outcome.sent, outcome.retrying) == (0, 1)
    waiting = entry(database, queued.id)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert "451 4.3.0 Mailbox temporarily unavailable" in waiting.last_error
    assert waiting.next_attempt_at == NOW + outbox.retry_delay(1)
    smtp_server.accept()
    assert sending.send_due(database, transport(smtp_server.port), now=NOW).tried == 0  # not before its back-off
    assert sending.send_due(database, transport(smtp_server.port), now=later(1)).sent == 1
    assert message_id(smtp_server.wait_for(1)[0]) == queued.message_id
    assert entry(database, queued.id).status == "sent"


def test_a_5xx_fails_the_message_with_the_servers_reason(database, smtp_server):
    queued = enqueue(database)
    smtp_server.refuse(550, "5.1.1 No such user here")
    outcome = sending.send_due(database, transport(smtp_server.port), now=NOW)
    assert (outcome.sent, outcome.retrying, outcome.failed) == (0, 0, 1)
    failed = entry(database, queued.id)
    assert failed.status == "failed"
    assert "550 5.1.1 No such user here" in failed.last_error
    smtp_server.accept()
    assert sending.send_due(database, transport(smtp_server.port), now=later(12)).tried == 0  # final
    outbox.retry_now(database, queued.id, now=later(12))  # staff: "try again now"
    assert sending.send_due(database, transport(smtp_server.port), now=later(12)).sent == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_a_stopped_server_keeps_every_message_and_they_go_when_it_is_back(database, smtp_server):
    first, second = enqueue(database, 1), enqueue(database, 2)
    smtp_server.stop()
    outcome = sending.send_due(database, transport(smtp_server.port), now=NOW)
    assert (outcome.retrying, outcome.stopped) == (1, True)  # the pass ends at the refused connection
    assert split_reason(entry(database, first.id).last_error)[0] == "connection_refused"
    assert (entry(database, second.id).status, entry(database, second.id).attempts) == ("queued", 0)
    smtp_server.start()
    assert sending.send_due(database, transport(smtp_server.port), now=later(1)).sent == 2
    ids = sorted(message_id(received) for received in smtp_server.wait_for(2))
    assert ids == sorted([first.message_id, second.message_id])


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers; or answers each line after ``delay`` seconds, until ``drop_at``.

    With ``drop_at`` it closes the connection when that command comes.
    """

    def __init__(self, port: int, *, drop_at: str = "", delay: float = 0.0) -> None:
        self.drop_at = drop_at.upper()
        self.delay = delay
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen()
        self.connections: list[socket.socket] = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            if self.drop_at or self.delay:
                threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        stream = connection.makefile("rb")
        try:
            time.sleep(self.delay)
            connection.sendall(b"220 flaky.example.org ESMTP\r\n")
            for line in stream:
                command = line.decode("ascii", "replace").strip().upper()
                time.sleep(self.delay)
                if self.drop_at and command.startswith(self.drop_at):
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
                    return
                connection.sendall(b"250 flaky.example.org\r\n" if command.startswith("EHLO") else b"250 OK\r\n")
        except OSError:
            return

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; a bare close() would not
        self.listener.close()
        self.thread.join(5)
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()


def test_a_server_that_never_answers_times_out_and_the_message_waits(database, smtp_server):
    queued = enqueue(database)
    smtp_server.stop()
    silent = SilentServer(smtp_server.port)
    try:
        started = time.monotonic()
        outcome = sending.send_due(database, transport(smtp_server.port, timeout=0.5), now=NOW)
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    assert (outcome.retrying, outcome.stopped) == (1, True)
    waiting = entry(database, queued.id)
    assert (waiting.status, split_reason(waiting.last_error)[0]) == ("queued", "timeout")
    smtp_server.start()
    assert sending.send_due(database, transport(smtp_server.port), now=later(1)).sent == 1
    assert message_id(smtp_server.wait_for(1)[0]) == queued.message_id


@pytest.mark.parametrize("drop_at", ["DATA", "RCPT"])
def test_a_connection_dropped_mid_session_keeps_the_message(database, smtp_server, drop_at):
    queued = enqueue(database)
    smtp_server.stop()
    flaky = SilentServer(smtp_server.port, drop_at=drop_at)
    try:
        outcome = sending.send_due(database, transport(smtp_server.port), now=NOW)
    finally:
        flaky.close()
    assert outcome.retrying == 1
    waiting = entry(database, queued.id)
    assert (waiting.status, split_reason(waiting.last_error)[0]) == ("queued", "disconnected")
    smtp_server.start()
    assert sending.send_due(database, transport(smtp_server.port), now=later(1)).sent == 1
    assert message_id(smtp_server.wait_for(1)[0]) == queued.message_id


def test_a_server_that_answers_too_slowly_in_all_is_cut_at_the_deadline(database, smtp_server):
    """Each answer within the timeout, the whole conversation not within the deadline (the lease's safety)."""
    queued = enqueue(database)
    smtp_server.stop()
    slow = SilentServer(smtp_server.port, delay=0.4)
    try:
        started = time.monotonic()
        outcome = sending.send_due(database, transport(smtp_server.port, timeout=1.0, deadline=1.5), now=NOW)
        elapsed = time.monotonic() - started
    finally:
        slow.close()
    assert outcome.retrying == 1
    assert elapsed < 3
    waiting = entry(database, queued.id)
    assert waiting.last_error == "[timeout] no end of the conversation within 1.5 s"
    smtp_server.start()
    assert sending.send_due(database, transport(smtp_server.port), now=later(1)).sent == 1


def test_the_deadline_of_a_message_is_within_the_outboxs_lease():
    from partner_directory.mail.smtp import MESSAGE_DEADLINE

    assert outbox.LEASE.total_seconds() > MESSAGE_DEADLINE
    assert SmtpTransport.from_settings(Settings()).deadline == MESSAGE_DEADLINE


def test_starttls_that_the_server_does_not_offer_fails_for_good(database, smtp_server):
    queued = enqueue(database)
    outcome = sending.send_due(database, transport(smtp_server.port, security="starttls"), now=NOW)
    assert outcome.failed == 1
    assert split_reason(entry(database, queued.id).last_error)[0] == "not_supported"
    assert smtp_server.messages == []


@pytest.fixture
def auth_server() -> Iterator[int]:
    """aiosmtpd that accepts only the user ``office`` with the password ``right`` (plain, on loopback only)."""

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.login == b"office" and auth_data.password == b"right", handled=False)

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    from tests.smtp_server import free_port

    port = free_port()
    controller = Controller(
        Keep(), hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_a_refused_sign_in_fails_for_good_and_the_right_one_sends(database, auth_server):
    queued = enqueue(database)
    outcome = sending.send_due(database, transport(auth_server, user="office", password="wrong"), now=NOW)
    assert outcome.failed == 1
    failed = entry(database, queued.id)
    assert split_reason(failed.last_error)[0] == "auth_refused" and "535" in failed.last_error
    outbox.retry_now(database, queued.id, now=NOW)
    assert sending.send_due(database, transport(auth_server, user="office", password="right"), now=NOW).sent == 1


def test_two_senders_never_send_one_message_twice(database, database_url, smtp_server):
    queued = [enqueue(database, number) for number in range(30)]
    other = Database(database_url)
    errors: list[BaseException] = []

    def sender(opened: Database) -> None:
        try:
            while sending.send_due(opened, transport(smtp_server.port), now=NOW, limit=3).tried:
                pass
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(opened,)) for opened in (database, other, database)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    other.dispose()
    assert errors == []
    smtp_server.wait_for(30)
    time.sleep(0.3)  # a duplicate would arrive now
    received = [message_id(message) for message in smtp_server.messages]
    assert sorted(received) == sorted(entry.message_id for entry in queued)  # each once
    assert {found.status for found in outbox.entries(database)} == {"sent"}


# -- the sender thread --------------------------------------------------------------------------------------


def worker_for(database: Database, port: int, **options: object):
    from dashboard.mail_worker import MailWorker

    return MailWorker(database, transport(port), Settings(), **options)  # type: ignore[arg-type]


def test_the_thread_sends_what_a_page_enqueued_without_any_call_from_the_page(database, smtp_server):
    worker = worker_for(database, smtp_server.port, wake_every=0.2)
    worker.start()
    try:
        queued = outbox.enqueue(database, a_mail(), sender=SENDER, now=dt.datetime.now(dt.UTC))  # the page's one call
        assert message_id(smtp_server.wait_for(1)[0]) == queued.message_id
    finally:
        worker.stop()
    assert not worker.alive


def test_a_nudge_sends_at_once_and_the_thread_survives_a_failing_job_and_a_stopped_server(database, smtp_server):
    def broken_job(database, settings, now):
        raise RuntimeError("a feature's bug")

    def reminder_job(database, settings, now):
        outbox.enqueue(database, a_mail(99, subject="Reminder"), sender=SENDER, now=now)
        return 1

    worker = worker_for(database, smtp_server.port, wake_every=60.0, jobs=(broken_job, reminder_job))
    worker.start()
    try:
        [reminder] = smtp_server.wait_for(1)  # the jobs run at the start, the broken one did not stop the other
        assert reminder.message["Subject"] == "Reminder"
        smtp_server.stop()
        outbox.enqueue(database, a_mail(2), sender=SENDER, now=dt.datetime.now(dt.UTC))
        worker.wake()
        deadline = time.monotonic() + 10
        waiting: list[outbox.OutboxEntry] = []
        while time.monotonic() < deadline and not waiting:
            waiting = [found for found in outbox.entries(database) if found.record == "visit:2" and found.attempts]
            time.sleep(0.05)
        assert worker.alive
        assert split_reason(waiting[0].last_error)[0] == "connection_refused"
        smtp_server.start()
        outbox.retry_now(database, waiting[0].id, now=dt.datetime.now(dt.UTC))
        queued = outbox.enqueue(database, a_mail(3), sender=SENDER, now=dt.datetime.now(dt.UTC))
        worker.wake()  # a wake, not the 60 s tick, sends them
        arrived = smtp_server.wait_for(3, timeout=10)
        assert queued.message_id in {message_id(message) for message in arrived}
    finally:
        worker.stop()
    assert not worker.alive


# -- the staff page's outbox --------------------------------------------------------------------------------


def outbox_page() -> None:
    from dashboard.office import outbox as outbox_view

    outbox_view.outbox_tab("en")


def test_the_outbox_view_says_where_each_message_stands_and_tries_again(monkeypatch, tmp_path, smtp_server):
    prepare(monkeypatch, tmp_path)
    url = f"sqlite:///{tmp_path / 'visits.sqlite'}"
    database = Database(url)
    migrate(database, MIGRATIONS)
    sent = enqueue(database, 1, subject="[click](https://evil.example.net) sent")
    sending.send_due(database, transport(smtp_server.port), now=NOW)
    smtp_server.refuse(550, "5.1.1 <host@example.org> No such user")
    failed = enqueue(database, 2)
    sending.send_due(database, transport(smtp_server.port), now=NOW)
    smtp_server.accept()
    at = AppTest.from_function(outbox_page, default_timeout=60).run()
    assert not at.exception
    said = texts(at)
    assert "Mail is not configured" in said  # no SMTP settings in this test's environment
    assert "The newest 2 messages: 1 sent, 1 failed." in said
    [table] = at.dataframe
    shown = table.value
    assert list(shown["Status"]) == ["failed", "sent"]
    assert list(shown["Kind"]) == ["visit request", "visit request"]
    assert shown["Server's reason"][0].startswith("The mail server refused the recipients: ")
    assert "550 5.1.1 <host@example.org> No such user" in shown["Server's reason"][0]
    assert shown["Subject"][1] == "[click](https://evil.example.net) sent"  # a cell: text, never a link
    at.selectbox(key="outbox_pick").set_value(failed.id).run()
    at.button(key="outbox_retry").click().run()
    assert not at.exception
    assert f"Message #{failed.id} is queued again" in texts(at)
    assert entry(database, failed.id).status == "queued"
    assert sending.send_due(database, transport(smtp_server.port), now=dt.datetime.now(dt.UTC)).sent == 1
    assert entry(database, sent.id).status == "sent"
    database.dispose()
    st.cache_resource.clear()


def test_with_smtp_settings_the_page_names_the_server_and_says_nothing_is_missing(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_SENDER", "bra@example.org")
    at = AppTest.from_function(outbox_page, default_timeout=60).run()
    assert not at.exception
    said = texts(at)
    assert "Mail is not configured" not in said
    assert "Mail goes out through smtp.example.org:587 as bra@example.org" in said
    assert "No messages yet." in said
    st.cache_resource.clear()


# -- the app starts the thread, and a page only enqueues ----------------------------------------------------


def page_that_sends() -> None:
    import streamlit as st

    from dashboard import mail_worker
    from partner_directory.mail.message import Mail

    mail_worker.start()
    entry = mail_worker.enqueue(
        Mail(to=("host@example.org",), subject="From a page", text="x", html="<p>x</p>", purpose="test", record="t:1")
    )
    st.write(f"enqueued {entry.id}")


def page_that_reads_the_password() -> None:
    import streamlit as st

    from dashboard.settings import settings

    st.write("password from secrets" if settings().smtp_password == "from-the-secrets-file" else "no password")


@pytest.fixture
def configured(monkeypatch, tmp_path, smtp_server) -> Iterator[Database]:
    from dashboard import mail_worker

    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_SECURITY", "none")
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_SENDER", "bra@example.org")
    database = Database(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    migrate(database, MIGRATIONS)
    try:
        yield database
    finally:
        for worker in mail_worker._worker:
            worker.stop()
        mail_worker._worker.clear()
        database.dispose()
        st.cache_resource.clear()


def test_a_page_only_enqueues_and_the_apps_thread_sends_it(configured, smtp_server):
    at = AppTest.from_function(page_that_sends, default_timeout=60).run()
    assert not at.exception
    [received] = smtp_server.wait_for(1)
    assert received.sender == "bra@example.org"
    assert received.message["Subject"] == "From a page"
    [sent] = [found for found in outbox.entries(configured) if found.record == "t:1"]
    deadline = time.monotonic() + 10
    while sent.status != "sent" and time.monotonic() < deadline:
        time.sleep(0.05)
        sent = entry(configured, sent.id)
    assert sent.status == "sent"
    at.run()  # a second run starts no second thread
    assert [thread.name for thread in threading.enumerate()].count("bra-mail-sender") == 1


def test_the_app_starts_no_thread_without_smtp_settings(monkeypatch, tmp_path):
    from dashboard import mail_worker

    prepare(monkeypatch, tmp_path)
    assert mail_worker.start() is None
    assert "bra-mail-sender" not in [thread.name for thread in threading.enumerate()]
    st.cache_resource.clear()


def test_the_password_may_come_from_the_secrets_file(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = AppTest.from_function(page_that_reads_the_password, default_timeout=60)
    at.secrets["smtp"] = {"password": "from-the-secrets-file"}
    at.run()
    assert not at.exception
    assert "password from secrets" in texts(at)
    st.cache_resource.clear()


def test_the_app_starts_the_thread_once_per_process(configured, smtp_server):
    from dashboard import mail_worker
    from tests.apptest import app

    at = app().run()
    assert not at.exception
    assert mail_worker._worker and mail_worker._worker[0].alive
    outbox.enqueue(configured, a_mail(), sender=SENDER, now=dt.datetime.now(dt.UTC))  # no nudge: the tick sends it
    assert len(smtp_server.wait_for(1)) == 1


# -- STARTTLS and TLS with a certificate the client checks --------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (Debian's ``openssl``), and its key."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


class Keeper:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_starttls_and_tls_check_the_certificate_and_send(database, certificate, security):
    import ssl

    from tests.smtp_server import free_port

    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    keeper, port = Keeper(), free_port()
    if security == "starttls":
        controller = Controller(
            keeper, hostname="127.0.0.1", port=port, tls_context=server_context, require_starttls=True
        )
    else:
        controller = Controller(keeper, hostname="127.0.0.1", port=port, ssl_context=server_context)
    controller.start()
    try:
        first = enqueue(database, 1)
        # The system's trust store does not know the test's certificate: refused, and said why.
        outcome = sending.send_due(database, transport(port, security=security), now=NOW)
        assert (outcome.retrying, keeper.received) == (1, [])
        assert split_reason(entry(database, first.id).last_error)[0] == "tls"
        trusting = ssl.create_default_context(cafile=cert)
        assert sending.send_due(database, transport(port, security=security, context=trusting), now=later(1)).sent == 1
        [raw] = keeper.received
        assert first.message_id.encode() in raw
    finally:
        controller.stop()


def test_a_database_that_is_away_leaves_the_page_working_and_the_start_is_tried_again_later(monkeypatch, tmp_path):
    from dashboard import mail_worker

    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_DATABASE_URL", "sqlite:////proc/no-such-folder/visits.sqlite")
    monkeypatch.setenv("PARTNER_DIRECTORY_SMTP_HOST", "127.0.0.1")
    try:
        at = AppTest.from_function(page_that_starts, default_timeout=60).run()
        assert not at.exception
        assert "no sender" in texts(at)
        assert mail_worker._failed_at  # remembered: the next runs within a minute do not try (nor log) again
        assert "bra-mail-sender" not in [thread.name for thread in threading.enumerate()]
    finally:
        mail_worker._failed_at.clear()
        st.cache_resource.clear()


def page_that_starts() -> None:
    import streamlit as st

    from dashboard import mail_worker

    st.write("sender" if mail_worker.start() else "no sender")
    st.write("no sender again" if mail_worker.start() is None else "sender")
