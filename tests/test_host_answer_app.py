"""The host's answer on the office's pages through Streamlit's AppTest, against a real SQLite register.

The register shows who set each status (member, host through a link, staff)
with the host's answer and note as text, and each visit's history; a staff
change withdraws the visit's links; the report says what hosts confirmed and
how many mailed requests wait for an answer.
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from partner_directory.access import tokens
from partner_directory.errors import TokenError
from partner_directory.visits.mailing import record_of
from partner_directory.visits.register import HostAnswer, NewVisit, Register
from tests.apptest import prepare, texts

YEAR = dt.date.today().year
NOTE = "**Closed** <b>in</b> [March](javascript:alert(1))"


def register_page() -> None:
    from dashboard.office import visits

    visits.register_tab("Ola (office)", "en")


def report_page() -> None:
    from dashboard.office import report

    report.report_tab("en")


@pytest.fixture
def register(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    opened = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    yield opened
    opened.database.dispose()


def mailed(register: Register, company: str, day: int) -> int:
    visit_id = register.record(
        NewVisit(
            "outgoing",
            company,
            "Berlin Digital Cluster",
            dt.date(YEAR, 12, day),
            dt.date(YEAR, 12, day),
            member_email="anna@acme.example.org",
            partner_id="berlin",
        ),
        source="form",
    )
    now = dt.datetime.now(dt.UTC)
    assert register.mark_mailed(visit_id, host_email="host@example.org", member_language="en", now=now)
    return visit_id


def test_the_register_shows_who_set_each_status_and_the_hosts_note_as_text(register):
    declined = mailed(register, "Acme", 1)
    waiting = mailed(register, "Bałtyk Soft", 2)
    register.answer(declined, HostAnswer("declined", note=NOTE))
    link = tokens.issue(
        register.database, "visit_confirm", record_of(waiting), now=dt.datetime.now(dt.UTC), lifetime=dt.timedelta(1)
    )
    at = AppTest.from_function(register_page, default_timeout=120).run()
    assert not at.exception
    [table] = [frame.value for frame in at.dataframe]
    rows = {row["no."]: row for row in table.to_dict("records")}
    assert rows[declined]["status set by"] == "host (link)"
    assert rows[declined]["host's answer"].endswith(f"The host's note: {NOTE}")  # a cell is text, never markdown
    assert rows[waiting]["status set by"] == "member"
    at.selectbox(key="visits_pick").set_value(declined).run()
    shown = texts(at)
    assert "recorded as requested · member" in shown
    assert "requested → declined by the host · host (link)" in shown

    at.selectbox(key="visits_pick").set_value(waiting).run()
    at.selectbox(key=f"visits_new_status_{waiting}").set_value("confirmed")
    at.button(key=f"visits_save_{waiting}").click().run()
    assert not at.exception
    assert register.get(waiting).changed_by == "staff"
    assert "requested → confirmed · staff · Ola (office)" in texts(at)
    with pytest.raises(TokenError) as withdrawn:  # the host's link no longer overrides the office
        tokens.look_up(register.database, link, "visit_confirm", now=dt.datetime.now(dt.UTC))
    assert withdrawn.value.code == "token_revoked"


def test_the_report_counts_what_hosts_confirmed_and_what_waits(register):
    confirmed = mailed(register, "Acme", 1)
    mailed(register, "Bałtyk Soft", 2)
    mailed(register, "Cedr", 3)
    register.answer(confirmed, HostAnswer("confirmed"))
    at = AppTest.from_function(report_page, default_timeout=120).run()
    assert not at.exception
    assert at.selectbox(key="report_year").value == YEAR
    shown = texts(at)
    assert "Outgoing requests of this year that hosts confirmed through the link in the mail: 1." in shown
    assert "2 requests mailed to hosts are still unanswered." in shown
