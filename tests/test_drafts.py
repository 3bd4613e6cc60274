"""Drafts kept in the office's database per staff member (SQLite and PostgreSQL): bounded, read back the same, damage ignored."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from partner_directory.errors import DraftTooBigError
from partner_directory.publication.drafts import DRAFT_MAX_AGE_DAYS, Draft, DraftStore, drafts_table
from partner_directory.publication.store import Store


@pytest.fixture
def database(database_url):
    store = Store.open(database_url)
    yield store.database
    store.database.dispose()


def a_draft(rows: int = 2) -> Draft:
    table = pd.DataFrame(
        {"partner_name": [f"Klaster {i} „Żuraw”" for i in range(rows)], "city": ["Gdańsk"] * rows}, dtype=object
    )
    return Draft(
        rows=table,
        row_numbers=tuple(range(3, rows + 3)),
        origin="upload",
        base_version="abc",
        filename="partnerzy.csv",
        headers=(("partner_name", "Nazwa klastra"), ("city", "Miasto")),
        long_rows=((4, 7),),
    )


def test_a_draft_is_read_back_exactly(database):
    drafts = DraftStore(database, max_bytes=100_000)
    now = dt.datetime(2026, 11, 28, 10, 42, tzinfo=dt.UTC)
    saved = drafts.save(a_draft(), author="Anna Nowak", now=now)
    again = drafts.load("Anna Nowak")
    assert again is not None and again.saved_at == now == saved.saved_at
    assert again.rows.equals(saved.rows) and again.row_numbers == (3, 4)
    assert (again.filename, again.headers, again.long_rows, again.base_version) == (
        "partnerzy.csv",
        (("partner_name", "Nazwa klastra"), ("city", "Miasto")),
        ((4, 7),),
        "abc",
    )
    assert drafts.load("Piotr") is None  # one draft per person
    assert drafts.load(" anna nowak ") is not None  # the same person, typed a little differently


def test_names_never_become_keys_as_typed(database):
    drafts = DraftStore(database, max_bytes=100_000)
    drafts.save(a_draft(), author="../../etc/passwd")
    with database.read() as connection:
        keys = connection.execute(sa.select(drafts_table.c.author_key)).scalars().all()
    assert keys == [DraftStore.key("../../etc/passwd")] and all(c in "0123456789abcdef" for c in keys[0])


def test_a_draft_over_the_limit_is_refused_and_the_kept_one_stays(database):
    drafts = DraftStore(database, max_bytes=2_000)
    drafts.save(a_draft(2), author="anna")
    with pytest.raises(DraftTooBigError, match=r"more than the 0\.002 MB"):
        drafts.save(a_draft(200), author="anna")
    assert len(drafts.load("anna").rows) == 2


def test_a_damaged_draft_is_ignored_and_discard_removes_it(database):
    drafts = DraftStore(database, max_bytes=100_000)
    drafts.save(a_draft(), author="anna")
    with database.write() as connection:
        connection.execute(drafts_table.update().values(content=b'{"format": 1, "rows": ['))
    assert drafts.load("anna") is None
    drafts.discard("anna")
    with database.read() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(drafts_table)).scalar() == 0
    drafts.discard("anna")  # nothing to remove: no error


def test_old_drafts_are_removed(database):
    drafts = DraftStore(database, max_bytes=100_000)
    drafts.save(a_draft(), author="old")
    past = time.time() - (DRAFT_MAX_AGE_DAYS + 1) * 86_400
    with database.write() as connection:
        connection.execute(
            drafts_table.update().where(drafts_table.c.author_key == DraftStore.key("old")).values(saved_at=past)
        )
    drafts.save(a_draft(), author="new")
    assert drafts.load("old") is None and drafts.load("new") is not None
