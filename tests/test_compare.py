from __future__ import annotations

from partner_directory.sheet.compare import compare
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.validation import check


def table(text: str):
    return check(load_bytes(text.encode(), filename="x.csv")).table


def test_added_removed_changed_by_id():
    old = table(
        "partner_id,name,city,country,contact_email\na,A,Gdańsk,PL,a@example.org\nb,B,Sopot,PL,\nc,C,Gdynia,PL,\n"
    )
    new = table(
        "partner_id,name,city,country,contact_email\na,A,Gdańsk,PL,new@example.org\nc,C,Gdynia,PL,\nd,D,Łódź,PL,\n"
    )
    diff = compare(old, new)
    assert diff.counts() == (1, 1, 1)
    assert list(diff.added["partner_id"]) == ["d"]
    assert list(diff.removed["partner_id"]) == ["b"]
    assert diff.changed[0].partner_id == "a"
    assert diff.changed[0].fields == {"contact_email": ("a@example.org", "new@example.org")}
    assert diff.added_positions == [2] and diff.changed_positions == [0]


def test_rows_without_ids_are_matched_by_name_and_city():
    old = table("partner_id,name,city,country\nkeep-me,Baltic Cluster,Gdańsk,PL\n")
    new = table("name,city,country,phone\nBALTIC CLUSTER,Gdansk,PL,+48 1\n")
    diff = compare(old, new)
    assert diff.counts() == (0, 1, 0)
    assert diff.changed[0].fields["contact_phone"] == ("", "+48 1")


def test_identical_tables_have_an_empty_diff():
    text = "name,city,country\nA,Gdańsk,PL\n"
    assert compare(table(text), table(text)).empty
