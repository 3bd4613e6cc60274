"""The visit request mailed to the host, the host's answer through a link, and the reminders.

With mail configured (``PARTNER_DIRECTORY_SMTP_HOST``), a member's request goes
to the host's contact person from the app itself (:func:`send_request`): the
member in ``Reply-To`` and in copy, the ``.ics`` attached, the BRA terms the
host agreed to, the home office vouching for the visitor, and two links that
act without an account — "Confirm these days" and "Propose other days or
decline" (``access.tokens``: bound to ``visit:<id>`` and one purpose, stored
hashed, expiring by :func:`link_expiry`, used once). :func:`answer_by_link`
records the host's answer in the register and tells the member and the office;
:func:`remind` reminds the host, then the office, of requests left unanswered.

Every message only enters the outbox (``mail.outbox.enqueue``); the mailer's
sender sends it. The texts are in the mail's language, chosen as the visit
e-mail's (:func:`~partner_directory.visits.rules.email_languages`); every text
of anyone's is escaped in the HTML part.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from partner_directory.access import tokens
from partner_directory.config import Settings
from partner_directory.errors import InvalidValueError
from partner_directory.geo.countries import country_name
from partner_directory.i18n import normalise_language, t, tn
from partner_directory.mail.message import Attachment, Mail
from partner_directory.mail.outbox import OutboxEntry, enqueue
from partner_directory.storage.database import Database
from partner_directory.visits.register import HostAnswer, Register, Visit, check_answer, record_of
from partner_directory.visits.rules import (
    HOME_COUNTRY,
    MAX_WORKING_DAYS,
    Host,
    HostCalendar,
    VisitRequest,
    visit_calendar,
    visit_email,
)

#: The public pages behind the links (``dashboard.host_answer`` serves them).
CONFIRM_PATH = "/_bra/visit/confirm"
ANSWER_PATH = "/_bra/visit/answer"
#: Which page each link purpose opens, and which answers it may record.
LINK_PATHS = {"visit_confirm": CONFIRM_PATH, "visit_answer": ANSWER_PATH}
ALLOWED_ANSWERS = {"visit_confirm": ("confirmed",), "visit_answer": ("declined", "proposed")}
#: A link works at most this long …
LINK_DAYS = 30
#: … and no longer than this many days after the visit's last day.
LINK_GRACE_DAYS = 3

#: Kinds of message (``Mail.purpose``), so a page can ask the outbox where each stands.
REQUEST = "visit_request"
ANSWER = "visit_answer"
HOST_REMINDER = "host_reminder"
OFFICE_REMINDER = "office_reminder"


def visit_of(record: str) -> int:
    """The visit id of a link's record; raises ``InvalidValueError`` for a record that is not a visit's.

    >>> visit_of("visit:12")
    12
    """
    kind, _, number = record.partition(":")
    if kind != "visit" or not number.isdigit():
        raise InvalidValueError("visit_not_found", visit=record)
    return int(number)


def link_expiry(now: dt.datetime, visit_end: dt.date) -> dt.datetime:
    """When a link mailed at ``now`` stops working: after :data:`LINK_DAYS`, or :data:`LINK_GRACE_DAYS` after the visit.

    Whichever comes first; never before ``now``.

    >>> now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    >>> link_expiry(now, dt.date(2027, 3, 1)).isoformat()
    '2026-12-31T09:00:00+00:00'
    >>> link_expiry(now, dt.date(2026, 12, 16)).isoformat()
    '2026-12-20T00:00:00+00:00'
    """
    after_visit = dt.datetime.combine(visit_end + dt.timedelta(days=LINK_GRACE_DAYS + 1), dt.time(), tzinfo=dt.UTC)
    return max(now, min(now + dt.timedelta(days=LINK_DAYS), after_visit))


def working_days_after(start: dt.date, days: int, calendar: HostCalendar) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted) in ``calendar``.

    >>> working_days_after(dt.date(2026, 12, 4), 3, HostCalendar("PL"))  # Friday: Monday, Tuesday, Wednesday
    datetime.date(2026, 12, 9)
    """
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def link(settings: Settings, purpose: str, token: str, language: str) -> str:
    """The address of a link page: the app's public URL, the page of ``purpose``, the token and the language."""
    query = urlencode({"token": token, "lang": normalise_language(language)})
    return f"{settings.public_url.rstrip('/')}{LINK_PATHS[purpose]}?{query}"


@dataclass(frozen=True)
class Links:
    """The two links of one request or reminder."""

    confirm: str
    answer: str


def issue_links(database: Database, visit: Visit, settings: Settings, *, now: dt.datetime, language: str) -> Links:
    """A new pair of links for ``visit``, valid until :func:`link_expiry`."""
    lifetime = link_expiry(now, visit.end) - now
    record = record_of(visit.id)
    made = {
        purpose: link(settings, purpose, tokens.issue(database, purpose, record, now=now, lifetime=lifetime), language)
        for purpose in LINK_PATHS
    }
    return Links(confirm=made["visit_confirm"], answer=made["visit_answer"])


# -- the messages --------------------------------------------------------------------------------------------


def _html(paragraphs: Sequence[str], language: str, *, links: Sequence[tuple[str, str]] = (), footer: str = "") -> str:
    """A small HTML document: every paragraph escaped (line breaks kept), the links as buttons, then ``footer``."""
    body = "".join(
        "<p>" + "<br>".join(html.escape(line) for line in paragraph.split("\n")) + "</p>" for paragraph in paragraphs
    )
    buttons = "".join(
        f'<p><a href="{html.escape(href, quote=True)}" style="display:inline-block;padding:10px 16px;'
        f'background:#0b5394;color:#ffffff;text-decoration:none;border-radius:4px">{html.escape(label)}</a></p>'
        for label, href in links
    )
    ending = f"<p>{html.escape(footer)}</p>" if footer else ""
    return (
        f'<!DOCTYPE html><html lang="{html.escape(language)}"><head><meta charset="utf-8"></head>'
        f'<body style="font-family:sans-serif;line-height:1.5">{body}{buttons}{ending}</body></html>'
    )


def terms(offered: Sequence[str], language: str) -> list[str]:
    """The BRA terms the host agreed to, one line each, in ``language``: days, services as offered, introductions, events."""
    basics = [s for s in ("desk", "meeting_room", "internet") if s in offered] or ["desk", "meeting_room", "internet"]
    days = tn("count.consecutive_working_days", MAX_WORKING_DAYS, language)
    return [
        t("host_answer.terms.days", language, days=days),
        t("host_answer.terms.services", language, services=", ".join(t(f"service.{s}", language) for s in basics)),
        t("host_answer.terms.introductions", language),
        t("host_answer.terms.events", language),
    ]


def request_mail(
    visit: Visit,
    request: VisitRequest,
    host: Host,
    *,
    offered: Sequence[str],
    links: Links,
    settings: Settings,
    language: str,
    vouched: bool,
    stamp: dt.datetime,
) -> Mail:
    """The request to the host's contact: the visit e-mail's text, the terms, who vouches, two links, the ``.ics``.

    The member is in ``Reply-To`` and in copy, so the host's reply reaches them;
    the office is not copied (it is told of the answer).
    """
    home = {"home_cluster_name": settings.home_cluster_name, "home_cluster_email": settings.home_cluster_email}
    subject, body = visit_email(request, host, language=language, **home)
    vouch = (
        t(
            "host_answer.vouch",
            language,
            home=settings.home_cluster_name,
            name=request.member_name,
            company=request.member_company,
        )
        if vouched
        else t("host_answer.vouch_unsigned", language, home=settings.home_cluster_name, company=request.member_company)
    )
    agreed = terms(offered, language)
    how = t("host_answer.how", language)
    text = "\n".join(
        [
            body.rstrip(),
            "",
            t("host_answer.terms_title", language),
            *(f"- {line}" for line in agreed),
            "",
            vouch,
            "",
            how,
            f"{t('host_answer.confirm_link', language)}: {links.confirm}",
            f"{t('host_answer.answer_link', language)}: {links.answer}",
            "",
            t("host_answer.link_note", language),
        ]
    )
    paragraphs = [body.rstrip(), t("host_answer.terms_title", language) + "\n" + "\n".join(agreed), vouch, how]
    document = _html(
        paragraphs,
        language,
        links=[
            (t("host_answer.confirm_link", language), links.confirm),
            (t("host_answer.answer_link", language), links.answer),
        ],
        footer=t("host_answer.link_note", language),
    )
    calendar = visit_calendar(request, host, stamp=stamp, language=language, **home)
    return Mail(
        to=(host.contact_email,),
        cc=(visit.member_email,),
        reply_to=visit.member_email,
        subject=subject,
        text=text + "\n",
        html=document,
        purpose=REQUEST,
        record=record_of(visit.id),
        language=language,
        attachments=(Attachment(f"bra-visit-{request.start.isoformat()}.ics", "text/calendar", calendar),),
    )


def answer_words(visit: Visit, language: str) -> list[str]:
    """The host's answer in sentences: what it answered, other days proposed, its note."""
    lines = [
        t(
            f"host_answer.told.{visit.host_answer or 'confirmed'}",
            language,
            partner=visit.partner_name,
            start=visit.start.isoformat(),
            end=visit.end.isoformat(),
        )
    ]
    if visit.proposed_start and visit.proposed_end:
        lines.append(
            t(
                "host_answer.told.other_days",
                language,
                start=visit.proposed_start.isoformat(),
                end=visit.proposed_end.isoformat(),
            )
        )
    if visit.host_note:
        lines.append(t("host_answer.told.note", language, note=visit.host_note))
    return lines


def answer_mail(visit: Visit, settings: Settings) -> Mail:
    """The host's answer, to the member (the office in copy), in the member's language; to the office alone without them."""
    language = normalise_language(visit.member_language or visit.language)
    recipients = (visit.member_email,) if visit.member_email else (settings.home_cluster_email,)
    copy = (settings.home_cluster_email,) if visit.member_email else ()
    subject = t(f"host_answer.told_subject.{visit.host_answer}", language, partner=visit.partner_name, id=visit.id)
    lines = [*answer_words(visit, language), t("host_answer.told.register", language, id=visit.id)]
    return Mail(
        to=recipients,
        cc=copy,
        subject=subject,
        text="\n\n".join(lines) + "\n",
        html=_html(lines, language),
        purpose=ANSWER,
        record=record_of(visit.id),
        language=language,
    )


def host_reminder_mail(visit: Visit, links: Links, settings: Settings) -> Mail:
    """The reminder to the host: the request waits for an answer, with two new links."""
    language = normalise_language(visit.language)
    country = country_name(visit.country, language) if visit.country else ""
    office = " · ".join(p for p in (visit.partner_name, visit.office_name, visit.city, country) if p)
    lines = [
        t(
            "host_answer.reminder.host",
            language,
            home=settings.home_cluster_name,
            company=visit.member_company,
            start=visit.start.isoformat(),
            end=visit.end.isoformat(),
            office=office,
        ),
        t("host_answer.how", language),
    ]
    text = "\n\n".join(
        [
            *lines,
            f"{t('host_answer.confirm_link', language)}: {links.confirm}\n"
            f"{t('host_answer.answer_link', language)}: {links.answer}",
        ]
    )
    return Mail(
        to=(visit.host_email,),
        cc=(visit.member_email,) if visit.member_email else (),
        reply_to=visit.member_email or settings.home_cluster_email,
        subject=t("host_answer.reminder.host_subject", language, start=visit.start.isoformat()),
        text=text + "\n",
        html=_html(
            lines,
            language,
            links=[
                (t("host_answer.confirm_link", language), links.confirm),
                (t("host_answer.answer_link", language), links.answer),
            ],
        ),
        purpose=HOST_REMINDER,
        record=record_of(visit.id),
        language=language,
    )


def office_reminder_mail(visit: Visit, settings: Settings, *, days: int) -> Mail:
    """The office is told that the host has not answered a request in ``days`` working days."""
    language = settings.office_language
    lines = [
        t(
            "host_answer.reminder.office",
            language,
            id=visit.id,
            partner=visit.partner_name,
            company=visit.member_company,
            start=visit.start.isoformat(),
            end=visit.end.isoformat(),
            days=tn("count.working_days", days, language),
            email=visit.host_email,
        )
    ]
    return Mail(
        to=(settings.home_cluster_email,),
        subject=t("host_answer.reminder.office_subject", language, id=visit.id, partner=visit.partner_name),
        text="\n\n".join(lines) + "\n",
        html=_html(lines, language),
        purpose=OFFICE_REMINDER,
        record=record_of(visit.id),
        language=language,
    )


# -- the flows -----------------------------------------------------------------------------------------------


def _enqueue(database: Database, mail: Mail, settings: Settings, now: dt.datetime) -> OutboxEntry:
    return enqueue(database, mail, sender=settings.mail_sender, sender_name=settings.mail_sender_name, now=now)


def send_request(
    database: Database,
    visit_id: int,
    request: VisitRequest,
    host: Host,
    *,
    offered: Sequence[str],
    settings: Settings,
    language: str,
    member_language: str,
    vouched: bool,
    now: dt.datetime,
) -> OutboxEntry | None:
    """Mail the recorded request ``visit_id`` to the host, once; ``None`` when it was mailed before.

    Earlier links of the visit are revoked, two new ones issued, the message
    put in the outbox. A failure to enqueue leaves the request unmailed, so the
    member may send it again.
    """
    register = Register(database)
    if not register.mark_mailed(visit_id, host_email=host.contact_email, member_language=member_language, now=now):
        return None
    try:
        visit = register.get(visit_id)
        tokens.revoke(database, record=record_of(visit_id), now=now)
        links = issue_links(database, visit, settings, now=now, language=language)
        mail = request_mail(
            visit,
            request,
            host,
            offered=offered,
            links=links,
            settings=settings,
            language=language,
            vouched=vouched,
            stamp=now,
        )
        return _enqueue(database, mail, settings, now)
    except BaseException:
        register.unmark_mailed(visit_id)
        raise


def revoke_links(database: Database, visit_id: int, *, now: dt.datetime) -> int:
    """Staff changed the visit's status: its links no longer answer (they would overwrite staff's word)."""
    return tokens.revoke(database, record=record_of(visit_id), now=now)


def visit_for_link(database: Database, token: str, purpose: str, *, now: dt.datetime) -> Visit:
    """The one visit a link is for (its opening is noted); raises ``TokenError`` with a sentence for a bad link."""
    grant = tokens.look_up(database, token, purpose, now=now)
    return Register(database).get(visit_of(grant.record))


def answer_by_link(
    database: Database, token: str, purpose: str, answer: HostAnswer, *, settings: Settings, now: dt.datetime
) -> Visit:
    """Record the host's ``answer`` through the link ``token``; tell the member and the office; return the visit.

    The link is spent (it works once) and every other link of the visit
    revoked. Raises ``TokenError`` for a bad link, ``InvalidValueError`` for an
    answer this link may not give or the register refuses.
    """
    tokens.look_up(database, token, purpose, now=now, mark_opened=False)  # a bad link is told before the answer
    if answer.kind not in ALLOWED_ANSWERS.get(purpose, ()):
        raise InvalidValueError("visit_invalid", problems=["host_answer.problem.kind"])
    problems = check_answer(answer)
    if problems:
        raise InvalidValueError("visit_invalid", problems=problems)
    grant = tokens.use(database, token, purpose, now=now)
    tokens.revoke(database, record=grant.record, now=now)
    visit = Register(database).answer(visit_of(grant.record), answer, now=now)
    if settings.mail_configured:
        _enqueue(database, answer_mail(visit, settings), settings, now)
    return visit


def remind(database: Database, settings: Settings, now: dt.datetime) -> int:
    """Enqueue the reminders that are due; return how many.

    The host is reminded, once, :attr:`Settings.host_reminder_days` working days
    (its own) after the request was mailed, with two new links (unless the visit
    is over, and links would no longer work); the office is told, once, :attr:`Settings.office_reminder_days` working days (ours) after.
    Each is noted in the register before it is enqueued, so two senders remind once.
    """
    if not settings.mail_configured:
        return 0
    register = Register(database)
    today = now.astimezone(dt.UTC).date()
    sent = 0
    for visit in register.awaiting_answer():
        assert visit.mailed_at is not None  # awaiting_answer() gives only mailed requests
        mailed = visit.mailed_at.astimezone(dt.UTC).date()
        host_due = working_days_after(mailed, settings.host_reminder_days, HostCalendar(visit.country))
        links_work = link_expiry(now, visit.end) > now  # a visit long over gets no links nobody can use
        host_due_now = visit.host_reminded_at is None and visit.host_email and links_work and today >= host_due
        if host_due_now and register.mark_reminded(visit.id, "host", now=now):
            links = issue_links(database, visit, settings, now=now, language=visit.language)
            _enqueue(database, host_reminder_mail(visit, links, settings), settings, now)
            sent += 1
        office_due = working_days_after(mailed, settings.office_reminder_days, HostCalendar(HOME_COUNTRY))
        office_due_now = visit.office_reminded_at is None and today >= office_due
        if office_due_now and register.mark_reminded(visit.id, "office", now=now):
            mail = office_reminder_mail(visit, settings, days=settings.office_reminder_days)
            _enqueue(database, mail, settings, now)
            sent += 1
    return sent
