"""The office's work as a model: register picks, the restore guard, completed visits, and a state machine.

The regression tests below each fail without their fix. The state machine at the end draws the office's
steps in any order and checks the invariants after every step; run a longer search with
``HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_office_model.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox

from partner_directory.visits.register import NewVisit, Register
from tests.apptest import prepare, texts

TODAY = "2026-12-04"


def register_page() -> None:
    from dashboard.office import visits

    visits.register_tab("Ola (office)", "en")


def run(function) -> AppTest:
    return AppTest.from_function(function, default_timeout=120).run()


@pytest.fixture
def register(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_TODAY", TODAY)
    opened = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    yield opened
    opened.database.dispose()


def visit(**changes) -> NewVisit:
    values = dict(
        direction="outgoing",
        member_company="Acme Sp. z o.o.",
        partner_name="Berlin Digital Cluster",
        start=dt.date(2026, 3, 2),
        end=dt.date(2026, 3, 4),
        member_name="Anna Nowak",
        member_email="anna@acme.example.org",
    )
    values.update(changes)
    return NewVisit(**values)


# -- defect 2: a register pick is the visit's id, and no save is dropped -------------------------------------


class BrowserSelectbox(Selectbox):
    """A selectbox as the browser holds it: it sends back the label it last showed, not the server's new one."""

    shown = ""

    @property
    def _widget_state(self) -> WidgetState:
        return WidgetState(id=self.id, string_value=self.shown)


def as_the_browser_holds(at: AppTest, key: str, label: str) -> None:
    element = at.selectbox(key=key)
    element.__class__ = BrowserSelectbox
    element.shown = label


def test_the_pick_stays_on_its_visit_when_its_status_changes(register):
    first = register.record(visit())
    second = register.record(visit(member_company="Bałtyk Soft", start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 11)))
    at = run(register_page)
    at.selectbox(key="visits_pick").set_value(first).run()
    shown = at.selectbox(key="visits_pick").options[at.selectbox(key="visits_pick").index]
    at.selectbox(key=f"visits_new_status_{first}").set_value("confirmed")
    at.button(key=f"visits_save_{first}").click().run()
    assert not at.exception
    assert "Saved" in texts(at) and register.get(first).status == "confirmed"
    as_the_browser_holds(at, "visits_pick", shown)  # the label it showed before the save
    at.run()
    assert at.selectbox(key="visits_pick").value == first  # not the visit that now fills the position
    at.selectbox(key=f"visits_new_status_{first}").set_value("completed")
    at.number_input(key=f"visits_actual_days_{first}").set_value(2)
    at.button(key=f"visits_save_{first}").click().run()
    assert not at.exception
    done = register.get(first)
    assert (done.status, done.actual_days) == ("completed", 2)
    assert "Saved" in texts(at)
    assert register.get(second).status == "requested"


def test_a_save_whose_visit_left_the_list_is_still_said(register):
    first = register.record(visit())
    at = run(register_page)
    at.selectbox(key="visits_status").set_value("requested").run()
    at.selectbox(key=f"visits_new_status_{first}").set_value("confirmed")
    at.button(key=f"visits_save_{first}").click().run()
    assert not at.exception
    assert register.get(first).status == "confirmed"
    assert "Saved: No. 1" in texts(at)  # the visit left the filtered list; its save is acknowledged all the same


# -- defect 5: a visit is completed only once its days have begun --------------------------------------------


@pytest.mark.parametrize(
    ("start", "today", "allowed"),
    [
        (dt.date(2026, 12, 21), dt.date(2026, 12, 4), False),
        (dt.date(2026, 12, 5), dt.date(2026, 12, 4), False),
        (dt.date(2026, 12, 4), dt.date(2026, 12, 4), True),
        (dt.date(2026, 3, 2), dt.date(2026, 12, 4), True),
    ],
)
def test_may_complete(start, today, allowed):
    from partner_directory.visits.rules import may_complete

    assert may_complete(start, today=today) is allowed


def test_the_register_refuses_to_complete_a_visit_not_begun(register):
    from partner_directory.errors import InvalidValueError
    from partner_directory.visits.register import Change

    december = register.record(visit(start=dt.date(2026, 12, 21), end=dt.date(2026, 12, 23)))
    with pytest.raises(InvalidValueError):
        register.change(december, Change(status="completed"), revision=1, by="Ola", today=dt.date(2026, 12, 4))
    assert register.get(december).status == "requested"
    done = register.change(december, Change(status="completed"), revision=1, by="Ola", today=dt.date(2026, 12, 21))
    assert done.status == "completed"


def test_staff_are_warned_and_refused_on_the_page(register):
    december = register.record(visit(start=dt.date(2026, 12, 21), end=dt.date(2026, 12, 23)))
    at = run(register_page)
    assert "Visit No. 1 begins on 2026-12-21" in texts(at)
    at.selectbox(key=f"visits_new_status_{december}").set_value("completed")
    at.button(key=f"visits_save_{december}").click().run()
    assert not at.exception
    assert "marked completed only once its days have begun" in texts(at)
    assert register.get(december).status == "requested"


def test_a_completed_visit_not_begun_counts_nowhere():
    from partner_directory.visits.report import anonymised_totals, year_report

    base = dict(
        direction="outgoing",
        member_company="Acme",
        member_name="",
        member_email="",
        partner_id="p",
        partner_name="Bavarian Robotics",
        office_name="",
        city="München",
        country="DE",
        people=1,
        services=(),
        language="en",
        note="",
        planned_days=3,
        actual_days=3,
        source="staff",
        created_at=dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
        created_by="Ola",
        updated_at=dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
        revision=2,
    )
    from partner_directory.visits.register import Visit

    done = Visit(id=1, status="completed", start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4), **base)
    early = Visit(id=2, status="completed", start=dt.date(2026, 12, 21), end=dt.date(2026, 12, 23), **base)
    report = year_report([done, early], 2026, today=dt.date(2026, 12, 4))
    assert report.totals["outgoing_visits"] == 1 and report.totals["outgoing_days"] == 3
    assert anonymised_totals([done, early], today=dt.date(2026, 12, 4))["visits"].tolist() == [1]


# -- defect 4: a restore is guarded like a publish, and its notice tells the truth ---------------------------


def publish_two_offices(monkeypatch, tmp_path) -> AppTest:
    """The staff page after publishing two offices over the 62 of the demo list (confirmed, as it must be)."""
    from tests.test_staff_app import GOOD_ROWS, POLISH_HEADER, signed_in, upload

    at = signed_in(monkeypatch, tmp_path)
    upload(at, "partnerzy.csv", (POLISH_HEADER + GOOD_ROWS).encode("cp1250"))
    at.button(key="geocode").click().run()
    at.button(key="publish").click().run()
    at.button(key="publish_confirm").click().run()
    assert "Published: the version of" in texts(at)
    return at.run()


def restore_button(at: AppTest):
    [button] = [b for b in at.button if b.key and b.key.startswith("restore-")]
    return button


def test_a_restore_that_removes_the_whole_list_asks_first(monkeypatch, tmp_path):
    at = publish_two_offices(monkeypatch, tmp_path)
    data_file = tmp_path / "partners.csv"
    before = data_file.read_bytes()
    restore_button(at).click().run()
    assert not at.exception
    page = texts(at)
    assert "This restore could hurt" in page
    assert "This version removes 100% of the published offices (removed: 2, published: 2)" in page
    assert data_file.read_bytes() == before  # nothing happened before the yes
    at.button(key="restore_cancel").click().run()
    assert "Nothing was restored" in texts(at) and data_file.read_bytes() == before
    restore_button(at).click().run()
    at.button(key="restore_confirm").click().run()
    assert not at.exception
    page = texts(at)
    assert "62 added, 0 changed, 2 removed" in page
    assert "nothing was deleted" not in page
    assert "Baltic" in data_file.read_bytes().decode("utf-8-sig")


def test_the_restore_notice_in_polish_says_what_was_removed():
    from partner_directory.i18n import t

    sentence = t("office.restored_counts", "pl", version="v", added=62, changed=0, removed=15)
    assert "usunięto: 15" in sentence and "niczego nie usunięto" not in sentence


def test_restore_without_confirmation_is_refused_when_it_removes_too_much(tmp_path):
    from partner_directory.errors import RiskyPublishError
    from partner_directory.publication import publishing
    from partner_directory.publication.store import Store

    header = "partner_name,city,country\n"
    many = header + "".join(f"Cluster {n},Gdańsk,PL\n" for n in range(10))
    store = Store(tmp_path / "partners.csv", history_dir=tmp_path / "history")
    store.publish(many.encode(), author="a", base_version=None, summary="upload", rows=10)
    store.publish(
        (header + "Cluster 0,Gdańsk,PL\n").encode(),
        author="a",
        base_version=store.current_version(),
        summary="upload",
        rows=1,
    )
    first = next(v for v in store.versions() if v.rows == 10)
    store.publish(many.encode(), author="a", base_version=store.current_version(), summary="upload", rows=10)
    one = next(v for v in store.versions() if v.rows == 1)
    risks = publishing.restore_risks(store, one, base_version=store.current_version())
    assert (risks.removed, risks.published, risks.removes_too_many) == (9, 10, True)
    with pytest.raises(RiskyPublishError):
        publishing.restore(store, one, author="b", base_version=store.current_version())
    assert len(store.versions()) == 3
    restored = publishing.restore(store, one, author="b", base_version=store.current_version(), confirmed=True)
    assert (restored.added, restored.removed, restored.rows) == (0, 9, 1)
    assert publishing.restore_risks(store, first, base_version=store.current_version()).any is False
