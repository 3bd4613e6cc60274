"""A member's visit request is recorded once (issue 18): the register's own rule, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from partner_directory.visits.register import Change, NewVisit, Register, request_key

START, END = dt.date(2026, 12, 14), dt.date(2026, 12, 16)


def request(**fields) -> NewVisit:
    values = {
        "direction": "outgoing",
        "member_company": "Amber Byte",
        "partner_name": "Pomeranian ICT",
        "start": START,
        "end": END,
        "member_name": "Anna Nowak",
        "member_email": "anna@amberbyte.example.org",
        "partner_id": "pomeranian-ict-gdansk",
        "country": "PL",
    }
    return NewVisit(**(values | fields))


@pytest.mark.parametrize(
    ("second", "same"),
    [
        ({}, True),
        ({"member_email": " ANNA@AmberByte.Example.org "}, True),  # the same address as email_key reads it
        ({"people": 3, "note": "one more colleague"}, True),  # details changed, the request is the same
        ({"member_company": "Other name"}, True),
        ({"start": dt.date(2026, 12, 15)}, False),  # other dates: another request
        ({"end": dt.date(2026, 12, 17)}, False),
        ({"partner_id": "kanto-digital-tokyo"}, False),  # another host
        ({"member_email": "jan@amberbyte.example.org"}, False),  # another member
    ],
)
def test_which_requests_are_one(second, same):
    assert (request_key(request()) == request_key(request(**second))) is same


def test_sending_the_same_request_twice_is_one_record(database_url):
    register = Register.open(database_url)
    first = register.record(request(), source="form")
    again = register.record(request(member_email="Anna@AmberByte.example.org", people=2), source="form")
    other = register.record(request(start=dt.date(2026, 12, 15)), source="form")
    assert again == first and other != first
    assert register.count() == 2
    assert [e.action for e in register.events(first)] == ["created"]


def test_staff_may_type_the_same_visit_twice_and_a_cancelled_request_may_be_sent_anew(database_url):
    register = Register.open(database_url)
    first = register.record(request(), source="form")
    assert register.record(request(), source="staff", by="office") != first  # staff records what they type
    register.change(first, Change(status="cancelled"), revision=1, by="office")
    assert register.record(request(), source="form") not in (first,)
    assert register.count() == 3


def test_two_sends_at_the_same_moment_leave_one_record(database_url):
    registers = [Register.open(database_url) for _ in range(4)]
    ids: list[int] = []
    go = threading.Barrier(len(registers))

    def send(register: Register) -> None:
        go.wait()
        ids.append(register.record(request(), source="form"))

    threads = [threading.Thread(target=send, args=(r,)) for r in registers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and registers[0].count() == 1


def test_a_member_sees_only_their_own_requests(database_url):
    register = Register.open(database_url)
    mine = register.record(request(), source="form")
    register.record(request(member_email="jan@amberbyte.example.org"), source="form")
    register.record(request(start=dt.date(2027, 1, 11), end=dt.date(2027, 1, 11), member_email="x@y.example"))
    register.change(mine, Change(status="confirmed"), revision=1, by="office")
    found = register.requests_of("ANNA@amberbyte.example.org")
    assert [(v.id, v.status) for v in found] == [(mine, "confirmed")]
    assert register.requests_of("") == [] and register.requests_of("  ") == []


# --- the visit form on the card, with AppTest ----------------------------------------------------------------

GDANSK = "pomeranian-ict-gdansk"
TOKYO = "kanto-digital-tokyo"


def try_dates(at, partner: str, start: str, end: str):
    at.date_input(key=f"visit_dates_{partner}").set_value((dt.date.fromisoformat(start), dt.date.fromisoformat(end)))
    at.button(key="visit_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def recorded(tmp_path):
    from tests.test_visit_app import registered

    return registered(tmp_path)


def test_trying_dates_records_nothing_and_sending_records_once(monkeypatch, tmp_path):
    from tests.test_visit_app import mail, open_card, submit

    at = submit(open_card(monkeypatch, tmp_path, GDANSK, lang="en"), send=False)
    for start, end in (("2026-12-15", "2026-12-16"), ("2026-12-16", "2026-12-17"), ("2027-01-11", "2027-01-12")):
        try_dates(at, GDANSK, start, end)
        assert mail(at)[0].startswith("BRA visit request")  # the e-mail is offered for every try
    assert recorded(tmp_path) == []  # "Prepare" is a draft: four tries, nothing in the register
    assert "Nothing is recorded yet" in " ".join(c.value for c in at.caption)
    at.button(key="visit_sent").click().run()
    [visit] = recorded(tmp_path)
    assert (visit.start, visit.end) == (dt.date(2027, 1, 11), dt.date(2027, 1, 12))  # the last one tried
    assert f"Recorded in the office's register as visit no. {visit.id}." in " ".join(s.value for s in at.success)
    at.button(key="visit_sent").click().run()  # sent twice: still one record, the same number
    at.run()
    assert [v.id for v in recorded(tmp_path)] == [visit.id]


def test_a_refused_try_withdraws_the_prepared_request(monkeypatch, tmp_path):
    from tests.test_visit_app import open_card, submit

    at = submit(open_card(monkeypatch, tmp_path, GDANSK, lang="pl"), send=False)
    assert [b for b in at.button if b.key == "visit_sent"]
    try_dates(at, GDANSK, "2026-12-24", "2026-12-24")  # Christmas Eve in Poland: refused
    assert at.error and not [b for b in at.button if b.key == "visit_sent"]  # nothing left to send by mistake


def test_the_members_details_are_kept_across_cards(monkeypatch, tmp_path):
    from tests.test_visit_app import open_card, submit

    at = submit(
        open_card(monkeypatch, tmp_path, GDANSK, lang="en"),
        company="Amber Byte",
        name="Anna Nowak",
        email="anna@amberbyte.example.org",
        send=False,
    )
    # The card closed (as close_card does; AppTest would send its own address with the partner again).
    del at.session_state["selected_partner"]
    del at.query_params["partner"]
    at.run()
    assert not [w for w in at.text_input if w.key == "visit_company"]  # the card is closed, its widgets gone
    at.run()  # a rerun with no card: Streamlit drops the widgets' state
    at.session_state["selected_partner"] = TOKYO
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="visit_company").value == "Amber Byte"
    assert at.text_input(key="visit_name").value == "Anna Nowak"
    assert at.text_input(key="visit_email").value == "anna@amberbyte.example.org"
    at.button(key="visit_prepare").click().run()
    assert not at.error, [e.value for e in at.error]


def test_my_requests_shows_this_members_requests_with_their_status(monkeypatch, tmp_path):
    from partner_directory.visits.register import Register
    from tests.test_visit_app import open_card, submit

    at = open_card(monkeypatch, tmp_path, GDANSK, lang="pl")
    register = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    # Someone else's request from the address this member will type, on other days.
    other = register.record(
        request(member_email="jan@acme.example.org", start=dt.date(2027, 1, 11), end=dt.date(2027, 1, 11)),
        source="form",
    )
    at = submit(at, email="jan@acme.example.org", send=False)  # typing an address shows nobody's requests
    assert not [e for e in at.expander if e.label.startswith("Moje prośby")]
    at.button(key="visit_sent").click().run()
    mine = max(v.id for v in recorded(tmp_path))
    assert mine != other
    register.change(mine, Change(status="confirmed"), revision=1, by="office")
    at.run()
    [box] = [e for e in at.expander if e.label.startswith("Moje prośby")]
    assert box.label == "Moje prośby (1)"
    shown = " ".join(m.value for m in box.markdown)
    assert f"Nr {mine} ·" in shown and "**potwierdzona**" in shown and f"Nr {other} " not in shown
    register.database.dispose()


def test_a_visitor_signs_in_inside_the_card(monkeypatch, tmp_path):
    from partner_directory.access.passwords import hash_password
    from tests.test_visit_app import open_card

    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "members")
    monkeypatch.setenv("PARTNER_DIRECTORY_MEMBER_CODE_HASH", hash_password("the right code"))
    at = open_card(monkeypatch, tmp_path, GDANSK, lang="pl")
    assert "zaloguj się tutaj" in " ".join(i.value for i in at.info)
    assert "pasku bocznym" not in " ".join(i.value for i in at.info)  # no pointing at a sidebar a card hides
    at.text_input(key="card_member_code").input("the right code")
    at.button(key="card_member_sign_in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [w for w in at.text_input if w.key == "visit_company"]  # the card stayed open, now with its form
