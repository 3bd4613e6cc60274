"""Send what waits in the outbox through a real SMTP server with the app's own sender (``mail.sending.send_due``).

The tests of the host's answer call it to send at a moment they choose (``now``
past a reminder's day, say) instead of waiting for the sender thread; where an app
server with SMTP settings runs beside them, its thread may have sent first, so a
test counts what the SMTP server received, not what this call sent.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from partner_directory.mail.sending import send_due
from partner_directory.mail.smtp import SmtpTransport
from partner_directory.storage.database import Database


def deliver(database: Database, port: int, *, now: dt.datetime | None = None) -> int:
    """Send every due message through the SMTP server on 127.0.0.1:``port``; return how many this call sent."""
    transport = SmtpTransport(host="127.0.0.1", port=port, security="none")
    return send_due(database, transport, now=now or dt.datetime.now(dt.UTC)).sent


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
