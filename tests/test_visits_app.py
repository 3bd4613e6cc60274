"""The register's and the members' widgets through Streamlit's AppTest, against a real SQLite register."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from partner_directory.access.passwords import hash_password
from partner_directory.visits.register import Change, NewVisit, Register
from tests.apptest import prepare, texts

CODE = "bra-members-2026"
YEAR = dt.date.today().year  # the register opens on this year


def register_page() -> None:
    from dashboard.office import visits

    visits.register_tab("Ola (office)", "en")


def report_page() -> None:
    from dashboard.office import report

    report.report_tab("pl")


def member_page() -> None:
    import streamlit as st

    from dashboard import signin, visibility

    signin.member_box("en")
    st.write("contacts" if visibility.sees_contacts() else "no contacts")


def run(function, **kwargs) -> AppTest:
    at = AppTest.from_function(function, default_timeout=120, **kwargs)
    return at.run()


@pytest.fixture
def register(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    opened = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    yield opened
    opened.database.dispose()


def visit(**changes) -> NewVisit:
    values = dict(
        direction="outgoing",
        member_company="Acme Sp. z o.o.",
        partner_name="Berlin Digital Cluster",
        start=dt.date(YEAR, 3, 2),
        end=dt.date(YEAR, 3, 4),
        member_name="Anna Nowak",
        member_email="anna@acme.example.org",
    )
    values.update(changes)
    return NewVisit(**values)


def test_staff_filter_confirm_and_complete(register):
    first = register.record(visit())
    register.record(visit(member_company="Bałtyk Soft", partner_name="Tokyo IT Cluster"))
    at = run(register_page)
    assert not at.exception
    register.record(visit(start=dt.date(YEAR - 1, 5, 4), end=dt.date(YEAR - 1, 5, 4)))
    assert f"Visits shown: 2 (from {YEAR} on)." in texts(at)  # this year's and the upcoming ones
    at.selectbox(key="visits_company").set_value("Acme Sp. z o.o.").run()
    assert f"Visits shown: 1 (company Acme Sp. z o.o., from {YEAR} on)." in texts(at)
    at.selectbox(key="visits_year").select_index(0).run()  # "any"
    assert "Visits shown: 2 (company Acme Sp. z o.o.)." in texts(at)
    at.selectbox(key=f"visits_new_status_{first}").set_value("confirmed")
    at.button(key=f"visits_save_{first}").click().run()
    assert not at.exception
    assert register.get(first).status == "confirmed"
    assert "Saved: No. 1" in texts(at)
    at.selectbox(key=f"visits_new_status_{first}").set_value("completed")
    at.number_input(key=f"visits_actual_days_{first}").set_value(2)
    at.button(key=f"visits_save_{first}").click().run()
    done = register.get(first)
    assert (done.status, done.actual_days) == ("completed", 2)
    assert [e.by for e in register.events(first)][1:] == ["Ola (office)"] * 3


def test_a_change_someone_else_made_first_is_refused_on_the_page(register):
    first = register.record(visit())
    at = run(register_page)
    register.change(first, Change(status="cancelled"), revision=1, by="Piotr")  # another office worker, meanwhile
    at.selectbox(key=f"visits_new_status_{first}").set_value("confirmed")
    at.button(key=f"visits_save_{first}").click().run()
    assert "changed by someone else" in texts(at)
    assert register.get(first).status == "cancelled"
    # having seen it again, the next save goes through
    at.selectbox(key=f"visits_new_status_{first}").set_value("confirmed")
    at.button(key=f"visits_save_{first}").click().run()
    assert register.get(first).status == "confirmed"


def test_staff_add_an_incoming_visit_and_bad_input_is_a_sentence(register):
    at = run(register_page)
    at.text_input(key="visits_in_company").input("Müller GmbH")
    at.button(key="visits_in_add").click().run()
    assert "Name the partner cluster." in texts(at)
    assert register.count() == 0
    at.selectbox(key="visits_in_partner").set_value("Vistula Software Alliance")
    at.date_input(key="visits_in_dates").set_value((dt.date(2026, 6, 1), dt.date(2026, 6, 3)))
    at.number_input(key="visits_in_days").set_value(3)
    at.button(key="visits_in_add").click().run()
    assert not at.exception
    [added] = register.find()
    assert (added.direction, added.member_company, added.status, added.days_used, added.created_by) == (
        "incoming",
        "Müller GmbH",
        "completed",
        3,
        "Ola (office)",
    )


def test_staff_erase_a_members_personal_data(register):
    register.record(visit())
    at = run(register_page)
    at.text_input(key="visits_erase_email").input("ANNA@acme.example.org")
    at.button(key="visits_erase").click().run()
    assert "Personal data erased from visits: 1." in texts(at)
    assert register.find()[0].member_email == ""


def test_the_report_tab_in_polish(register):
    year = dt.date.today().year
    first = register.record(visit(start=dt.date(year, 1, 5), end=dt.date(year, 1, 6)))
    register.change(first, Change(status="completed"), revision=1, by="Ola")
    at = run(report_page)
    assert not at.exception
    assert f"Wykorzystanie BRA w roku {year}" in [s.value for s in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Odbyte wizyty naszych członków u partnerów"] == "1"
    assert metrics["Dni wykorzystane przez naszych członków u partnerów"] == "2"
    assert at.get("vega_lite_chart")  # the chart of days per partner


def test_an_unreachable_database_is_a_sentence_on_the_page(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_DATABASE_URL", f"postgresql://bra@/bra?host={tmp_path}")
    at = run(register_page)
    assert not at.exception
    assert (
        "The office's database (the partner list, the visits register and mail) cannot be reached right now"
        in texts(at)
    )


@pytest.fixture
def members_mode(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "members")
    monkeypatch.setenv("PARTNER_DIRECTORY_MEMBER_CODE_HASH", hash_password(CODE))


def test_public_mode_shows_no_sign_in_and_everything(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.delenv("PARTNER_DIRECTORY_ACCESS", raising=False)
    at = run(member_page)
    assert not at.text_input and "contacts" in [m.value for m in at.markdown]


def test_members_sign_in_with_the_access_code(members_mode):
    at = run(member_page)
    assert "no contacts" in [m.value for m in at.markdown]
    at.text_input(key="member_code").input("wrong guess")
    at.button(key="member_sign_in").click().run()
    assert "That access code is not right." in texts(at)
    assert "no contacts" in [m.value for m in at.markdown]
    at.text_input(key="member_code").input(CODE)
    at.button(key="member_sign_in").click().run()
    # the throttle may still hold the last failure's back-off window; it says so, and then lets the member in
    for _ in range(10):
        if "Too many failed attempts" not in texts(at):
            break
        import time

        time.sleep(1.1)
        at.text_input(key="member_code").input(CODE)
        at.button(key="member_sign_in").click().run()
    assert "contacts" in [m.value for m in at.markdown]
    assert "Signed in as a member." in texts(at)
    at.button(key="member_sign_out").click().run()
    assert "no contacts" in [m.value for m in at.markdown]


def test_a_forged_widget_state_is_not_a_sign_in(members_mode):
    at = AppTest.from_function(member_page, default_timeout=120)
    at.session_state["member_signed_in"] = True  # what a browser could send: a plain value, not the sign-in object
    at.run()
    assert "no contacts" in [m.value for m in at.markdown]


def hidden_page() -> None:
    import streamlit as st

    from dashboard import visibility
    from partner_directory.search.criteria import Criteria
    from partner_directory.search.engine import search

    found = visibility.directory()
    rows = search(visibility.search_index(found), Criteria(text="Marta Wiślańska")).rows
    st.write(f"emails:{int((found.table['contact_email'] != '').sum())} found:{len(rows)}")


def test_members_mode_hides_contacts_from_the_table_and_the_search(members_mode, monkeypatch, tmp_path):
    from partner_directory.publication.published import load_directory

    demo = load_directory(tmp_path / "partners.csv", cache_path=tmp_path / "geocache.sqlite").table
    person = "Marta Wiślańska"
    assert person in set(demo["contact_name"]), "the demo data changed; pick another contact person"
    at = run(hidden_page)
    assert not at.exception
    assert "emails:0 found:0" in [m.value for m in at.markdown]
    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "public")
    st.cache_resource.clear()  # the settings are read once per process
    at = run(hidden_page)
    emails = int((demo["contact_email"] != "").sum())
    [line] = [m.value for m in at.markdown if m.value.startswith("emails:")]
    assert line.startswith(f"emails:{emails} found:") and not line.endswith("found:0")


def test_the_office_page_has_the_register_the_report_and_the_backup(monkeypatch, tmp_path):
    import io
    import zipfile

    from tests.test_staff_app import signed_in

    opened = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    opened.record(visit())
    opened.database.dispose()
    at = signed_in(monkeypatch, tmp_path)
    assert not at.exception
    assert [tab.label for tab in at.tabs][-4:-2] == ["Visits", "BRA report"]
    assert f"Visits shown: 1 (from {YEAR} on)." in texts(at)
    assert at.selectbox(key="report_year").value == YEAR
    [backup] = [b for b in at.get("download_button") if "backup" in b.proto.label.lower()]
    assert backup.proto.label.startswith("Download a backup")
    from partner_directory.visits.backup import backup_zip

    config_files = zipfile.ZipFile(
        io.BytesIO(
            backup_zip(
                data_file=tmp_path / "partners.csv",
                history_dir=tmp_path / "history",
                register=Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}"),
            )
        )
    ).namelist()
    assert "visits/visits.csv" in config_files and "partners.csv" in config_files


def test_the_overview_shows_where_members_go_and_no_one_by_name(register):
    from tests.apptest import app
    from tests.test_visit_app import everything

    done = register.record(visit())
    register.change(done, Change(status="completed"), revision=1, by="Ola")
    register.record(visit(member_company="Still Pending Ltd"))  # not completed: not counted
    at = app()
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception
    assert "Where our members go" in [s.value for s in at.subheader]
    assert "all years: 1" in texts(at)
    rendered = everything(at._tree)
    assert "Berlin Digital Cluster" in rendered
    for private in ("Acme", "Anna Nowak", "anna@acme", "Still Pending"):
        assert private not in rendered
