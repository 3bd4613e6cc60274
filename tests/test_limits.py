"""The row budget counts offices, not the header: 100,000 offices exactly is a first-class size (issue 22)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from bench.generate import HEADER, generate
from partner_directory.errors import InputTooLargeError
from partner_directory.i18n import t
from partner_directory.sheet.limits import DEFAULT_LIMITS, Limits
from partner_directory.sheet.loading import load_bytes


@pytest.mark.parametrize(
    ("max_rows", "rows_read", "admitted"),
    [
        (1, 1, True),  # the header alone
        (1, 2, True),  # one office
        (1, 3, False),
        (100_000, 100_001, True),  # the header and 100,000 offices
        (100_000, 100_002, False),
    ],
)
def test_the_header_is_not_counted_as_an_office(max_rows, rows_read, admitted):
    assert Limits(max_rows=max_rows).admits_rows(rows_read) is admitted


def test_the_default_budget_is_a_hundred_thousand_offices():
    assert DEFAULT_LIMITS.max_rows == 100_000


def _csv(offices: int) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    writer.writerows(generate(offices))
    return stream.getvalue().encode()


@pytest.fixture(scope="module")
def hundred_thousand_and_one() -> bytes:
    return _csv(100_001)


def test_a_hundred_thousand_offices_are_loaded_and_one_more_is_refused_with_the_sentence(hundred_thousand_and_one):
    whole = hundred_thousand_and_one
    last_line = whole.rstrip(b"\r\n").rfind(b"\n") + 1
    exactly = whole[:last_line]
    assert len(exactly) < DEFAULT_LIMITS.max_file_bytes  # the size budget is not what decides here
    assert len(load_bytes(exactly, filename="partners.csv").frame) == 100_000
    with pytest.raises(InputTooLargeError) as caught:
        load_bytes(whole, filename="partners.csv")
    assert str(caught.value) == "partners.csv has more than 100000 rows; a partner file may have at most 100000."
    assert t("error.too_many_rows", "pl", name="partners.csv", limit=100000) == (
        "partners.csv ma ponad 100000 wierszy; plik partnerów może mieć najwyżej 100000."
    )


def _workbook(offices: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in generate(offices):
        sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def test_a_workbook_follows_the_same_budget():
    limits = Limits(max_rows=30)
    assert len(load_bytes(_workbook(30), filename="partners.xlsx", limits=limits).frame) == 30
    with pytest.raises(InputTooLargeError, match="more than 30 rows"):
        load_bytes(_workbook(31), filename="partners.xlsx", limits=limits)
