from __future__ import annotations

import pytest

from partner_directory.sheet.guard import guard_cell, unguard_cell

CASES = [
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("+SUM(1,2)", "'+SUM(1,2)"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("+48 58 123 45 67", "+48 58 123 45 67"),
    ("+1 (555) 010-0100", "'+1 (555) 010-0100"),
    ("-73.9857", "-73.9857"),
    ("18.6466", "18.6466"),
    ("Gdańsk", "Gdańsk"),
    ("'already quoted", "'already quoted"),
    ("'=1", "''=1"),
    ("", ""),
]


@pytest.mark.parametrize(("value", "guarded"), CASES)
def test_guard(value, guarded):
    assert guard_cell(value) == guarded


@pytest.mark.parametrize("value", [value for value, _ in CASES] + ["''=x", "'", "'-", "''", "'+48 1"])
def test_round_trip_is_exact(value):
    assert unguard_cell(guard_cell(value)) == value
