"""A message the app sends, and the one way it becomes an RFC 5322 e-mail.

:class:`Mail` is what a feature writes (visit request, host's answer, reminder,
data check): recipients, subject, plain text and HTML, attachments, and what it
is about (``purpose`` and ``record``, so a page can say where each message
stands). :func:`rendered` turns it into bytes once, with its ``Message-ID``,
when it enters the outbox; a retry sends the very same bytes.
"""

from __future__ import annotations

import email.policy
import email.utils
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage

from partner_directory.errors import InvalidValueError
from partner_directory.links import is_email
from partner_directory.text import ONE_LINE, without_controls


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, e.g. the visit's ``.ics`` (``text/calendar``)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    """One message to send: ``to``, ``cc`` and ``reply_to`` hold plain addresses.

    ``purpose`` names the kind of message (``visit_request``, ``visit_answer``,
    ``host_reminder``, ``data_check`` …) and ``record`` the record it is about
    (``visit:12``, ``partner:pomeranian-ict-gdansk``), so the outbox can be
    asked about one record. ``html`` is a whole document, already escaped by
    its writer; ``text`` is its plain-text twin.
    """

    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    purpose: str
    record: str
    cc: tuple[str, ...] = ()
    reply_to: str = ""
    language: str = "en"
    attachments: tuple[Attachment, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.to:
            raise InvalidValueError("mail_no_recipient")
        for address in (*self.to, *self.cc, *((self.reply_to,) if self.reply_to else ())):
            if not is_email(address):
                raise InvalidValueError("mail_bad_address", value=address)

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message goes to (the envelope): ``to`` then ``cc``, each once."""
        return tuple(dict.fromkeys((*self.to, *self.cc)))


def message_id(domain: str) -> str:
    """A new, unique ``Message-ID`` on ``domain`` (the sender's domain)."""
    return email.utils.make_msgid(domain=domain or "localhost")


def rendered(mail: Mail, *, sender: str, sender_name: str = "", msgid: str) -> bytes:
    """``mail`` as the bytes of an e-mail: plain text and HTML alternatives, attachments, ``Message-ID`` ``msgid``.

    Header values are one line (control characters and line breaks removed),
    so no text of anyone's can add a header.
    """
    if not is_email(sender):
        raise InvalidValueError("mail_bad_address", value=sender)
    message = EmailMessage(policy=email.policy.SMTP)
    local, _, domain = sender.partition("@")
    message["From"] = Address(display_name=_one_line(sender_name), username=local, domain=domain)
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = _one_line(mail.subject)
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = msgid
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=_one_line(attachment.filename),
        )
    # Last: set_content and the change to multipart move or clear every Content-* header.
    message["Content-Language"] = mail.language
    return message.as_bytes()


def _one_line(value: str) -> str:
    return " ".join(without_controls(value, kind=ONE_LINE).split())
