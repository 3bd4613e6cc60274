"""Send what waits in the outbox through a real SMTP server, as the mailer's sender does (claim, send, mark).

The tests of the host's answer drive the outbox themselves with ``outbox.claim``
and a plain ``smtplib`` send, so they do not depend on the sender loop's timing.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import smtplib
from email.message import EmailMessage

from partner_directory.mail import outbox
from partner_directory.storage.database import Database


def deliver(database: Database, port: int, *, now: dt.datetime | None = None) -> int:
    """Send every due message through the SMTP server on 127.0.0.1:``port``; return how many were sent."""
    moment = now or dt.datetime.now(dt.UTC)
    sent = 0
    for claimed in outbox.claim(database, now=moment):
        message = email.message_from_bytes(claimed.raw, policy=email.policy.default)
        sender = email.utils.parseaddr(str(message["From"]))[1]
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as server:
            server.sendmail(sender, list(claimed.recipients), claimed.raw)
        outbox.mark_sent(database, claimed.id, now=moment)
        sent += 1
    return sent


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the message has no HTML part"
    return part.get_content()


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no plain-text part"
    return part.get_content()


def links_in(text: str) -> list[str]:
    """Every http(s) address in ``text``, in order."""
    return re.findall(r"https?://[^\s\"'<>]+", text)
