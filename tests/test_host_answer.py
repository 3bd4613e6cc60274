"""The visit request mailed to the host and answered through a link, without a browser (issue 21).

Pure decisions as tables (how long a link works, when a reminder is due, which
answers are valid); the register's answers on SQLite and PostgreSQL; the whole
loop through a real SMTP server on 127.0.0.1: the request mail as the host
receives it, the host's answer through its link, the member and the office
told, a used or withdrawn link refused, the reminders sent once each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from partner_directory.access import tokens
from partner_directory.config import Settings
from partner_directory.errors import InvalidValueError, TokenError
from partner_directory.mail import outbox
from partner_directory.visits import mailing
from partner_directory.visits.mailing import (
    answer_by_link,
    link_expiry,
    remind,
    send_request,
    visit_for_link,
    working_days_after,
)
from partner_directory.visits.register import Change, HostAnswer, NewVisit, Register, check_answer, from_request
from partner_directory.visits.report import answers_sentence, year_report
from partner_directory.visits.rules import Host, HostCalendar, VisitRequest
from tests.mail_delivery import deliver, html_part, links_in, text_part

UTC = dt.UTC
HOSTILE_COMPANY = "**Acme** <b>bold</b> [x](javascript:alert(1)) & Co"
MEMBER = "anna@amberbyte.example.org"
HOST_EMAIL = "hosting@bavarian-robotics.example.org"
OFFICE = "office@pomeranian-ict.example.org"


# -- pure decisions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "visit_end", "expires"),
    [
        # Far-off visit: thirty days from the mail.
        (dt.datetime(2026, 12, 1, 9, tzinfo=UTC), dt.date(2027, 3, 1), dt.datetime(2026, 12, 31, 9, tzinfo=UTC)),
        # A visit soon: three days after its last day, at midnight UTC.
        (dt.datetime(2026, 12, 1, 9, tzinfo=UTC), dt.date(2026, 12, 16), dt.datetime(2026, 12, 20, tzinfo=UTC)),
        # Exactly the same moment either way.
        (dt.datetime(2026, 12, 1, 0, tzinfo=UTC), dt.date(2026, 12, 27), dt.datetime(2026, 12, 31, tzinfo=UTC)),
        # A visit already over: the link is dead at once, never valid "backwards".
        (dt.datetime(2026, 12, 1, 9, tzinfo=UTC), dt.date(2026, 11, 1), dt.datetime(2026, 12, 1, 9, tzinfo=UTC)),
    ],
)
def test_link_expiry(now, visit_end, expires):
    assert link_expiry(now, visit_end) == expires


@pytest.mark.parametrize(
    ("country", "start", "days", "due"),
    [
        ("PL", dt.date(2026, 12, 7), 3, dt.date(2026, 12, 10)),  # Monday → Thursday
        ("PL", dt.date(2026, 12, 4), 3, dt.date(2026, 12, 9)),  # Friday: the weekend does not count
        ("DE", dt.date(2026, 12, 18), 3, dt.date(2026, 12, 23)),
        ("DE", dt.date(2026, 12, 23), 3, dt.date(2026, 12, 29)),  # Christmas Day, Boxing Day, a weekend
        ("PL", dt.date(2026, 12, 23), 1, dt.date(2026, 12, 28)),  # Christmas Eve is a holiday in Poland since 2025
        ("PL", dt.date(2026, 4, 30), 1, dt.date(2026, 5, 4)),  # 1 May, a weekend, 3 May
        ("PL", dt.date(2026, 12, 4), 5, dt.date(2026, 12, 11)),  # the office's second reminder
        ("PL", dt.date(2026, 12, 4), 0, dt.date(2026, 12, 4)),
    ],
)
def test_reminders_fall_on_the_hosts_working_days(country, start, days, due):
    assert working_days_after(start, days, HostCalendar(country)) == due


@pytest.mark.parametrize(
    ("answer", "problems"),
    [
        (HostAnswer("confirmed"), []),
        (HostAnswer("declined", note="Sorry, we are moving."), []),
        (HostAnswer("proposed", proposed_start=dt.date(2027, 1, 5), proposed_end=dt.date(2027, 1, 7)), []),
        (HostAnswer("proposed", note="Any week in March"), []),  # other days may be said in the note alone
        (HostAnswer("proposed", proposed_start=dt.date(2027, 1, 5)), ["host_answer.problem.dates_needed"]),
        (
            HostAnswer("proposed", proposed_start=dt.date(2027, 1, 7), proposed_end=dt.date(2027, 1, 5)),
            ["host_answer.problem.order"],
        ),
        (
            HostAnswer("declined", proposed_start=dt.date(2027, 1, 5), proposed_end=dt.date(2027, 1, 5)),
            ["host_answer.problem.dates_only_proposed"],
        ),
        (
            HostAnswer("proposed", proposed_start=dt.date(2027, 1, 1), proposed_end=dt.date(2027, 3, 1)),
            ["visits.problem.too_long"],
        ),
        (HostAnswer("completed"), ["host_answer.problem.kind"]),
        (HostAnswer("declined", note="x" * 2001), ["visits.problem.too_long_text"]),
    ],
)
def test_which_answers_are_valid(answer, problems):
    assert check_answer(answer) == problems


def test_the_hosts_note_is_cleaned_of_control_characters():
    assert HostAnswer("declined", note=" a\x00b\u2028c ").note == "ab\nc"


# -- the loop through a real SMTP server --------------------------------------------------------------------

HOST = Host(
    partner_name="Bavarian Robotics Network",
    office_name="Munich office",
    city="München",
    contact_name="Max Mustermann",
    contact_email=HOST_EMAIL,
    country="DE",
    languages=("de", "en"),
)
REQUEST = VisitRequest(
    dt.date(2027, 1, 12),
    dt.date(2027, 1, 13),
    2,
    ("desk", "internet"),
    member_company=HOSTILE_COMPANY,
    member_name="Anna Nowak",
    note="We would like to meet <script>alert(1)</script> your robotics start-ups.",
)
MAILED = dt.datetime(2026, 12, 4, 10, tzinfo=UTC)  # a Friday


def settings_for(port: int, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_sender="directory@pomeranian-ict.example.org",
        public_url="https://bra.example.org",
        home_cluster_email=OFFICE,
        home_cluster_name="Pomeranian ICT Cluster",
    )


@pytest.fixture
def register(database_url):
    opened = Register.open(database_url)
    yield opened
    opened.database.dispose()


def requested(register: Register, settings: Settings, *, now: dt.datetime = MAILED) -> int:
    visit = from_request(REQUEST, HOST, partner_id="bavarian-robotics-muenchen", member_email=MEMBER, language="en")
    visit_id = register.record(visit, source="form")
    queued = send_request(
        register.database,
        visit_id,
        REQUEST,
        HOST,
        offered=("desk", "meeting_room", "internet", "events"),
        settings=settings,
        language="en",
        member_language="pl",
        vouched=True,
        now=now,
    )
    assert queued is not None and queued.status == "queued"
    return visit_id


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def test_the_host_receives_the_request_with_terms_vouching_calendar_and_two_links(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    visit_id = requested(register, settings)
    assert deliver(register.database, smtp_server.port) == 1
    [received] = smtp_server.wait_for(1)
    message = received.message
    assert sorted(received.recipients) == sorted([HOST_EMAIL, MEMBER])
    assert message["To"] == HOST_EMAIL
    assert message["Cc"] == MEMBER
    assert message["Reply-To"] == MEMBER
    assert message["Message-ID"]
    text = text_part(message)
    for words in (
        "up to 5 consecutive working days, free of charge",
        "desk, meeting room, internet",
        "introductions to local companies",
        "your events at member rates",
        "Pomeranian ICT Cluster's office vouches for the visitor: Anna Nowak signed in",
        HOSTILE_COMPANY,
    ):
        assert words in text, words
    [confirm, answer] = [link for link in links_in(text) if "/_bra/visit/" in link]
    assert confirm.startswith("https://bra.example.org/_bra/visit/confirm?token=")
    assert answer.startswith("https://bra.example.org/_bra/visit/answer?token=")
    document = html_part(message)
    assert "Each link works once and expires" in document
    assert "<b>bold</b>" not in document and "<script>" not in document
    assert "**Acme** &lt;b&gt;bold&lt;/b&gt; [x](javascript:alert(1)) &amp; Co" in document
    assert 'href="javascript' not in document
    [calendar] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    ics = calendar.get_content()
    assert ics.count("BEGIN:VEVENT") == 2 and "DTSTART;VALUE=DATE:20270112" in ics
    # The links are bound to this visit and to one purpose each, and stored hashed only.
    assert visit_for_link(register.database, token_of(confirm), "visit_confirm", now=MAILED).id == visit_id
    with pytest.raises(TokenError) as wrong:
        visit_for_link(register.database, token_of(confirm), "visit_answer", now=MAILED)
    assert wrong.value.code == "token_unknown"
    # Sending again mails nothing more: one request, one mail.
    assert (
        send_request(
            register.database,
            visit_id,
            REQUEST,
            HOST,
            offered=(),
            settings=settings,
            language="en",
            member_language="pl",
            vouched=True,
            now=MAILED,
        )
        is None
    )
    assert len(outbox.entries(register.database, record=f"visit:{visit_id}")) == 1


def test_a_host_confirms_through_the_link_and_member_and_office_are_told(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    visit_id = requested(register, settings)
    deliver(register.database, smtp_server.port)
    [confirm, answer] = [link for link in links_in(text_part(smtp_server.wait_for(1)[0].message)) if "/_bra/" in link]
    later = MAILED + dt.timedelta(days=1)
    visit = answer_by_link(
        register.database, token_of(confirm), "visit_confirm", HostAnswer("confirmed"), settings=settings, now=later
    )
    assert (visit.status, visit.status_by, visit.host_answer) == ("confirmed", "host", "confirmed")
    [event] = [e for e in register.events(visit_id) if e.action == "status"]
    assert (event.actor, event.old_value, event.new_value) == ("host", "requested", "confirmed")
    deliver(register.database, smtp_server.port, now=later)
    told = smtp_server.wait_for(2)[1].message
    assert told["To"] == MEMBER and told["Cc"] == OFFICE
    assert "potwierdził(a) wizytę w dniach 2027-01-12 – 2027-01-13" in text_part(told)  # the member's language
    # Once: the same link again, and the other link of the visit, no longer answer.
    for token, purpose, code in ((confirm, "visit_confirm", "token_used"), (answer, "visit_answer", "token_revoked")):
        with pytest.raises(TokenError) as refused:
            answer_by_link(
                register.database, token_of(token), purpose, HostAnswer("declined"), settings=settings, now=later
            )
        assert refused.value.code == code
    report = year_report(register.find(), 2027)
    assert (report.totals["host_confirmed"], report.totals["unanswered"]) == (1, 0)


def test_a_host_declines_with_a_note_and_a_link_gives_only_its_own_answers(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    visit_id = requested(register, settings)
    deliver(register.database, smtp_server.port)
    [confirm, answer] = [link for link in links_in(text_part(smtp_server.wait_for(1)[0].message)) if "/_bra/" in link]
    with pytest.raises(InvalidValueError):  # the confirm link cannot decline
        answer_by_link(
            register.database, token_of(confirm), "visit_confirm", HostAnswer("declined"), settings=settings, now=MAILED
        )
    note = "Our office is closed in January. <img src=x onerror=alert(1)>"
    visit = answer_by_link(
        register.database, token_of(answer), "visit_answer", HostAnswer("declined", note=note), settings=settings,
        now=MAILED,
    )  # fmt: skip
    assert (visit.status, visit.host_note, visit.changed_by) == ("declined", note, "host")
    deliver(register.database, smtp_server.port)
    told = smtp_server.wait_for(2)[1].message
    assert note in text_part(told)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_part(told) and "<img" not in html_part(told)
    assert register.get(visit_id).status == "declined"


def test_staff_change_revokes_the_links_and_is_shown_as_staffs(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    visit_id = requested(register, settings)
    deliver(register.database, smtp_server.port)
    [confirm, _] = [link for link in links_in(text_part(smtp_server.wait_for(1)[0].message)) if "/_bra/" in link]
    changed = register.change(visit_id, Change(status="cancelled"), revision=1, by="office@example.org")
    assert changed.changed_by == "staff"
    assert mailing.revoke_links(register.database, visit_id, now=MAILED) == 2
    with pytest.raises(TokenError) as refused:
        answer_by_link(
            register.database,
            token_of(confirm),
            "visit_confirm",
            HostAnswer("confirmed"),
            settings=settings,
            now=MAILED,
        )
    assert refused.value.code == "token_revoked"
    with pytest.raises(InvalidValueError):  # the register too refuses an answer to a decided visit
        register.answer(visit_id, HostAnswer("confirmed"))


def test_an_expired_link_is_refused(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    requested(register, settings)
    deliver(register.database, smtp_server.port)
    [confirm, _] = [link for link in links_in(text_part(smtp_server.wait_for(1)[0].message)) if "/_bra/" in link]
    after = link_expiry(MAILED, REQUEST.end) + dt.timedelta(seconds=1)
    with pytest.raises(TokenError) as refused:
        answer_by_link(
            register.database, token_of(confirm), "visit_confirm", HostAnswer("confirmed"), settings=settings, now=after
        )
    assert refused.value.code == "token_expired"
    assert "expired" in refused.value.message("en") and "wygasł" in refused.value.message("pl")


def test_reminders_go_to_the_host_then_the_office_once_each(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    visit_id = requested(register, settings)  # Friday 4 December 2026
    deliver(register.database, smtp_server.port)
    smtp_server.wait_for(1)

    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 12, day, 8, tzinfo=UTC)

    assert remind(register.database, settings, at(8)) == 0  # Tuesday: two working days in Bavaria
    assert remind(register.database, settings, at(9)) == 1  # Wednesday: the host
    assert remind(register.database, settings, at(9)) == 0  # once
    assert remind(register.database, settings, at(10)) == 0
    assert remind(register.database, settings, at(11)) == 1  # Friday: five working days in Poland, the office
    assert remind(register.database, settings, at(14)) == 0
    deliver(register.database, smtp_server.port, now=at(11))
    messages = smtp_server.wait_for(3)
    to_host, to_office = messages[1].message, messages[2].message
    assert to_host["To"] == HOST_EMAIL and "still waits for your answer" in text_part(to_host)
    [confirm, _] = [link for link in links_in(text_part(to_host)) if "/_bra/" in link]
    assert to_office["To"] == OFFICE and f"nr {visit_id}" in to_office["Subject"]
    # The reminder's own link answers; afterwards nothing is due any more.
    answer_by_link(
        register.database, token_of(confirm), "visit_confirm", HostAnswer("confirmed"), settings=settings, now=at(11)
    )
    assert remind(register.database, settings, at(20)) == 0
    assert register.awaiting_answer() == []


@pytest.mark.parametrize(("office_language", "subject"), [("pl", "Brak odpowiedzi"), ("en", "No answer from")])
def test_a_visit_already_over_reminds_only_the_office_in_its_language(register, smtp_server, office_language, subject):
    settings = dataclasses.replace(settings_for(smtp_server.port, ""), office_language=office_language)
    requested(register, settings)
    after_the_visit = dt.datetime(2027, 1, 20, 8, tzinfo=UTC)  # the visit was on 12–13 January 2027
    assert remind(register.database, settings, after_the_visit) == 1
    entries = outbox.entries(register.database)
    kinds = [entry.purpose for entry in entries]
    assert kinds.count(mailing.OFFICE_REMINDER) == 1 and mailing.HOST_REMINDER not in kinds
    [reminder] = [entry for entry in entries if entry.purpose == mailing.OFFICE_REMINDER]
    assert reminder.subject.startswith(subject) and reminder.recipients == (OFFICE,)


def test_without_mail_configured_nothing_is_reminded(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    requested(register, settings)
    assert remind(register.database, dataclasses.replace(settings, smtp_host=""), MAILED + dt.timedelta(days=30)) == 0


def test_the_report_says_how_many_requests_wait_for_an_answer(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    requested(register, settings)
    # A request recorded the old way (never mailed by the app) is not "unanswered": nobody asked the host through us.
    register.record(
        NewVisit("outgoing", "Other", "Tokyo IT Cluster", dt.date(2027, 2, 1), dt.date(2027, 2, 2), partner_id="tokyo"),
        source="staff",
    )
    report = year_report(register.find(), 2027)
    assert report.totals["unanswered"] == 1
    assert answers_sentence(report, "en").endswith("1 request mailed to a host is still unanswered.")
    assert answers_sentence(report, "pl").endswith("1 prośba wysłana do gospodarza wciąż czeka na odpowiedź.")


def test_tokens_are_stored_hashed(register, smtp_server):
    settings = settings_for(smtp_server.port, "")
    requested(register, settings)
    deliver(register.database, smtp_server.port)
    [confirm, _] = [link for link in links_in(text_part(smtp_server.wait_for(1)[0].message)) if "/_bra/" in link]
    with register.database.read() as connection:
        stored = [row.token_hash for row in connection.execute(tokens.token_table.select())]
    assert token_of(confirm) not in stored and tokens.token_hash(token_of(confirm)) in stored
