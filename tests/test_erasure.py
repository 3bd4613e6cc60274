"""Erasure is complete: the same e-mail by Unicode case folding, and no trace left in any file or log.

Every test records a member whose name, e-mail and note carry a marker made for
that test, erases the member while the register stays open (as the server keeps
it), and then searches the raw bytes of the database's files, backups made
afterwards and the logs, on SQLite and on a real PostgreSQL server. Each test
first finds the marker where it then must not be, so it can fail.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from partner_directory.errors import DatabaseError
from partner_directory.text import email_key
from partner_directory.visits.backup import backup_zip
from partner_directory.visits.register import Change, NewVisit, Register
from tests.apptest import prepare, texts
from tests.conftest import ROOT
from tests.databases import PostgresServer

STORED = "Żaneta.Zxq@example.org"


@pytest.mark.parametrize(
    ("typed", "stored", "same"),
    [
        ("żaneta.zxq@example.org", STORED, True),
        (STORED, STORED, True),
        ("ŻANETA.ZXQ@EXAMPLE.ORG", STORED, True),
        ("  Żaneta.Zxq@Example.Org\t", STORED, True),
        ("ÉLODIE@example.fr", "élodie@example.fr", True),
        ("Straße@example.de", "STRASSE@example.de", True),  # case folding, not lower(): ß folds to ss
        ("ｚａｎｅｔａ@example.org", "zaneta@example.org", True),  # full-width letters: NFKC
        ("Z\u0307aneta.zxq@example.org", "żaneta.zxq@example.org", True),  # Ż typed as Z and a dot above: NFC
        ("zaneta.zxq@example.org", STORED, False),  # another letter, another address
        ("żaneta.zxq@example.com", STORED, False),
        ("", "", True),
    ],
)
def test_the_same_email(typed, stored, same):
    assert (email_key(typed) == email_key(stored)) is same


def member(marker: str, **changes) -> NewVisit:
    values = dict(
        direction="outgoing",
        member_company="Bałtyk Soft",
        partner_name="Berlin Digital Cluster",
        start=dt.date(2026, 3, 2),
        end=dt.date(2026, 3, 4),
        member_name=f"Żaneta Źdźbło {marker}",
        member_email=f"Żaneta.Zxq{marker}@example.org",
        note=f"Alergia na orzechy, tel. {marker}",
    )
    values.update(changes)
    return NewVisit(**values)


def others(register: Register) -> None:
    for n in range(3):
        register.record(
            member(
                f"other{n}",
                member_name=f"Olga Other {n}",
                member_email=f"olga{n}@example.org",
                note="",
            )
        )


@pytest.mark.parametrize(
    "typed", ["żaneta.zxq{m}@example.org", "Żaneta.Zxq{m}@example.org", "ŻANETA.ZXQ{m}@EXAMPLE.ORG"]
)
def test_erase_matches_non_ascii_capitals(database_url, typed):
    register = Register.open(database_url)
    marker = uuid.uuid4().hex
    others(register)
    ids = [
        register.record(member(marker)),
        register.record(member(marker, start=dt.date(2026, 5, 4), end=dt.date(2026, 5, 5))),
    ]
    assert register.erase_member(email=typed.format(m=marker.upper()), by="Ola") == 2
    assert register.erase_member(email=typed.format(m=marker), by="Ola") == 0  # already erased
    for visit in register.find():
        if visit.id in ids:
            assert (visit.member_name, visit.member_email, visit.note) == ("", "", "")
            assert visit.member_company == "Bałtyk Soft" and visit.erased_at is not None
        else:
            assert visit.member_email.startswith("olga") and visit.erased_at is None
    register.database.dispose()


# -- no trace in the files ----------------------------------------------------------------------------------


def holding(marker: str, paths: list[Path]) -> list[str]:
    """The files among ``paths`` whose raw bytes hold ``marker``."""
    needle = marker.encode("ascii")
    found = []
    for path in paths:
        try:
            if path.is_file() and needle in path.read_bytes():
                found.append(str(path))
        except FileNotFoundError:  # the server removed it meanwhile
            continue
    return found


def sqlite_files(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def postgres_files(server: PostgresServer, register: Register, *, wal: bool) -> list[Path]:
    """The files of the server's data folder that may hold ``register``'s rows, and its log; or those of ``pg_wal``.

    Other tests' databases (``base/<their oid>``) are left out: they are not this register's.
    """
    with register.database.read() as connection:
        oid = str(connection.exec_driver_sql("SELECT oid FROM pg_database WHERE datname = current_database()").scalar())
    files = []
    for path in server.data.rglob("*"):
        parts = path.relative_to(server.data).parts
        if (parts[0] == "pg_wal") is wal and (parts[0] != "base" or parts[1:2] == (oid,)):
            files.append(path)
    return files + ([] if wal else [server.log])


def backup_texts(register: Register, tmp_path: Path) -> list[bytes]:
    """A backup made now: the ZIP's bytes and every file in it, unpacked."""
    archive = backup_zip(data_file=tmp_path / "partners.csv", history_dir=tmp_path / "history", register=register)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return [archive, *(opened.read(name) for name in opened.namelist())]


def flush(register: Register) -> None:
    """Make what is committed reach the files, as time would (a checkpoint), without erasing anything."""
    with register.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("CHECKPOINT")


def test_no_trace_in_the_sqlite_files_backups_or_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy")  # even with SQL statements logged (echo=True)
    database = tmp_path / "visits.sqlite"
    register = Register.open(f"sqlite:///{database}")
    reader = Register.open(f"sqlite:///{database}")  # another process of the server, which has read
    marker = uuid.uuid4().hex
    others(register)
    first = register.record(member(marker))
    register.record(
        member(marker, start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 2), note=f"Second note {marker} " + "x" * 1500)
    )
    register.change(first, Change(status="confirmed"), revision=1, by="Ola")
    assert len(reader.find()) == 5
    assert holding(marker, sqlite_files(database))  # the test can see the data where it would stay
    assert any(marker.encode() in text for text in backup_texts(register, tmp_path))

    assert register.erase_member(email=f"żaneta.zxq{marker}@example.org", by="Ola") == 2

    assert holding(marker, sqlite_files(database)) == []
    assert not any(marker.encode() in text for text in backup_texts(reader, tmp_path))
    with reader.database.engine.connect() as connection:  # every connection zeroes what it frees, whatever the
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1  # build's default (Debian's is on)
    assert not database.with_name("visits.sqlite-journal").exists()
    assert marker not in caplog.text
    assert all(marker not in str(record.args) for record in caplog.records)
    assert len(reader.find()) == 5  # the visits stay, so the counts stay
    register.database.dispose()
    reader.database.dispose()


def test_no_trace_in_postgresql_table_files(postgres_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    register = Register.open(postgres_server.new_database())
    marker = uuid.uuid4().hex
    others(register)
    first = register.record(member(marker))
    register.change(first, Change(status="completed"), revision=1, by="Ola")
    flush(register)
    assert holding(marker, postgres_files(postgres_server, register, wal=False))  # the table file holds the row

    assert register.erase_member(email=f"ŻANETA.ZXQ{marker.upper()}@EXAMPLE.ORG", by="Ola") == 1

    assert holding(marker, postgres_files(postgres_server, register, wal=False)) == []
    assert not any(marker.encode() in text for text in backup_texts(register, tmp_path))
    assert marker not in caplog.text
    # What the README says stays: the server's write-ahead log keeps the rows written before the erasure
    # until PostgreSQL reuses its segments; the office's database user cannot wipe it.
    assert holding(marker, postgres_files(postgres_server, register, wal=True))
    register.database.dispose()


def refuse_inserts(register: Register) -> None:
    """A database that fails on a member's insert, the way a full disk or a broken constraint would."""
    with register.database.write() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON visits BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'refused'; END $$"
            )
            connection.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON visits EXECUTE FUNCTION refuse()")


def test_a_failed_write_logs_no_personal_data(database_url, caplog):
    caplog.set_level(logging.DEBUG)
    register = Register.open(database_url)
    refuse_inserts(register)
    marker = uuid.uuid4().hex
    with pytest.raises(DatabaseError) as raised:
        register.record(member(marker))
    assert "refused" in caplog.text  # the failure is logged, for the office
    assert marker not in caplog.text
    assert marker not in str(raised.value) and marker not in str(raised.value.__cause__)
    register.database.dispose()


def test_a_reader_in_the_way_is_logged_and_the_erasure_stands(tmp_path, caplog):
    database = tmp_path / "visits.sqlite"
    register = Register.open(f"sqlite:///{database}", busy_timeout=0.2)
    marker = uuid.uuid4().hex
    register.record(member(marker))
    with register.database.read() as reading:  # a long read in another process
        reading.execute(sa.text("SELECT count(*) FROM visits")).scalar()
        assert register.erase_member(email=f"Żaneta.Zxq{marker}@example.org", by="Ola") == 1
    assert "kept the write-ahead log from being emptied" in caplog.text
    assert register.find()[0].member_email == ""
    register.database.scrub(["visits"])  # the next erasure, or a restart, empties it
    assert holding(marker, sqlite_files(database)) == []
    register.database.dispose()


# -- through the staff page ---------------------------------------------------------------------------------


def register_page() -> None:
    from dashboard.office import visits

    visits.register_tab("Ola (office)", "en")


def test_erased_on_the_staff_page_leaves_nothing_in_data_drafts_or_static(monkeypatch, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    prepare(monkeypatch, tmp_path)
    register = Register.open(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    marker = uuid.uuid4().hex
    others(register)
    register.record(member(marker))
    at = AppTest.from_function(register_page, default_timeout=120).run()
    assert not at.exception
    everywhere = [*tmp_path.rglob("*"), *(ROOT / "static").rglob("*")]
    assert holding(marker, everywhere)

    at.text_input(key="visits_erase_email").input(f"ŻANETA.ZXQ{marker}@example.org")
    at.button(key="visits_erase").click().run()

    assert "Personal data erased from visits: 1." in texts(at)
    assert holding(marker, [*tmp_path.rglob("*"), *(ROOT / "static").rglob("*")]) == []
    assert marker not in caplog.text
    register.database.dispose()


def test_a_postgresql_user_that_may_not_rewrite_is_told_and_the_erasure_stands(postgres_server, caplog):
    owner_url = postgres_server.new_database()
    Register.open(owner_url).database.dispose()  # the tables belong to the owner, as after a deployment by an admin
    role = "clerk_" + uuid.uuid4().hex[:8]
    owner = Register.open(owner_url)
    with owner.database.write() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        connection.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}")
        connection.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    owner.database.dispose()
    clerk = Register.open(sa.make_url(owner_url).set(username=role).render_as_string(hide_password=False))
    marker = uuid.uuid4().hex
    clerk.record(member(marker))

    assert clerk.erase_member(email=f"żaneta.zxq{marker}@example.org", by="Ola") == 1

    assert "the table visits is not ours to rewrite" in caplog.text
    assert "CHECKPOINT refused" in caplog.text
    assert clerk.find()[0].member_email == ""
    assert clerk.database.scrub(["visits"]) is False
    clerk.database.dispose()


# -- the mails about the member's visits --------------------------------------------------------------------


def test_the_members_mails_leave_the_outbox_and_the_files(tmp_path):
    from partner_directory.mail import outbox
    from partner_directory.mail.message import Mail
    from partner_directory.visits.register import record_of

    database = tmp_path / "visits.sqlite"
    register = Register.open(f"sqlite:///{database}")
    marker = uuid.uuid4().hex
    others(register)
    erased = register.record(member(marker))
    kept = register.record(member("other", member_email="olga9@example.org", member_name="Olga"))
    now = dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC)

    def mail(visit_id: int, cc: str, body: str) -> Mail:
        return Mail(
            to=("host@example.org",),
            cc=(cc,),
            reply_to=cc,
            subject=f"Visit request {visit_id}",
            text=body,
            html=f"<p>{body}</p>",
            purpose="visit_request",
            record=record_of(visit_id),
        )

    address = f"Żaneta.Zxq{marker}@example.org"
    outbox.enqueue(register.database, mail(erased, address, f"From Żaneta {marker}"), sender="o@example.org", now=now)
    # A message to the member about no visit of the register (e.g. an answer copied to them) goes too.
    other = mail(kept, "olga9@example.org", "Olga's request")
    outbox.enqueue(
        register.database,
        Mail(**{**other.__dict__, "to": (address,), "record": "visit:999"}),
        sender="o@example.org",
        now=now,
    )
    outbox.enqueue(register.database, other, sender="o@example.org", now=now)
    assert holding(marker, sqlite_files(database))

    assert register.erase_member(email=address.lower(), by="Ola") == 1

    left = outbox.entries(register.database)
    assert [entry.record for entry in left] == [record_of(kept)]
    assert holding(marker, sqlite_files(database)) == []
    assert outbox.claim(register.database, now=now) and len(left) == 1  # Olga's message is still sent
    register.database.dispose()
