"""The visit form on the partner card, with AppTest, on a frozen date (``PARTNER_DIRECTORY_TODAY``)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.apptest import app, prepare, texts

GDANSK = "pomeranian-ict-gdansk"  # Poland; lists pl, en, de
TOKYO = "kanto-digital-tokyo"  # Japan; lists ja, en


def open_card(monkeypatch, tmp_path, partner: str, *, lang: str = "pl", today: str = "2026-11-28"):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_TODAY", today)
    at = app()
    at.query_params["partner"] = partner
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def submit(
    at,
    *,
    company: str = "Acme sp. z o.o.",
    name: str = "Jan Kowalski",
    email: str = "jan@acme.example.org",
    send: bool = True,
):
    """Fill the member's details and prepare the request; ``send``: then say the e-mail is sent (when it was prepared)."""
    at.text_input(key="visit_company").input(company)
    at.text_input(key="visit_name").input(name)
    at.text_input(key="visit_email").input(email)
    at.button(key="visit_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    if send and [b for b in at.button if b.key == "visit_sent"]:
        at.button(key="visit_sent").click().run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def mail(at) -> tuple[str, str]:
    links = [b.proto.url for b in at.get("link_button") if b.proto.url.startswith("mailto:") and "body=" in b.proto.url]
    assert len(links) == 1, links
    query = parse_qs(urlsplit(links[0]).query)
    return query["subject"][0], query["body"][0]


@pytest.mark.parametrize(
    ("partner", "today", "window"),
    [
        (GDANSK, "2026-11-28", ("2026-12-14", "2026-12-16")),  # the Saturday
        (TOKYO, "2026-11-28", ("2026-12-14", "2026-12-16")),
        (GDANSK, "2026-12-08", ("2026-12-28", "2026-12-30")),  # past Christmas Eve and Christmas in Poland
        (GDANSK, "2026-04-16", ("2026-05-04", "2026-05-06")),  # past 1 and 3 May
    ],
)
def test_the_suggested_dates_are_working_days_at_the_host(monkeypatch, tmp_path, partner, today, window):
    at = open_card(monkeypatch, tmp_path, partner, today=today)
    dates = at.date_input(key=f"visit_dates_{partner}").value
    assert dates == tuple(dt.date.fromisoformat(d) for d in window)
    submit(at)
    assert not at.error, [e.value for e in at.error]
    assert "Prośba jest gotowa" in texts(at)


def test_company_and_name_are_required(monkeypatch, tmp_path):
    at = submit(open_card(monkeypatch, tmp_path, GDANSK), company="  ", name="")
    errors = " ".join(e.value for e in at.error)
    assert "Podaj nazwę swojej firmy" in errors and "Podaj imię i nazwisko" in errors
    assert not [b for b in at.get("link_button") if "body=" in b.proto.url]


def test_a_holiday_is_refused_with_its_name(monkeypatch, tmp_path):
    at = open_card(monkeypatch, tmp_path, GDANSK)
    at.date_input(key=f"visit_dates_{GDANSK}").set_value((dt.date(2026, 12, 24), dt.date(2026, 12, 24)))
    at = submit(at)
    assert "Wigilia Bożego Narodzenia" in " ".join(e.value for e in at.error)


def test_tokyo_from_the_polish_interface_gets_an_english_email_and_a_calendar(monkeypatch, tmp_path):
    at = open_card(monkeypatch, tmp_path, TOKYO)
    assert "E-mail zostanie napisany w języku, który gospodarz podaje: angielski." in texts(at)
    subject, body = mail(submit(at))
    assert subject.startswith("BRA visit request: Kanto Digital Bridge")
    assert body.startswith("Dear Hana Reibun,") and "Piszę" not in body
    assert body.rstrip().endswith("Jan Kowalski\nAcme sp. z o.o.")
    calendars = [b for b in at.get("download_button") if b.proto.id.endswith("visit_calendar")]
    assert len(calendars) == 1 and calendars[0].proto.label == "📅 Plik kalendarza (.ics)"


def test_a_polish_host_gets_polish_and_the_member_may_choose_english(monkeypatch, tmp_path):
    at = open_card(monkeypatch, tmp_path, GDANSK)
    choice = at.selectbox(key=f"visit_language_{GDANSK}")
    assert choice.options == ["polski", "angielski"] and choice.value == "pl"
    subject, body = mail(submit(at))
    assert subject.startswith("Prośba o wizytę") and "Piszę w imieniu firmy Acme sp. z o.o.," in body
    at.selectbox(key=f"visit_language_{GDANSK}").set_value("en")
    subject, body = mail(submit(at))
    assert subject.startswith("BRA visit request") and "on behalf of Acme sp. z o.o.," in body


def test_a_bad_frozen_date_is_one_sentence(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    monkeypatch.setenv("PARTNER_DIRECTORY_TODAY", "next friday")
    at = app().run()
    assert not at.exception
    assert "PARTNER_DIRECTORY_TODAY must be a date like 2026-11-28, not “next friday”." in texts(at)


# --- the request is recorded in the office's register (issue 13) ------------------------------------------


def registered(tmp_path):
    from partner_directory.visits.register import Register

    register = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    try:
        return register.find()
    finally:
        register.database.dispose()


def test_sending_the_form_records_the_request_then_offers_the_email(monkeypatch, tmp_path):
    at = submit(open_card(monkeypatch, tmp_path, TOKYO, lang="en"))
    [visit] = registered(tmp_path)
    assert (visit.direction, visit.status, visit.source) == ("outgoing", "requested", "form")
    assert (visit.member_company, visit.member_name, visit.member_email) == (
        "Acme sp. z o.o.",
        "Jan Kowalski",
        "jan@acme.example.org",
    )
    assert (visit.partner_id, visit.partner_name, visit.city, visit.country) == (
        TOKYO,
        "Kanto Digital Bridge",
        "東京",  # as the partner file has it
        "JP",
    )
    assert (visit.start, visit.end, visit.people, visit.planned_days) == (
        dt.date(2026, 12, 14),
        dt.date(2026, 12, 16),
        1,
        3,
    )
    assert visit.services and visit.language == "en"
    assert f"Recorded in the office's register as visit no. {visit.id}." in texts(at)
    assert mail(at)[0].startswith("BRA visit request")
    at.run()  # a rerun (any click elsewhere) records nothing more
    at.button(key="visit_prepare").click().run()  # nor does preparing the very same request again
    at.button(key="visit_sent").click().run()  # nor saying again that it was sent
    assert len(registered(tmp_path)) == 1


def test_the_members_email_is_required(monkeypatch, tmp_path):
    at = submit(open_card(monkeypatch, tmp_path, GDANSK, lang="en"), email="jan(at)acme")
    assert "Give your e-mail address" in texts(at)
    assert not [b for b in at.get("link_button") if "body=" in b.proto.url]
    assert registered(tmp_path) == []


def test_an_unreachable_register_is_said_and_the_email_still_offered(monkeypatch, tmp_path):
    at = open_card(monkeypatch, tmp_path, GDANSK, lang="en")
    # The register's tables go (the published list is in the same database now, and stays readable):
    # every write to the register fails, as it does when the database cannot be reached.
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE visit_events"))
        connection.execute(sa.text("DROP TABLE visits"))
    engine.dispose()
    at = submit(at)
    assert "could not be recorded in the office's register" in texts(at)
    assert mail(at)[0].startswith("BRA visit request")


def everything(node) -> str:
    """Every element's full message as the server sends it (tables and the map's data included)."""
    proto = getattr(node, "proto", None)
    parts = [str(proto)] if proto is not None else []
    parts += [everything(child) for child in getattr(node, "children", {}).values()]
    return "\n".join(parts)


def test_members_mode_hides_the_form_and_every_contact_from_a_visitor(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "members")
    at = open_card(monkeypatch, tmp_path, GDANSK, lang="en")
    assert "are for signed-in members: sign in here" in texts(at)
    assert not [w for w in at.text_input if w.key == "visit_company"]
    rendered = everything(at._tree)
    for private in ("ola.bursztynek", "Ola Bursztynek", "tomek.falowski", "+48"):
        assert private not in rendered
    assert "Pomeranian ICT Cluster" in rendered


def test_public_mode_sends_the_contacts_the_check_above_looks_for(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "public")
    rendered = everything(open_card(monkeypatch, tmp_path, GDANSK, lang="en")._tree)
    assert "ola.bursztynek" in rendered and "Ola Bursztynek" in rendered
