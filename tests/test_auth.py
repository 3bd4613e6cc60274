from __future__ import annotations

import math

import pytest

from partner_directory.access.passwords import hash_password, verify_password


def test_hash_and_verify():
    stored = hash_password("Zażółć-gęślą-jaźń")
    assert stored.startswith("scrypt$")
    assert verify_password("Zażółć-gęślą-jaźń", stored)
    assert not verify_password("zazolc-gesla-jazn", stored)
    assert hash_password("x") != hash_password("x")  # salted


@pytest.mark.parametrize("stored", ["", "plain-text", "scrypt$1$2", "md5$a$b$c$d$e", "scrypt$16384$8$1$zz$zz"])
def test_malformed_hashes_never_match(stored):
    assert not verify_password("anything", stored)


# The throttle's tests, on SQLite and PostgreSQL, are in tests/test_throttle.py.


# -- the sign-in forms, through the throttle (AppTest) ------------------------------------------------------


def _member_box_polish() -> None:
    from dashboard import signin

    signin.member_box("pl")


def test_a_wrong_code_in_polish_states_the_real_wait(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from dashboard import signin
    from tests.apptest import prepare

    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "members")
    monkeypatch.setenv("PARTNER_DIRECTORY_MEMBER_CODE_HASH", hash_password("the right code"))
    throttle = signin.throttle()
    clock = [2_000_000_000.0]
    throttle.clock = lambda: clock[0]
    throttle.failure_pause = 0.0
    at = AppTest.from_function(_member_box_polish, default_timeout=60).run()
    for seconds in (1, 2, 4):
        at.text_input(key="member_code").input("a guess")
        at.button(key="member_sign_in").click().run()
        errors = " ".join(e.value for e in at.error)
        assert "Ten kod dostępu jest nieprawidłowy." in errors
        assert f"Następna próba będzie możliwa za {seconds} s." in errors, errors
        clock[0] += seconds / 2  # half the window later: the wait said is what is left of it
        at.button(key="member_sign_in").click().run()
        errors = " ".join(e.value for e in at.error)
        assert f"odczekaj {math.ceil(seconds / 2)} s" in errors, errors  # was: "a few seconds", whatever the window
        clock[0] += seconds / 2


def test_without_its_database_the_sign_in_says_so_and_checks_nothing(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.apptest import prepare
    from tests.conftest import ROOT

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    prepare(monkeypatch, tmp_path, password_hash=hash_password("correct horse battery"))
    monkeypatch.setenv("PARTNER_DIRECTORY_DATABASE_URL", f"sqlite:///{blocker / 'visits.sqlite'}")
    at = AppTest.from_file(str(ROOT / "pages" / "staff.py"), default_timeout=60).run()
    at.text_input(key="staff_name").input("Anna")
    at.text_input(key="staff_password").input("correct horse battery")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("database cannot be reached" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.file_uploader  # not signed in: no decision, no check


@pytest.mark.parametrize(
    ("email", "domains", "allowed"),
    [
        (
            "Anna@ŻABKA.pl",
            ["żabka.pl"],
            True,
        ),  # the domain's capitals are not ASCII: str.lower alone and SQL lower differ
        ("anna@żabka.pl", ["@ŻABKA.PL"], True),
        ("anna@zabka.pl", ["żabka.pl"], False),  # a different letter, not a different case
        ("ANNA@STRASSE.DE", ["straße.de"], True),  # case folding: ß is ss
    ],
)
def test_member_domains_follow_the_one_rule_of_same_addresses(email, domains, allowed):
    from partner_directory.access.visibility import email_allowed

    assert email_allowed(email, domains) is allowed
