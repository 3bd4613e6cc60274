"""The outbox and the links' tokens, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading

import pytest

from partner_directory.access import tokens
from partner_directory.errors import InvalidValueError, TokenError
from partner_directory.mail import outbox
from partner_directory.mail.message import Attachment, Mail, rendered
from partner_directory.storage.database import Database, migrate
from partner_directory.storage.migrations import MIGRATIONS

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def database(database_url):
    database = Database(database_url)
    migrate(database, MIGRATIONS)
    yield database
    database.dispose()


def a_mail(**changes: object) -> Mail:
    values: dict[str, object] = {
        "to": ("host@example.org",),
        "cc": ("member@example.com",),
        "reply_to": "member@example.com",
        "subject": "Visit request\r\nBcc: victim@example.net",
        "text": "Dzień dobry – plain text",
        "html": "<p>Dzień dobry</p>",
        "purpose": "visit_request",
        "record": "visit:1",
        "language": "pl",
        "attachments": (Attachment("visit.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),),
    }
    values.update(changes)
    return Mail(**values)  # type: ignore[arg-type]


def test_a_rendered_message_has_both_parts_its_id_and_no_injected_header():
    raw = rendered(
        a_mail(), sender="office@example.org", sender_name="Biuro\nBcc: x@example.net", msgid="<1@example.org>"
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Message-ID"] == "<1@example.org>"
    assert message["Reply-To"] == "member@example.com"
    assert message["Cc"] == "member@example.com"
    assert message["Bcc"] is None
    assert message["Content-Language"] == "pl"
    assert "\n" not in message["Subject"]
    assert message.get_body(("plain",)).get_content().strip() == "Dzień dobry – plain text"
    assert message.get_body(("html",)).get_content().strip() == "<p>Dzień dobry</p>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "visit.ics"
    assert attachment.get_content_type() == "text/calendar"


@pytest.mark.parametrize(
    "changes", [{"to": ()}, {"to": ("not an address",)}, {"cc": ("a@b",)}, {"reply_to": "x y@example.org"}]
)
def test_a_message_without_a_good_recipient_is_refused_with_a_sentence(changes):
    with pytest.raises(InvalidValueError) as caught:
        a_mail(**changes)
    assert caught.value.message("pl")


def test_queued_then_claimed_once_then_sent(database):
    entry = outbox.enqueue(database, a_mail(), sender="office@example.org", now=NOW)
    assert entry.status == "queued"
    assert entry.recipients == ("host@example.org", "member@example.com")
    [claimed] = outbox.claim(database, now=NOW)
    assert claimed.id == entry.id
    assert outbox.claim(database, now=NOW) == []  # leased: no second sender takes it
    assert email.message_from_bytes(claimed.raw)["Message-ID"] == entry.message_id
    outbox.mark_sent(database, claimed.id, now=NOW)
    [shown] = outbox.entries(database, record="visit:1")
    assert (shown.status, shown.attempts, shown.sent_at) == ("sent", 1, NOW)
    assert outbox.claim(database, now=NOW + dt.timedelta(days=1)) == []


def test_a_sender_that_died_leaves_the_message_to_the_next_after_the_lease(database):
    outbox.enqueue(database, a_mail(), sender="office@example.org", now=NOW)
    assert len(outbox.claim(database, now=NOW)) == 1
    assert outbox.claim(database, now=NOW + outbox.LEASE / 2) == []
    assert len(outbox.claim(database, now=NOW + outbox.LEASE + dt.timedelta(seconds=1))) == 1


def test_a_temporary_failure_is_retried_with_back_off_then_given_up(database):
    entry = outbox.enqueue(database, a_mail(), sender="office@example.org", now=NOW)
    moment = NOW
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        [claimed] = outbox.claim(database, now=moment)
        status = outbox.mark_failed(database, claimed.id, "421 try later", now=moment)
        assert status == ("failed" if attempt == outbox.MAX_ATTEMPTS else "queued")
        assert outbox.claim(database, now=moment + outbox.retry_delay(attempt) - dt.timedelta(seconds=1)) == []
        moment += outbox.retry_delay(attempt)
    [shown] = outbox.entries(database, record=entry.record)
    assert (shown.status, shown.last_error, shown.attempts) == ("failed", "421 try later", outbox.MAX_ATTEMPTS)
    outbox.retry_now(database, entry.id, now=moment)
    assert len(outbox.claim(database, now=moment)) == 1


def test_a_permanent_failure_stays_failed_with_the_reason(database):
    outbox.enqueue(database, a_mail(), sender="office@example.org", now=NOW)
    [claimed] = outbox.claim(database, now=NOW)
    assert outbox.mark_failed(database, claimed.id, "550 no such user", now=NOW, permanent=True) == "failed"
    assert outbox.claim(database, now=NOW + dt.timedelta(days=2)) == []


def test_a_token_works_once_for_its_purpose_and_record(database):
    token = tokens.issue(database, "visit_confirm", "visit:7", now=NOW, lifetime=dt.timedelta(days=14))
    assert tokens.token_hash(token) != token and len(token) >= 40
    with pytest.raises(TokenError) as caught:
        tokens.look_up(database, token, "data_check", now=NOW)
    assert caught.value.code == "token_unknown"
    grant = tokens.look_up(database, token, "visit_confirm", now=NOW)
    assert (grant.purpose, grant.record, grant.opened_at) == ("visit_confirm", "visit:7", NOW)
    tokens.use(database, token, "visit_confirm", now=NOW)
    with pytest.raises(TokenError) as caught:
        tokens.use(database, token, "visit_confirm", now=NOW)
    assert caught.value.code == "token_used"
    assert "once" in caught.value.message("en") and caught.value.message("pl")


def test_the_database_holds_only_the_hash(database):
    token = tokens.issue(database, "data_check", "partner:x", now=NOW, lifetime=dt.timedelta(days=30))
    with database.read() as connection:
        stored = [tuple(map(str, row)) for row in connection.execute(tokens.token_table.select())]
    assert not any(token in value for row in stored for value in row)


def test_a_token_expires_at_its_lifetimes_end(database):
    token = tokens.issue(database, "visit_answer", "visit:1", now=NOW, lifetime=dt.timedelta(days=14))
    assert tokens.look_up(database, token, "visit_answer", now=NOW + dt.timedelta(days=14, seconds=-1))
    for moment in (NOW + dt.timedelta(days=14), NOW + dt.timedelta(days=400)):
        with pytest.raises(TokenError) as caught:
            tokens.use(database, token, "visit_answer", now=moment)
        assert caught.value.code == "token_expired"


def test_a_revoked_token_no_longer_works(database):
    token = tokens.issue(database, "visit_answer", "visit:1", now=NOW, lifetime=dt.timedelta(days=14))
    other = tokens.issue(database, "visit_answer", "visit:2", now=NOW, lifetime=dt.timedelta(days=14))
    assert tokens.revoke(database, record="visit:1", now=NOW) == 1
    with pytest.raises(TokenError) as caught:
        tokens.use(database, token, "visit_answer", now=NOW)
    assert caught.value.code == "token_revoked"
    assert tokens.use(database, other, "visit_answer", now=NOW).record == "visit:2"


@pytest.mark.parametrize("token", ["", "x", "a" * 500, "\x00", "' OR 1=1 --"])
def test_garbage_tokens_are_unknown(database, token):
    with pytest.raises(TokenError) as caught:
        tokens.look_up(database, token, "visit_answer", now=NOW)
    assert caught.value.code == "token_unknown"


def test_two_clicks_at_once_spend_a_token_once(database):
    token = tokens.issue(database, "visit_confirm", "visit:3", now=NOW, lifetime=dt.timedelta(days=1))
    outcomes: list[str] = []

    def click() -> None:
        try:
            tokens.use(database, token, "visit_confirm", now=NOW)
            outcomes.append("used")
        except TokenError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["token_used"] * 5 + ["used"]
