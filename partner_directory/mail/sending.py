"""Sending what is due: claim one message, send it, mark it; the sender loop of every process calls :func:`send_due`.

Messages are claimed one at a time, so a message is held by one sender only
while that sender is sending it, and a conversation is cut after
``smtp.MESSAGE_DEADLINE`` (90 s), well within the outbox's lease (2 minutes):
two senders, in two threads or two processes, never send one message twice. A temporary failure puts the message back in the queue
for its back-off (``outbox.retry_delay``) with the server's reason; a permanent
one leaves it ``failed`` with the reason. When the connection itself failed
(refused, timed out, dropped), the pass ends there: the next messages would
meet the same server, and wait in the queue untouched until the next pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from partner_directory.i18n import t, tables
from partner_directory.mail import outbox
from partner_directory.mail.smtp import SendFailure, Transport, split_reason
from partner_directory.storage.database import Database

log = logging.getLogger(__name__)

#: The most messages one pass sends; the loop comes back at once for more.
PASS_LIMIT = 50


@dataclass(frozen=True)
class Outcome:
    """What one pass did: how many messages were sent, put back for a later try, or failed for good."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: The pass ended early because the connection failed (the rest waits for the next pass).
    stopped: bool = False

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.failed


def due(database: Database, *, now: dt.datetime) -> bool:
    """Whether any message is due: one cheap read, so an idle loop never takes the write lock."""
    table = outbox.outbox_table
    query = (
        sa.select(table.c.id)
        .where(table.c.status == "queued", table.c.next_attempt_at <= now)
        .where(sa.or_(table.c.lease_until.is_(None), table.c.lease_until < now))
        .limit(1)
    )
    with database.read() as connection:
        return connection.execute(query).first() is not None


def send_due(database: Database, transport: Transport, *, now: dt.datetime, limit: int = PASS_LIMIT) -> Outcome:
    """Send the messages due at ``now``, one claimed at a time, at most ``limit``; see the module's docstring.

    Raises ``DatabaseError`` when the outbox cannot be read or written (the
    message being sent then stays leased and is taken again after the lease).
    """
    sent = retrying = failed = 0
    stopped = False
    with transport.session() as session:
        for _ in range(limit):
            claimed = outbox.claim(database, now=now, limit=1)
            if not claimed:
                break
            message = claimed[0]
            try:
                refused = session.send(message.recipients, message.raw)
            except SendFailure as failure:
                status = outbox.mark_failed(database, message.id, failure.reason, now=now, permanent=failure.permanent)
                log.warning("mail %s not sent (%s): %s", message.id, status, failure.reason)
                if status == "failed":
                    failed += 1
                else:
                    retrying += 1
                if failure.connection:
                    stopped = True
                    break
                continue
            outbox.mark_sent(database, message.id, now=now)
            sent += 1
            if refused:
                log.warning("mail %s sent, but the server refused %s", message.id, sorted(refused))
    return Outcome(sent=sent, retrying=retrying, failed=failed, stopped=stopped)


def purpose_name(purpose: str, language: str) -> str:
    """A message's kind in words (``mail_sending.purpose.<purpose>``), or as its feature named it when there are none.

    >>> purpose_name("visit_request", "pl"), purpose_name("newsletter", "pl")
    ('prośba o wizytę', 'newsletter')
    """
    key = f"mail_sending.purpose.{purpose}"
    return t(key, language) if key in tables() else purpose


def failure_sentence(stored: str, language: str) -> str:
    """A stored reason as a page says it: what happened in words, then the server's own text.

    >>> failure_sentence("[connection_refused] [Errno 111] Connection refused", "en")
    'The mail server could not be reached (connection refused): [Errno 111] Connection refused'
    """
    if not stored:
        return ""
    kind, detail = split_reason(stored)
    if not kind:
        return detail
    return t(f"mail_sending.reason.{kind}", language, detail=detail)
