"""The pages when the office's database cannot be reached: a sentence on every page, never a traceback.

The published list lives in the database now, so a database that is down empties
the members' page; it says why in the page's language.
"""

from __future__ import annotations

import pytest

from tests.apptest import app, prepare, texts
from tests.test_staff_app import HASH, PASSWORD


@pytest.fixture
def database_down(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path, password_hash=HASH)
    # A PostgreSQL URL whose socket folder has no server: every connection is refused at once.
    monkeypatch.setenv("PARTNER_DIRECTORY_DATABASE_URL", f"postgresql://bra@/bra?host={tmp_path}")
    return tmp_path


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "The partner list cannot be read from the office's database right now."),
        ("pl", "Nie można teraz odczytać listy partnerów z bazy danych biura."),
    ],
)
def test_members_are_told_the_list_cannot_be_read(database_down, lang, sentence):
    at = app()
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert sentence in texts(at)
    at.switch_page("pages/overview.py").run()
    assert not at.exception


def test_staff_get_a_sentence_and_no_traceback(database_down):
    at = app().run()
    at.switch_page("pages/staff.py").run()
    at.text_input(key="staff_name").input("Anna Nowak")
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[0].click().run()  # the throttle's state is in the database too: nothing is checked
    assert not at.exception
    assert "Signing in is not possible right now: the office's database cannot be reached." in texts(at)
