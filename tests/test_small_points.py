"""The smaller points of the hostile-input review, each reproduced first."""

from __future__ import annotations

import itertools

import pytest

from partner_directory.links import email_href, is_email, safe_href
from partner_directory.sheet.guard import guard_cell, unguard_cell
from partner_directory.sheet.loading import decode, load_bytes
from partner_directory.sheet.validation import check
from tests.apptest import app, prepare, texts

# --- one e-mail rule everywhere --------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["a@b.co?bcc=evil@x.example", "a@b.co?cc=x@y.org", "a@b.co&bcc=e@x.example", "a@b.co#x", "a@b.co,evil@x.example"],
)
def test_an_address_with_extra_headers_never_becomes_a_mail_link(address):
    assert not is_email(address)
    assert email_href(address) is None
    if "?cc=" not in address:  # a copy to one address is what the visit request itself sends
        assert safe_href("mailto:" + address) is None  # was: the card's button took the whole thing


def test_a_plain_address_becomes_a_plain_mail_link():
    assert email_href("anna.nowak@example.org") == "mailto:anna.nowak@example.org"
    assert safe_href("mailto:anna@example.org?subject=Visit&cc=office@example.org") is not None  # the visit request


def test_the_card_offers_no_mail_button_for_an_address_with_headers(monkeypatch, tmp_path):
    data = (
        "partner_id,partner_name,city,country,contact_email\r\n"
        "evil,Evil Cluster,Gdańsk,PL,a@b.co?bcc=evil@x.example\r\n"
        "good,Good Cluster,Sopot,PL,anna@example.org\r\n"
    ).encode()
    prepare(monkeypatch, tmp_path, data=data)
    at = app()
    at.query_params["partner"] = "evil"
    at.run()
    assert not at.exception
    assert "📍 Gdańsk, Poland" in texts(at)  # the card of the office is open
    links = [button.proto.url for button in at.get("link_button")]
    assert not any("bcc" in url or "evil@x.example" in url for url in links), links


# --- encodings and quotes ----------------------------------------------------------------------------


def test_a_file_mixing_utf8_and_windows_1250_rows_is_read_row_by_row_and_warned():
    data = (
        b"partner_name,city,country\r\n"
        + "Pomorski Klaster,Gdańsk,PL\r\n".encode()
        + "Klaster Śląski,Katowice,PL\r\n".encode("cp1250")
        + "Klaster Łódzki,Łódź,PL\r\n".encode()
    )
    checked = check(load_bytes(data, filename="mixed.csv"))
    assert list(checked.table["city"]) == ["Gdańsk", "Katowice", "Łódź"]  # was: "GdaĹ„sk"
    assert list(checked.table["partner_name"]) == ["Pomorski Klaster", "Klaster Śląski", "Klaster Łódzki"]
    warnings = [(p.row, p.message("en")) for p in checked.report.warnings]
    assert warnings == [
        (
            3,
            "This row is in Windows-1250 while the rest of the file is UTF-8; it was read as Windows-1250, check its letters.",
        )
    ]
    assert checked.report.warnings[0].message("pl").startswith("Ten wiersz")


def test_an_unbalanced_quote_is_named():
    data = b'partner_name,city,country\r\nA,"Gdansk,PL\r\nB,Sopot,PL\r\nC,Gdynia,PL\r\n'
    checked = check(load_bytes(data, filename="quote.csv"))
    messages = [(p.row, p.column, p.message("en")) for p in checked.report.problems if "quote" in p.message("en")]
    assert messages, [p.message("en") for p in checked.report.problems]
    row, column, message = messages[0]
    assert (row, column) == (2, "city")
    assert 'A quote (")' in message and "2 lines" in message


def test_legitimate_line_breaks_in_quotes_are_not_warned():
    data = b'partner_name,address,city,country\r\nA,"ul. Dluga 1\r\nII pietro",Gdansk,PL\r\nB,Morska 2,Gdynia,PL\r\n'
    checked = check(load_bytes(data, filename="ok.csv"))
    assert not [p for p in checked.report.problems if "quote" in p.message("en")]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_detected(codec):
    data = "partner_name;city;country\r\nPomorski Klaster;Gdańsk;PL\r\n".encode(codec)
    text, encoding = decode(data)  # was: "binary data"
    assert encoding == codec and "Gdańsk" in text
    assert list(load_bytes(data, filename="u16.csv").frame["city"]) == ["Gdańsk"]


# --- the guard's exact inverse ---------------------------------------------------------------------


def test_loading_keeps_an_apostrophe_a_person_typed():
    data = "partner_name,city,country,description\r\nA,Gdańsk,PL,'-- best partner --'\r\n".encode()
    loaded = load_bytes(data, filename="typed.csv")
    assert loaded.frame["description"][0] == "'-- best partner --'"  # was: "-- best partner --'"


@pytest.mark.parametrize(
    "value",
    ["'-- best partner --'", "-- best partner --'", "''-- x'", "'", "''", "'=1'", "=1'", "'a'", "-'", "'-'", "x'"],
)
def test_guard_and_unguard_are_exact_inverses_for_apostrophes_at_the_end(value):
    assert unguard_cell(guard_cell(value)) == value


def test_guard_and_unguard_are_exact_inverses_for_every_short_string():
    alphabet = ["'", "=", "-", "+", "@", "a", "1", " ", "\t"]
    for length in range(1, 6):
        for letters in itertools.product(alphabet, repeat=length):
            value = "".join(letters)
            assert unguard_cell(guard_cell(value)) == value, value


# --- names escaped everywhere ----------------------------------------------------------------------


def test_the_staff_name_is_shown_as_typed_never_as_markdown(monkeypatch, tmp_path):
    from tests.test_staff_app import HASH, sign_in

    prepare(monkeypatch, tmp_path, password_hash=HASH)
    at = sign_in(app().run(), "**Anna** [click](javascript:alert(1)) <b>x</b>")
    captions = [c.value for c in at.caption if "Signed in as" in c.value]
    assert captions, [c.value for c in at.caption]
    assert r"\*\*Anna\*\* \[click\]\(javascript\:alert\(1\)\) \<b\>x\</b\>" in captions[0]
