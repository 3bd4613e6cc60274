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
