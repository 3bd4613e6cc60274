"""The sender loop: one thread per process sends what the outbox holds, so a page never waits for a mail server.

A page only enqueues (:func:`enqueue`: one insert, then a nudge). The thread
(:class:`MailWorker`, started once per process by :func:`start`, which
``app.py`` calls at every run) wakes every few seconds and at once after a
nudge, sends what is due (``partner_directory.mail.sending.send_due``: claimed
one at a time, so the processes behind nginx share the outbox without sending
a message twice), and every few minutes runs the reminder jobs
(``dashboard.mail_jobs.JOBS``). A failure of the database, the server
or a job is logged and the loop goes on; :meth:`MailWorker.stop` ends it
cleanly (also at the process' exit).

Without SMTP settings no thread starts and pages work as before (``mailto:``,
``.ics``, copy the text); :func:`say_not_configured` is the one sentence that
says so, for every page that would otherwise send.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence

import streamlit as st

from dashboard import data, mail_jobs
from dashboard.settings import settings
from partner_directory.config import Settings
from partner_directory.i18n import t
from partner_directory.mail import outbox, sending
from partner_directory.mail.message import Mail
from partner_directory.mail.smtp import SmtpTransport, Transport
from partner_directory.storage.database import Database

log = logging.getLogger("partner_directory.mail.worker")

#: Seconds between two looks at the outbox when nothing nudges the thread.
WAKE_EVERY = 5.0
#: Seconds between two runs of the reminder jobs.
JOBS_EVERY = 600.0
#: The thread's name: one per process, whichever copy of this module started it.
THREAD_NAME = "bra-mail-sender"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MailWorker:
    """The sender thread of one process; see the module's docstring."""

    def __init__(
        self,
        database: Database,
        transport: Transport,
        settings: Settings,
        *,
        jobs: Sequence[mail_jobs.Job] = mail_jobs.JOBS,
        wake_every: float = WAKE_EVERY,
        jobs_every: float = JOBS_EVERY,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.database = database
        self.transport = transport
        self.settings = settings
        self.jobs = tuple(jobs)
        self.wake_every = wake_every
        self.jobs_every = jobs_every
        self.clock = clock
        self._nudged = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: Passes made (for tests and the log): each a look at the outbox.
        self.passes = 0

    def start(self) -> None:
        """Start the thread (a daemon: it never keeps a process alive)."""
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Look at the outbox now rather than at the next tick (after an enqueue)."""
        self._nudged.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the loop after the message being sent, and wait up to ``timeout`` seconds for it."""
        self._stopping.set()
        self._nudged.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run_jobs(self, now: dt.datetime) -> int:
        """Run every reminder job once; return how many messages they enqueued. A job that fails is logged."""
        enqueued = 0
        for job in self.jobs:
            try:
                enqueued += int(job(self.database, self.settings, now))
            except Exception:
                log.exception("mail job %s failed", getattr(job, "__qualname__", job))
        return enqueued

    def send_once(self, now: dt.datetime) -> sending.Outcome:
        """One pass: send what is due at ``now`` (a cheap read first, so an idle pass takes no write lock)."""
        if not sending.due(self.database, now=now):
            return sending.Outcome()
        outcome = sending.send_due(self.database, self.transport, now=now)
        if outcome.tried:
            log.info(
                "mail: %d sent, %d to retry, %d failed%s",
                outcome.sent,
                outcome.retrying,
                outcome.failed,
                " (connection failed; the rest waits)" if outcome.stopped else "",
            )
        return outcome

    def _run(self) -> None:
        next_jobs = time.monotonic()
        while not self._stopping.is_set():
            self._nudged.clear()
            more = False
            try:
                if time.monotonic() >= next_jobs:
                    next_jobs = time.monotonic() + self.jobs_every
                    if self.run_jobs(self.clock()):
                        more = True
                outcome = self.send_once(self.clock())
                # A full pass that met no broken connection: more may be due at once.
                more = more or (outcome.tried >= sending.PASS_LIMIT and not outcome.stopped)
            except Exception:  # the database or the server is away: said in the log, tried again at the next tick
                log.exception("mail: the sender's pass failed")
            self.passes += 1
            if not more:
                self._nudged.wait(self.wake_every)


# -- one per process ----------------------------------------------------------------------------------------

_lock = threading.Lock()
_worker: list[MailWorker] = []
#: After a failed start (the database away), the next try waits this many seconds: no log line at every run.
START_RETRY_EVERY = 60.0
_failed_at: list[float] = []


def _running_elsewhere() -> bool:
    # A copy of this module reloaded by Streamlit's file watcher (development) finds the first copy's thread.
    return any(thread.name == THREAD_NAME and thread.is_alive() for thread in threading.enumerate())


def start() -> MailWorker | None:
    """Start this process' sender thread once, when mail is configured; cheap at every later run.

    Returns the running worker (``None`` without SMTP settings, or when the
    database cannot be opened yet: the next run tries again). Never raises.
    """
    if _worker and _worker[0].alive:
        return _worker[0]
    if _failed_at and time.monotonic() - _failed_at[0] < START_RETRY_EVERY:
        return None
    try:
        config = settings()
        if not config.mail_configured:
            return None
        with _lock:
            if _worker and _worker[0].alive:
                return _worker[0]
            if _running_elsewhere():
                return None
            worker = MailWorker(data.register().database, SmtpTransport.from_settings(config), config)
            worker.start()
            _worker[:] = [worker]
            _failed_at.clear()
            atexit.register(worker.stop)
            return worker
    except Exception:  # the page goes on; mail waits in the outbox until a later run starts the thread
        log.exception("mail: the sender thread could not start; trying again in %g s", START_RETRY_EVERY)
        _failed_at[:] = [time.monotonic()]
        return None


def wake() -> None:
    """Nudge this process' sender thread (after an enqueue or a retry); nothing when there is none."""
    if _worker:
        _worker[0].wake()


def enqueue(mail: Mail) -> outbox.OutboxEntry:
    """Put ``mail`` in the outbox, from the settings' sender, and nudge the thread: what a page calls to send.

    Raises ``DatabaseError`` when the outbox cannot be written.
    """
    config = settings()
    entry = outbox.enqueue(
        data.register().database,
        mail,
        sender=config.mail_sender,
        sender_name=config.mail_sender_name,
        now=utc_now(),
    )
    wake()
    return entry


def mail_configured() -> bool:
    """Whether the app sends mail itself (SMTP settings are given)."""
    return settings().mail_configured


def say_not_configured(lang: str, *, staff: bool = False) -> bool:
    """Say in one sentence that mail is not configured, when it is not; return whether it is.

    The one owner of that sentence: members' pages get what they can do instead
    (the e-mail link, the calendar file, copying the text), staff what to set.
    """
    if mail_configured():
        return True
    st.info(t("mail_sending.not_configured_staff" if staff else "mail_sending.not_configured", lang))
    return False
