"""Control characters never break anything: validation, the register's input, every workbook, the .ics, file names.

The one owner is :func:`partner_directory.text.clean_text`. A partner file with
U+000B in ``office_name`` used to validate clean and then break the members'
and the staff's Excel (openpyxl's ``IllegalCharacterError``); a visit's company
``Vt\\x0bCorp`` broke the register's and the yearly report's Excel; U+2028, NEL
and VT passed into the .ics, where a parser splitting like ``str.splitlines()``
saw injected lines.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys
import unicodedata

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from streamlit.testing.v1 import AppTest

from partner_directory.errors import UnreadableFileError
from partner_directory.i18n import t
from partner_directory.publication.published import load_directory
from partner_directory.publication.publishing import draft_from_upload, evaluate, publish
from partner_directory.sheet.export import csv_bytes, excel_text, export_columns, xlsx_bytes
from partner_directory.sheet.guard import file_name_refusal
from partner_directory.sheet.listing import member_csv, member_table, member_xlsx
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.validation import check
from partner_directory.text import LINE_BREAKS, MULTI_LINE, ONE_LINE, clean_text, is_control, without_controls
from partner_directory.visits.register import Change, NewVisit, Register, Visit, register_csv, register_xlsx
from partner_directory.visits.report import report_csv, report_xlsx, year_report
from partner_directory.visits.rules import Host, VisitRequest, ics_text, visit_calendar
from tests.stores import store_beside
from tests.strategies import partner_files

HEADER = "partner_id,partner_name,office_name,city,country,latitude,longitude,services,description\r\n"
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # every code point, surrogates too
#: Every string a table can hold: pandas' string arrays (pyarrow) refuse a lone surrogate, so none reaches an export.
TABLE_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def workbook_values(data: bytes) -> list[list[object]]:
    """Every row of every sheet of a workbook, read back by openpyxl (fails on a workbook it cannot read)."""
    workbook = load_workbook(io.BytesIO(data))
    return [[cell.value for cell in row] for sheet in workbook.worksheets for row in sheet.iter_rows()]


def has_control(value: object) -> bool:
    return isinstance(value, str) and any(is_control(c) for c in value.replace("\n", "").replace("\t", ""))


# -- the one owner: a table of decisions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "expected", "found"),
    [
        ("Biuro Główne", ONE_LINE, "Biuro Główne", ""),
        ("Biuro\x0bGłówne", ONE_LINE, "Biuro Główne", "U+000B"),
        ("Vt\x0bCorp", MULTI_LINE, "Vt\nCorp", "U+000B"),
        ("a\tb", ONE_LINE, "a b", "U+0009"),
        ("a\tb", MULTI_LINE, "a\tb", ""),
        ("a\nb", ONE_LINE, "a b", "U+000A"),
        ("a\nb", MULTI_LINE, "a\nb", ""),
        ("a\r\nb", ONE_LINE, "a b", "U+000D, U+000A"),
        ("a\r\nb\rc", MULTI_LINE, "a\nb\nc", ""),  # another system's line breaks: the same breaks
        ("a\x85b\u2028c\u2029d", ONE_LINE, "a b c d", "U+0085, U+2028, U+2029"),
        ("a\x85b\u2028c\u2029d", MULTI_LINE, "a\nb\nc\nd", "U+0085, U+2028, U+2029"),
        ("a\x0cb\x1cc\x1dd\x1ee", ONE_LINE, "a b c d e", "U+000C, U+001C, U+001D, U+001E"),
        ("\x00N\x07U\x1bL\x7fL\x9f", ONE_LINE, "NULL", "U+0000, U+0007, U+001B, U+007F, U+009F"),
        ("a\ud800b\udfffc", ONE_LINE, "abc", "U+D800, U+DFFF"),
        ("a\ufffeb\uffffc\ufdd0d\U0010fffe", MULTI_LINE, "abcd", "U+FFFE, U+FFFF, U+FDD0, U+10FFFE"),
        ("\x0b\x0b", ONE_LINE, "  ", "U+000B"),  # each character is named once
        ("Zażółć 東京 \u200f\u00ad\ufeff", ONE_LINE, "Zażółć 東京 \u200f\u00ad\ufeff", ""),  # format characters stay
    ],
)
def test_clean_text_decides_per_kind_of_field(text, kind, expected, found):
    cleaned = clean_text(text, kind=kind)
    assert (cleaned.text, cleaned.code_points) == (expected, found)
    assert without_controls(text, kind=kind) == expected


def test_every_character_excel_or_a_line_splitter_refuses_is_a_control():
    illegal_for_openpyxl = {chr(c) for c in range(0x20) if ILLEGAL_CHARACTERS_RE.match(chr(c))}
    splits_a_line = {chr(c) for c in range(sys.maxunicode + 1) if len(f"a{chr(c)}b".splitlines()) == 2}
    assert splits_a_line == LINE_BREAKS
    assert all(is_control(c) for c in illegal_for_openpyxl | splits_a_line)
    for code in range(sys.maxunicode + 1):  # and nothing else: letters, marks, format characters stay
        character = chr(code)
        expected = (
            unicodedata.category(character) in ("Cc", "Cs")
            or character in "\u2028\u2029"
            or 0xFDD0 <= code <= 0xFDEF
            or code & 0xFFFE == 0xFFFE
        )
        assert is_control(character) == expected, hex(code)


@SETTINGS
@given(text=ANY_TEXT, kind=st.sampled_from((ONE_LINE, MULTI_LINE)))
def test_clean_text_leaves_no_control_and_is_stable(text, kind):
    cleaned = clean_text(text, kind=kind)
    kept = "\n\t" if kind == MULTI_LINE else ""
    assert not [c for c in cleaned.text if is_control(c) and c not in kept]
    assert clean_text(cleaned.text, kind=kind) == type(cleaned)(cleaned.text)  # nothing more to find
    assert bool(cleaned.found) == (cleaned.text != text) or "\r" in text


# -- a partner file: validation reports and removes, publication and every download work -----------------------


def partner_file(encoding: str) -> bytes:
    rows = (
        "a,Klaster A,Biuro\x0bGłówne,Gdańsk,PL,54.35,18.65,biurko,zwykły opis\r\n"
        'b,Klaster B,Oddział\x07,Gdynia,PL,54.52,18.53,desk,"dwa\r\nwiersze\x0c"\r\n'
    )
    if encoding == "utf-8":  # NEL and U+2028 have no byte in Windows-1250
        rows += "c,Klaster C\x85,HQ\u2028East,Sopot,PL,54.44,18.56,desk,opis\u2029dalej\r\n"
    return (HEADER + rows).encode(encoding)


EXPECTED = {
    "a": ("Klaster A", "Biuro Główne", "zwykły opis"),
    "b": ("Klaster B", "Oddział", "dwa\nwiersze"),
    "c": ("Klaster C", "HQ East", "opis\ndalej"),
}


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
def test_validation_names_row_column_and_character_and_removes_it(encoding):
    checked = check(load_bytes(partner_file(encoding), filename="partnerzy.csv"))
    assert checked.report.ok, [p.message() for p in checked.report.errors]
    found = {(p.row, p.column, p.params["characters"]) for p in checked.report.warnings if p.code == "control_removed"}
    expected = {(2, "office_name", "U+000B"), (3, "office_name", "U+0007"), (3, "description", "U+000C")}
    if encoding == "utf-8":
        expected |= {(4, "partner_name", "U+0085"), (4, "office_name", "U+2028"), (4, "description", "U+2029")}
    assert found == expected
    warning = next(p for p in checked.report.warnings if p.row == 2)
    for language in ("en", "pl"):
        sentence = warning.message(language)
        assert "U+000B" in sentence and "Biuro Główne" in sentence and "\x0b" not in sentence
        assert t("field.office_name", language) in sentence  # the column, as people call it
    table = checked.table.set_index("partner_id")
    for partner_id in table.index:
        assert tuple(table.loc[partner_id, ["partner_name", "office_name", "description"]]) == EXPECTED[partner_id]


def test_a_control_character_in_an_id_blocks_the_publish():
    data = (HEADER + "a\x0b1,Klaster A,,Gdańsk,PL,54.35,18.65,desk,\r\n").encode()
    report = check(load_bytes(data, filename="x.csv")).report
    assert [(p.code, p.row, p.column, p.params["characters"]) for p in report.errors] == [
        ("control_in_key", 2, "partner_id", "U+000B")
    ]
    assert "U+000B" in report.errors[0].message("pl")


def test_the_files_own_columns_and_headers_are_cleaned_too():
    data = 'partner_name,city,country,Notatki\r\nA,Gdańsk,PL,"raz\x0bdwa\r\ntrzy"\r\n'.encode()
    checked = check(load_bytes(data, filename="x.csv"))
    assert checked.table["Notatki"][0] == "raz\ndwa\ntrzy"
    assert [(p.column, p.params["characters"]) for p in checked.report.warnings if p.code == "control_removed"] == [
        ("Notatki", "U+000B")
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
def test_a_file_with_controls_publishes_and_every_download_writes(tmp_path, encoding):
    store = store_beside(tmp_path / "partners.csv", tmp_path / "history")
    draft, report = draft_from_upload(partner_file(encoding), "partnerzy.csv", base_version=None, max_bytes=10**6)
    assert draft is not None, [p.message() for p in report.errors]
    candidate = evaluate(draft, store)
    assert candidate.publishable, ([p.message() for p in candidate.report.errors], candidate.unplaced)
    publish(candidate, store, author="anna")
    (tmp_path / "published.csv").write_bytes(store.read_published())
    published = store.read_published().decode("utf-8-sig")
    assert not [c for c in published.replace("\r\n", "").replace("\n", "") if is_control(c)]
    directory = load_directory(tmp_path / "published.csv", cache_path=tmp_path / "cache.sqlite")
    assert not directory.report.warnings  # what was published holds none
    staff = workbook_values(xlsx_bytes(directory.table, columns=export_columns(directory.table)))
    assert staff[1][:3] == ["a", "Klaster A", "Biuro Główne"]
    for language in ("en", "pl"):
        table = member_table(directory.table, language=language, with_distance=True)
        members = workbook_values(member_xlsx(table))
        offices = [EXPECTED[key][1] for key in ("a", "b", "c")[: 3 if encoding == "utf-8" else 2]]
        assert [row[1] for row in members[1:]] == offices
        assert "Biuro Główne" in member_csv(table).decode("utf-8-sig")


def test_a_file_published_before_the_rule_still_downloads(tmp_path):
    """The issue's case: a published file holding U+000B; the members' and the staff's Excel both write."""
    path = tmp_path / "partners.csv"
    path.write_bytes(partner_file("utf-8"))  # as an older version published it, controls and all
    directory = load_directory(path, cache_path=tmp_path / "cache.sqlite")
    assert {p.code for p in directory.report.warnings} == {"control_removed"}
    assert list(directory.table["office_name"]) == ["Biuro Główne", "Oddział", "HQ East"]
    for data in (
        xlsx_bytes(directory.table),
        member_xlsx(member_table(directory.table, language="pl")),
    ):
        assert not [v for row in workbook_values(data) for v in row if has_control(v)]


# -- every workbook writes any string that can reach it ----------------------------------------------------------


@SETTINGS
@given(values=st.lists(TABLE_TEXT, min_size=1, max_size=4), header=TABLE_TEXT)
def test_the_staff_workbook_writes_and_reads_back_any_string(values, header):
    table = pd.DataFrame({"partner_name": values, f"x{header}": values}, dtype=object)
    columns = ["partner_name", f"x{header}"]
    rows = workbook_values(xlsx_bytes(table, columns=columns))
    assert rows[0] == [excel_text(c) for c in columns]
    assert [row[0] or "" for row in rows[1:]] == [excel_text(v) for v in values]
    assert csv_bytes(table, columns=columns)  # the CSV has no such limit, but must write too


@SETTINGS
@given(values=st.lists(ANY_TEXT, min_size=1, max_size=4), language=st.sampled_from(("en", "pl")))
def test_the_members_workbook_and_csv_write_any_string(values, language):
    rows = pd.DataFrame(
        {column: values for column in ("partner_name", "office_name", "city", "sectors", "contact_name")},
        dtype=object,
    )
    table = member_table(rows, language=language)
    read = workbook_values(member_xlsx(table))
    assert [row[0] or "" for row in read[1:]] == [excel_text(v) for v in values]
    assert member_csv(table)


def visit(**fields: object) -> Visit:
    """A stored visit as an older version may have stored it (no cleaning on the way in)."""
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    values: dict[str, object] = {
        "id": 1,
        "direction": "outgoing",
        "status": "completed",
        "member_company": "Acme",
        "member_name": "Jan",
        "member_email": "jan@acme.example.org",
        "partner_id": "p",
        "partner_name": "Partner",
        "office_name": "",
        "city": "",
        "country": "PL",
        "start": dt.date(2026, 3, 2),
        "end": dt.date(2026, 3, 3),
        "people": 1,
        "services": ("desk",),
        "language": "en",
        "note": "",
        "planned_days": 2,
        "actual_days": 2,
        "source": "form",
        "created_at": now,
        "created_by": "",
        "updated_at": now,
        "revision": 1,
    }
    return Visit(**(values | fields))  # type: ignore[arg-type]


@SETTINGS
@given(company=TABLE_TEXT, partner=TABLE_TEXT, note=TABLE_TEXT, language=st.sampled_from(("en", "pl")))
def test_the_register_and_the_report_write_any_string(company, partner, note, language):
    visits = [visit(member_company=company, partner_name=partner, note=note, created_by=note)]
    register_rows = workbook_values(register_xlsx(visits, language))
    assert excel_text(company) in [v or "" for v in register_rows[1]]
    assert register_csv(visits, language)
    report = year_report(visits, 2026)
    report_rows = workbook_values(report_xlsx(report, language))
    country = {"en": "Poland", "pl": "Polska"}[language]  # countries by name in the report
    assert [excel_text(partner), country, 1, 2, 0, 0] in [[v if v is not None else "" for v in r] for r in report_rows]
    assert report_csv(report, language)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(generated=partner_files(max_rows=3), language=st.sampled_from(("en", "pl")))
def test_any_generated_partner_file_validates_clean_and_every_download_writes(generated, language):
    try:
        loaded = load_bytes(generated.encode(), filename="partnerzy.csv")
    except UnreadableFileError:  # many controls in a small file: refused as binary, with a sentence
        assume(False)
    table = check(loaded).table
    cells = [str(v) for column in table.columns if column != "source_row" for v in table[column]]
    assert not [v for v in cells if has_control(v)]
    for data in (xlsx_bytes(table), member_xlsx(member_table(table, language=language, with_distance=True))):
        assert not [v for row in workbook_values(data) for v in row if has_control(v)]
    assert csv_bytes(table) and member_csv(member_table(table, language=language))


# -- a member's text: cleaned on input, stored clean, exported ---------------------------------------------------


def test_a_visit_with_a_control_character_is_stored_clean_and_exports(database_url):
    register = Register.open(database_url)
    new = NewVisit(
        "outgoing",
        "Vt\x0bCorp",
        "Klaster\u2028B",
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 3),
        member_name="Jan\x00 Kowalski",
        member_email="jan@acme.example.org\x85",
        note="raz\x0bdwa\r\ntrzy\x1b",
        country="PL",
    )
    assert (new.member_company, new.partner_name, new.member_name) == ("Vt Corp", "Klaster B", "Jan Kowalski")
    assert (new.member_email, new.note) == ("jan@acme.example.org ", "raz\ndwa\ntrzy")
    visit_id = register.record(new, source="form", by="staff")
    stored = register.get(visit_id)
    register.change(visit_id, Change(status="completed"), revision=stored.revision, by="staff")
    with register.database.engine.connect() as connection:
        raw = [str(v) for row in connection.execute(sa.text("SELECT * FROM visits")) for v in row]
    assert not [v for v in raw if has_control(v)], raw
    visits = register.find()
    assert visits[0].member_company == "Vt Corp" and visits[0].status == "completed"
    assert "Vt Corp" in workbook_values(register_xlsx(visits, "pl"))[1]
    report = year_report(visits, 2026)
    assert [row[0] for row in workbook_values(report_xlsx(report, "en")) if row[0] == "Vt Corp"] == ["Vt Corp"]
    register.database.dispose()


# -- the .ics: no injected line for a parser that splits like str.splitlines() -----------------------------------

ICS_NAMES = re.compile(
    r"^(BEGIN|END|VERSION|PRODID|CALSCALE|METHOD|UID|DTSTAMP|DTSTART|DTEND|SUMMARY|LOCATION|"
    r"DESCRIPTION|STATUS|TRANSP)[:;]"
)


def calendar_lines(request: VisitRequest, host: Host) -> list[str]:
    data = visit_calendar(
        request,
        host,
        home_cluster_name="Pomorski\x0bKlaster",
        home_cluster_email="bra@pomorski.example.org",
        stamp=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        language="pl",
    )
    return data.decode("utf-8").splitlines()


INJECTIONS = [f"ACME{c}ATTENDEE:mailto:evil@x.example" for c in sorted(LINE_BREAKS)] + ["a\r\n ATTENDEE:x"]


@pytest.mark.parametrize("text", INJECTIONS, ids=[*(f"U+{ord(c):04X}" for c in sorted(LINE_BREAKS)), "folded"])
def test_the_calendar_file_has_no_injected_line(text):
    request = VisitRequest(dt.date(2026, 3, 2), dt.date(2026, 3, 4), 1, ("desk",), text, text, text)
    host = Host(text, text, text, text, "host@partner.example.org", "PL")
    lines = calendar_lines(request, host)
    assert all(line.startswith(" ") or ICS_NAMES.match(line) for line in lines), lines
    unfolded = "\n".join(lines).replace("\n ", "")
    assert not [line for line in unfolded.splitlines() if line.startswith("ATTENDEE")]


@SETTINGS
@given(text=ANY_TEXT)
def test_an_ics_text_value_is_always_one_line_without_controls(text):
    escaped = ics_text(text)
    assert len(escaped.splitlines()) <= 1 and not [c for c in escaped if is_control(c) and c != "\t"]


def test_a_visit_request_is_cleaned_on_input():
    request = VisitRequest(dt.date(2026, 3, 2), dt.date(2026, 3, 2), 1, (), "Vt\x0bCorp", "Jan\u2028K", "a\x85b")
    assert (request.member_company, request.member_name, request.note) == ("Vt Corp", "Jan K", "a\nb")


# -- file names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "characters"),
    [
        ("partnerzy 2026.csv", None, ""),
        ("Partnerzy – łódź (1).xlsx", None, ""),
        ("東京.csv", None, ""),
        ("a\x00.csv", "bad_file_name", "U+0000"),
        ("a\x00.csv\x00.xlsx", "bad_file_name", "U+0000"),
        ("a\nb.csv", "bad_file_name", "U+000A"),
        ("a\tb.csv", "bad_file_name", "U+0009"),
        ("\x1b[31mred.csv", "bad_file_name", "U+001B"),
        ("a\x85\u2028.csv", "bad_file_name", "U+0085, U+2028"),
        ("a\x7f.csv", "bad_file_name", "U+007F"),
        ("", "empty_file_name", ""),
        ("   ", "empty_file_name", ""),
    ],
)
def test_which_file_names_are_refused(name, key, characters):
    refusal = file_name_refusal(name)
    assert (refusal.code, refusal.characters) == (key, characters) if refusal else key is None


def test_the_upload_route_refuses_a_control_in_a_file_name_in_both_languages():
    from dashboard.upload_guard import file_name_refused

    sentence = file_name_refused("partnerzy\x00.csv")
    assert sentence is not None and "U+0000" in sentence and "\x00" not in sentence
    assert t("error.bad_file_name", "en", characters="U+0000") in sentence
    assert t("error.bad_file_name", "pl", characters="U+0000") in sentence
    assert file_name_refused("partnerzy.csv") is None


@pytest.mark.parametrize("name", ["partnerzy\x00.csv", "a\u2028b.csv", " "])
def test_every_other_way_in_refuses_the_same_file_names(name):
    """AppTest, the command line and any caller of the domain meet the upload route's rule, as a sentence."""
    from partner_directory.errors import UnreadableFileError
    from partner_directory.publication.publishing import draft_from_upload

    with pytest.raises(UnreadableFileError) as refused:
        draft_from_upload(b"partner_name;city;country\nA;Gdynia;PL\n", name, base_version=None, max_bytes=10**6)
    assert refused.value.code == file_name_refusal(name).code
    assert "\x00" not in refused.value.message("pl") and refused.value.message("pl") != refused.value.message("en")


# -- a failed download is said, never nothing ------------------------------------------------------------------


def test_a_download_that_fails_gives_a_file_with_the_sentence_and_logs_it(caplog):
    from dashboard.downloads import failed_before, made_or_said

    def broken() -> bytes:
        raise ValueError("openpyxl refused a character")

    with caplog.at_level(logging.ERROR, logger="partner_directory.downloads"):
        data = made_or_said(broken, kind="xlsx", language="pl", session="s1")()
    assert workbook_values(data if isinstance(data, bytes) else data.encode()) == [[t("downloads.failed.xlsx", "pl")]]
    assert "openpyxl refused a character" in caplog.text
    assert failed_before("s1", "xlsx") and not failed_before("s1", "xlsx")  # said once, on the next run
    csv_file = made_or_said(broken, kind="csv", language="en", session=None)()
    assert isinstance(csv_file, bytes) and t("downloads.failed.csv", "en") in csv_file.decode("utf-8-sig")
    assert made_or_said(lambda: b"ok", kind="csv", language="en", session="s2")() == b"ok"
    assert not failed_before("s2", "csv")


def _page_with_a_failed_download() -> None:
    import streamlit as st

    from dashboard import downloads, navigation

    st.session_state["lang"] = "pl"

    def broken() -> bytes:
        raise ValueError("boom")

    if not st.session_state.get("failed_once"):
        st.session_state["failed_once"] = True
        downloads.made_or_said(broken, kind="xlsx", language="pl", session=navigation.session_id())()
    downloads.spreadsheet_downloads(
        st.columns(2),
        key="k",
        file_stem="f",
        excel=downloads.Download("Excel", broken),
        csv=downloads.Download("CSV", lambda: b""),
    )


def test_the_next_run_of_the_page_says_the_failure_in_the_pages_language():
    at = AppTest.from_function(_page_with_a_failed_download).run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("downloads.failed.xlsx", "pl")]
    at.run()
    assert not at.error  # said once


def test_the_translations_exist_in_both_languages():
    from partner_directory.i18n import tables

    for key in (
        "validation.control_removed",
        "validation.control_in_key",
        "downloads.failed.xlsx",
        "downloads.failed.csv",
        "error.bad_file_name",
        "error.empty_file_name",
    ):
        assert set(tables()[key]) == {"en", "pl"}, key


# -- the upload route, on a real server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import shutil

    from partner_directory.access.passwords import hash_password
    from tests.browser import app_environment, streamlit_server
    from tests.conftest import ROOT
    from tests.test_hostile_traffic import PASSWORD

    work = tmp_path_factory.mktemp("names")
    shutil.copy(ROOT / "data" / "partners.csv", work / "partners.csv")
    with (work / "partners.csv").open("ab") as published:  # as a version published before the rule holds it
        published.write(PUBLISHED_WITH_CONTROLS.encode())
    environment = app_environment(work / "partners.csv", work, password_hash=hash_password(PASSWORD))
    with streamlit_server(environment, work / "server.log") as running:
        yield running


def put_named(server, session_id: str, name: str) -> tuple[int, str]:
    """PUT a small file called ``name`` (raw bytes in the multipart header) for ``session_id``."""
    import http.client
    import uuid

    from tests.test_hostile_traffic import _xsrf

    cookie, token = _xsrf(server)
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode("utf-8", errors="surrogateescape")
    body = head + b"partner_name,city,country\r\nA,Gdynia,PL\r\n" + f"\r\n--{boundary}--\r\n".encode()
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(body)),
        "Cookie": cookie,
        "X-Xsrftoken": token,
    }
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=60)
    try:
        connection.request("PUT", f"/_stcore/upload_file/{session_id}/{uuid.uuid4().hex}", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def test_a_signed_in_upload_whose_name_holds_a_control_character_is_refused_with_a_sentence(server, monkeypatch):
    import tests.test_hostile_traffic as traffic

    names = iter(["partnerzy.csv", "partnerzy\x00.csv", "a\x1b[31m.csv", "a\u2028b.csv"])
    answers: list[tuple[int, str]] = []

    def put_next(server, session_id: str, size: int) -> int:  # the test's client, not the route under test
        answers.append(put_named(server, session_id, next(names)))
        return answers[-1][0]

    monkeypatch.setattr(traffic, "put_upload", put_next)
    statuses = traffic.uploads_from_session(server, [1, 1, 1, 1], sign_in=True)
    assert statuses == [204, 400, 400, 400], answers
    for (_, sentence), character in zip(answers[1:], ("U+0000", "U+001B", "U+2028"), strict=True):
        assert t("error.bad_file_name", "en", characters=character) in sentence
        assert t("error.bad_file_name", "pl", characters=character) in sentence
    assert "Refused an upload whose file name holds control characters" in server.log()


PUBLISHED_WITH_CONTROLS = (
    "vt-1,Klaster Vt\x0bTest,Biuro\x0bGłówne,,,Gdańsk,PL,54.35,18.65,ICT,desk,pl,Anna,,,,opis\u2028dalej,,\r\n"
)


async def _deferred_downloads(url: str) -> dict[str, tuple[str, bytes]]:
    """Open the members' page like a browser, click each deferred download, and fetch what it gives."""
    import asyncio
    import urllib.request

    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url.replace("http://", "ws://") + "/_stcore/stream", max_size=None) as socket:
        message = BackMsg()
        message.rerun_script.query_string = "lang=pl"
        message.rerun_script.page_name = ""
        await socket.send(message.SerializeToString())
        buttons: dict[str, str] = {}
        session = ""
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(socket.recv(), 60))
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                session = forward.new_session.initialize.session_id
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                if element.WhichOneof("type") == "download_button" and element.download_button.deferred_file_id:
                    buttons[element.download_button.id.rsplit("-", 1)[-1]] = element.download_button.deferred_file_id
            if kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                break
        fetched: dict[str, tuple[str, bytes]] = {}
        for number, (key, file_id) in enumerate(sorted(buttons.items())):
            request = BackMsg()
            request.backend_operation_request.request_id = f"r{number}"
            request.backend_operation_request.session_id = session
            request.backend_operation_request.deferred_file.file_id = file_id
            await socket.send(request.SerializeToString())
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await asyncio.wait_for(socket.recv(), 60))
                if forward.WhichOneof("type") == "backend_operation_response":
                    response = forward.backend_operation_response
                    break
            if response.error_msg:
                fetched[key] = (response.error_msg, b"")
                continue
            address = response.deferred_file.url
            with urllib.request.urlopen(address if address.startswith("http") else url + address) as answer:
                fetched[key] = ("", answer.read())
    return fetched


def test_the_members_downloads_of_a_file_with_controls_write_on_a_real_server(server):
    """The issue's case end to end: the Excel button of the members' page gave nothing (IllegalCharacterError)."""
    import asyncio

    fetched = asyncio.run(_deferred_downloads(server.url))
    assert {"download_xlsx", "download_csv"} <= set(fetched), fetched.keys()
    assert fetched["download_xlsx"][0] == "" and fetched["download_csv"][0] == "", fetched
    rows = workbook_values(fetched["download_xlsx"][1])
    assert ["Klaster Vt Test", "Biuro Główne"] in [row[:2] for row in rows]
    assert not [v for row in rows for v in row if has_control(v)]
    assert "Biuro Główne" in fetched["download_csv"][1].decode("utf-8-sig")
    assert "IllegalCharacterError" not in server.log()


def test_a_member_typing_control_characters_in_the_visit_form_stores_and_mails_clean_text(monkeypatch, tmp_path):
    from tests.test_visit_app import TOKYO, mail, open_card, registered, submit

    at = submit(open_card(monkeypatch, tmp_path, TOKYO, lang="en"), company="Vt\x0bCorp", name="Jan\u2028Kowalski\x00")
    [stored] = registered(tmp_path)
    assert (stored.member_company, stored.member_name) == ("Vt Corp", "Jan Kowalski")
    subject, body = mail(at)
    assert "Vt Corp" in body and not [c for c in subject + body if is_control(c) and c not in "\n"]
    assert "Vt Corp" in workbook_values(register_xlsx([stored], "en"))[1]
