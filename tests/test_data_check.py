"""The yearly data check's decisions and tables, on a real SQLite file and a real PostgreSQL server; its mail through
a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import smtplib

import pandas as pd
import pytest

from partner_directory.access import tokens
from partner_directory.config import Settings
from partner_directory.errors import InvalidValueError, TokenError
from partner_directory.mail import outbox
from partner_directory.publication import datacheck, publishing
from partner_directory.sheet.contract import partner_key
from partner_directory.storage.database import Database, migrate
from partner_directory.storage.migrations import MIGRATIONS
from tests.stores import demo_store

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
SENDER = datacheck.Sender("office@pomeranian-ict.example.org", "Pomeranian ICT Cluster", "https://bra.example.org")
POZNAN = partner_key("Greater Poland Digital Hub")
RIGA = partner_key("Daugava Tech Hub")


@pytest.fixture
def database(database_url):
    database = Database(database_url)
    migrate(database, MIGRATIONS)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("published")
    store = demo_store(folder, lock_timeout=5)
    return publishing.published_table(store)[0]


def mailed_link(database: Database, record: str) -> str:
    """The token of the newest message about ``record``, read from the message's plain text as a partner would."""
    import email
    import email.policy

    entry = outbox.entries(database, record=record)[0]
    message = email.message_from_bytes(outbox.message_bytes(database, entry.id), policy=email.policy.default)
    found = re.search(r"token=([A-Za-z0-9_-]+)", message.get_body(("plain",)).get_content())
    assert found, "the message holds the link"
    return found.group(1)


def started(database: Database, published: pd.DataFrame, *keys: str) -> tuple[datacheck.Started, dict[str, str]]:
    result = datacheck.start(database, published, keys=keys, by="Anna Nowak", now=NOW, sender=SENDER)
    found = {entry.partner_key: entry for entry in datacheck.entries(database, result.check_id)}
    return result, {key: mailed_link(database, datacheck.record_of(found[key].id)) for key in keys}


@pytest.mark.parametrize(
    ("countries", "language"),
    [(["PL"], "pl"), (["DE", "pl"], "pl"), (["SE", "FI"], "en"), ([], "en"), (["Polska"], "en")],
)
def test_the_partners_language_is_polish_only_with_an_office_in_poland(countries, language):
    assert datacheck.partner_language(countries) == language


def test_partners_are_grouped_by_name_with_one_contact_and_the_others_in_copy(published):
    partners = {partner.key: partner for partner in datacheck.partners_of(published)}
    pomeranian = partners[partner_key("Pomeranian ICT Cluster")]
    assert pomeranian.office_ids == ("pomeranian-ict-gdansk", "pomeranian-ict-gdynia")
    assert pomeranian.contact_email == "ola.bursztynek@pomeranian-ict.example.org"
    assert pomeranian.copy_to == ("tomek.falowski@pomeranian-ict.example.org",)
    assert pomeranian.language == "pl" and partners[RIGA].language == "en"


def test_a_check_mails_each_chosen_partner_a_link_bound_to_its_entry(database, published):
    result, links = started(database, published, POZNAN, RIGA)
    assert result.mailed == 2 and result.without_address == ()
    messages = outbox.entries(database, purposes=("data_check",))
    assert {m.recipients for m in messages} == {
        ("bartek.koziolkowski@greater-poland-digital.example.org",),
        ("ilze.paraudzina@daugava-tech.example.org",),
    }
    polish = next(m for m in messages if m.recipients[0].endswith("greater-poland-digital.example.org"))
    assert polish.subject == "Katalog partnerów BRA: prosimy o sprawdzenie danych Greater Poland Digital Hub"
    entry = datacheck.open_link(database, links[POZNAN], now=NOW)
    assert entry.partner_name == "Greater Poland Digital Hub" and entry.office_ids == ("greater-poland-digital-poznan",)
    assert list(datacheck.offices_of(entry, published)["partner_id"]) == ["greater-poland-digital-poznan"]
    assert entry.state(NOW) == "opened"
    with pytest.raises(TokenError):  # a data-check link is no visit link, and the other way round
        tokens.look_up(database, links[POZNAN], "visit_answer", now=NOW)


def test_nobody_with_an_address_is_a_sentence_not_a_check(database):
    table = pd.DataFrame([{"partner_id": "x", "partner_name": "No Mail", "country": "PL", "contact_email": ""}])
    with pytest.raises(InvalidValueError) as raised:
        datacheck.start(database, table, by="Anna", now=NOW, sender=SENDER)
    assert raised.value.code == "data_check_nobody"
    assert datacheck.checks(database) == []


@pytest.mark.parametrize(
    ("changes", "errors", "corrections"),
    [
        ({"contact_phone": "+48 61 111 11 11"}, [], [("contact_phone", "+48 61 111 11 11")]),
        ({"services": "biurko, internet"}, [], [("services", "desk; internet")]),  # normalised as the editor does
        ({"services": "desk; meeting_room; internet; events"}, [], []),  # the same list: no correction
        ({"contact_email": "not-an-address"}, [("contact_email", "bad_email")], None),
        ({"services": "desk; parking"}, [("services", "unknown_service")], None),
        ({"website": "javascript:alert(1)"}, [("website", "bad_scheme")], None),
        ({"city": "", "address": "", "postal_code": ""}, [("city", "missing_place")], None),
        ({"partner_name": "Taken Over", "country": "DE"}, [], []),  # not editable: ignored
    ],
)
def test_corrections_get_the_staff_editors_validation(published, changes, errors, corrections):
    offices = published[published["partner_id"] == "greater-poland-digital-poznan"]
    reviewed = datacheck.review_changes(offices, {"greater-poland-digital-poznan": changes}, today=NOW.date())
    assert [(problem.column, problem.code) for _, problem in reviewed.problems] == errors
    if corrections is not None:
        assert [(c.column, c.proposed) for c in reviewed.corrections] == corrections


def test_a_correction_waits_for_staff_and_the_link_then_works_no_more(database, published, tmp_path):
    result, links = started(database, published, POZNAN, RIGA)
    entry = datacheck.open_link(database, links[POZNAN], now=NOW)
    offices = datacheck.offices_of(entry, published)
    office = "greater-poland-digital-poznan"
    refused = datacheck.correct(
        database, links[POZNAN], offices, {office: {"contact_email": "nope"}}, now=NOW, today=NOW.date()
    )
    assert not refused.ok and datacheck.field_answers(database, result.check_id) == []  # nothing kept, link works
    hostile = "<script>alert(1)</script> [x](https://evil.example)"
    reviewed = datacheck.correct(
        database,
        links[POZNAN],
        offices,
        {office: {"contact_phone": "+48 61 111 11 11", "services": "desk; internet", "description": hostile}},
        now=NOW,
        today=NOW.date(),
        note="Nowy numer",
    )
    assert reviewed.ok
    for attempt in (
        lambda: datacheck.open_link(database, links[POZNAN], now=NOW),
        lambda: datacheck.confirm(database, links[POZNAN], now=NOW),
    ):
        with pytest.raises(TokenError) as raised:
            attempt()
        assert raised.value.code == "token_used"
    datacheck.confirm(database, links[RIGA], now=NOW + dt.timedelta(hours=1))
    answers = datacheck.field_answers(database, result.check_id)
    assert [(a.column, a.proposed) for a in answers] == [
        ("contact_phone", "+48 61 111 11 11"),
        ("services", "desk; internet"),
        ("description", hostile),  # kept as typed: text, shown escaped wherever it is shown
    ]
    entries = datacheck.entries(database, result.check_id)
    assert datacheck.progress(entries, now=NOW) == {
        "sent": 0,
        "opened": 0,
        "confirmed": 1,
        "corrected": 1,
        "no_answer": 0,
    }
    assert next(e for e in entries if e.partner_key == POZNAN).note == "Nowy numer"

    # Staff decide: the phone accepted, the services rejected, the description edited.
    phone, services, description = answers
    draft = publishing.draft_from_published(demo_store(tmp_path / "demo"))
    _, verified = datacheck.apply_answers(draft, entries, answers)
    assert verified == 1  # the confirmation only: the correction waits for its decisions
    datacheck.decide(database, phone.id, "accepted", by="Anna", now=NOW)
    datacheck.decide(database, services.id, "rejected", by="Anna", now=NOW)
    datacheck.decide(database, description.id, "edited", by="Anna", now=NOW, value="Meeting rooms by the fair.")
    new, verified = datacheck.apply_answers(draft, entries, datacheck.field_answers(database, result.check_id))
    assert verified == 2
    rows = new.rows.set_index("partner_id")
    poznan, riga = rows.loc["greater-poland-digital-poznan"], rows.loc["daugava-tech-riga"]
    assert poznan["contact_phone"] == "+48 61 111 11 11"
    assert poznan["services"] == draft.rows.set_index("partner_id").loc["greater-poland-digital-poznan", "services"]
    assert poznan["description"] == "Meeting rooms by the fair."
    assert (poznan["last_verified"], riga["last_verified"]) == ("2026-12-04", "2026-12-04")
    untouched = rows.drop(index=["greater-poland-digital-poznan", "daugava-tech-riga"])
    assert untouched.equals(
        draft.rows.set_index("partner_id").drop(index=["greater-poland-digital-poznan", "daugava-tech-riga"])
    )


def test_expired_and_revoked_links_get_their_sentence(database, published):
    _, links = started(database, published, POZNAN)
    with pytest.raises(TokenError) as raised:
        datacheck.open_link(database, links[POZNAN], now=NOW + datacheck.LINK_LIFETIME)
    assert raised.value.code == "token_expired"
    assert "expired" in raised.value.message("en") and "wygasł" in raised.value.message("pl")
    _, newer = started(database, published, POZNAN)  # a new check revokes the unanswered link of the old one
    with pytest.raises(TokenError) as raised:
        datacheck.open_link(database, links[POZNAN], now=NOW)
    assert raised.value.code == "token_revoked"
    assert datacheck.open_link(database, newer[POZNAN], now=NOW).partner_key == POZNAN
    # The replaced entry gets no reminder (its partner would get a second link), and counts as not answered.
    assert datacheck.remind(database, Settings(), NOW + dt.timedelta(days=15)) == 1
    [first, second] = datacheck.checks(database)[::-1]
    assert datacheck.progress(datacheck.entries(database, first.id), now=NOW)["no_answer"] == 1
    assert datacheck.entries(database, second.id)[0].reminded_at is not None


def test_one_reminder_after_two_weeks_with_a_new_link_the_old_one_revoked(database, published):
    settings = Settings(public_url="https://bra.example.org")
    result, links = started(database, published, POZNAN, RIGA)
    datacheck.confirm(database, links[RIGA], now=NOW)
    assert datacheck.remind(database, settings, NOW + dt.timedelta(days=13)) == 0
    assert datacheck.remind(database, settings, NOW + dt.timedelta(days=14)) == 1  # only the one without an answer
    assert datacheck.remind(database, settings, NOW + dt.timedelta(days=15)) == 0  # one reminder, never two
    record = datacheck.record_of(
        next(e.id for e in datacheck.entries(database, result.check_id) if e.partner_key == POZNAN)
    )
    reminder = outbox.entries(database, record=record)[0]
    assert reminder.purpose == "data_check_reminder" and reminder.subject.startswith("Przypomnienie")
    import email
    import email.policy

    body = email.message_from_bytes(outbox.message_bytes(database, reminder.id), policy=email.policy.default)
    text = body.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Szanowni Partnerzy BRA,\n\n2026-12-04 Pomeranian ICT Cluster (demo) poprosił o sprawdzenie")
    with pytest.raises(TokenError) as raised:
        datacheck.open_link(database, links[POZNAN], now=NOW + dt.timedelta(days=15))
    assert raised.value.code == "token_revoked"
    later = NOW + dt.timedelta(days=15)
    assert datacheck.open_link(database, mailed_link(database, record), now=later).partner_key == POZNAN
    states = datacheck.progress(datacheck.entries(database, result.check_id), now=later)
    assert states == {"sent": 0, "opened": 0, "confirmed": 1, "corrected": 0, "no_answer": 1}


def test_the_message_reaches_a_real_smtp_server_with_its_link_in_both_parts(database, published, smtp_server):
    started(database, published, POZNAN)
    # Sent as the mailer's worker does: claim, hand to the server, mark sent.
    for claimed in outbox.claim(database, now=NOW):
        with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
            client.sendmail(SENDER.address, list(claimed.recipients), claimed.raw)
        outbox.mark_sent(database, claimed.id, now=NOW)
    smtp_server.wait_for(1)
    [received] = smtp_server.messages
    message = received.message
    assert received.recipients == ["bartek.koziolkowski@greater-poland-digital.example.org"]
    assert message["Reply-To"] == SENDER.address and message["Subject"].startswith("Katalog partnerów BRA")
    assert message["Message-ID"]
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    link = re.search(r"https://bra\.example\.org/_bra/data-check\?token=[A-Za-z0-9_-]+&lang=pl", text)
    assert link and link.group(0).replace("&", "&amp;") in page
    assert "Poznań Fair Office — Poznań" in text
    assert outbox.entries(database)[0].status == "sent"


def test_the_sender_loop_runs_the_reminders():
    from dashboard import mail_jobs
    from partner_directory.visits import mailing

    assert datacheck.remind in mail_jobs.JOBS and mailing.remind in mail_jobs.JOBS
