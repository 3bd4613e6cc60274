"""The database layer on real SQLite files and a real PostgreSQL server: URLs, pragmas, migrations, failures."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from partner_directory.errors import ConfigurationError, DatabaseError
from partner_directory.storage.database import Database, current_version, database_url, migrate
from partner_directory.storage.migrations import MIGRATIONS
from partner_directory.visits.register import NewVisit, Register
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("", "sqlite"),
        ("sqlite:///data/other.sqlite", "sqlite"),
        ("sqlite:////tmp/x.sqlite", "sqlite"),
        ("postgresql://bra:secret@db.example.org:5432/bra", "postgresql+psycopg"),
        ("postgres://bra@db.example.org/bra", "postgresql+psycopg"),
        ("postgresql+psycopg://bra@/bra?host=/run/postgresql", "postgresql+psycopg"),
    ],
)
def test_database_urls(raw, driver):
    assert database_url(raw).drivername == driver


def test_default_is_one_file_under_data():
    url = database_url("")
    assert url.database == str(ROOT / "data" / "visits.sqlite")
    assert (ROOT / ".gitignore").read_text().count("data/visits.sqlite") == 1


@pytest.mark.parametrize(
    "raw", ["mysql://u:topsecret@h/db", "sqlite://", "sqlite:///:memory:", "not a url", "http://x"]
)
def test_bad_urls_are_a_sentence_without_the_password(raw):
    with pytest.raises(ConfigurationError) as caught:
        database_url(raw)
    assert "PARTNER_DIRECTORY_DATABASE_URL" in str(caught.value)
    assert "topsecret" not in str(caught.value)
    assert "PARTNER_DIRECTORY_DATABASE_URL" in caught.value.message("pl")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'nested' / 'v.sqlite'}", busy_timeout=7)
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert (tmp_path / "nested" / "v.sqlite").exists()
    database.dispose()


def test_a_write_transaction_rolls_back_whole(database_url):
    register = Register.open(database_url)
    with pytest.raises(RuntimeError), register.database.write() as connection:
        connection.execute(sa.text("CREATE TABLE scratch (n INTEGER)"))
        connection.execute(sa.text("INSERT INTO scratch VALUES (1)"))
        raise RuntimeError("half way")
    with register.database.read() as connection:
        assert not sa.inspect(connection).has_table("scratch")
    register.database.dispose()


def test_migrations_run_once_and_record_their_version(database_url):
    database = Database(database_url)
    assert current_version(database) == 0
    assert migrate(database, MIGRATIONS) == MIGRATIONS[-1].version
    assert migrate(database, MIGRATIONS) == MIGRATIONS[-1].version  # nothing left to do
    with database.read() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    assert versions == [m.version for m in MIGRATIONS]
    database.dispose()


def test_a_database_of_the_previous_version_opens_with_its_visits(database_url):
    old = Database(database_url)
    assert migrate(old, MIGRATIONS, target=1) == 1
    with old.write() as connection:  # what version 1 wrote, column by column
        connection.execute(
            sa.text(
                "INSERT INTO visits (direction, status, member_company, member_name, member_email, partner_id,"
                " partner_name, office_name, city, country, start_date, end_date, people, services, language, note,"
                " planned_days, actual_days, source, created_at, created_by, updated_at, revision) VALUES"
                " ('outgoing', 'confirmed', 'Acme Sp. z o.o.', 'Anna Nowak', 'anna@acme.example.org', 'p1',"
                " 'Berlin Digital Cluster', 'HQ', 'Berlin', 'DE', :start, :end, 2, 'desk;internet', 'en', '',"
                " 3, NULL, 'form', :now, '', :now, 1)"
            ),
            {"start": dt.date(2026, 3, 2), "end": dt.date(2026, 3, 4), "now": dt.datetime(2026, 2, 1, 9, 30)},
        )
    old.dispose()
    register = Register.open(database_url)
    assert current_version(register.database) == MIGRATIONS[-1].version
    [visit] = register.find()
    assert (visit.member_name, visit.partner_name, visit.services, visit.erased_at) == (
        "Anna Nowak",
        "Berlin Digital Cluster",
        ("desk", "internet"),
        None,
    )
    assert visit.created_at == dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.UTC)
    # and what version 2 added works on it
    assert register.erase_member(email="ANNA@acme.example.org", by="office") == 1
    assert [e.action for e in register.events(visit.id)] == ["erased"]
    register.database.dispose()


def test_a_database_from_a_newer_program_is_refused_with_a_sentence(database_url):
    register = Register.open(database_url)
    with register.database.write() as connection:
        connection.execute(
            sa.text("INSERT INTO schema_version VALUES (99, 'from the future', :now)"), {"now": dt.datetime(2030, 1, 1)}
        )
    register.database.dispose()
    with pytest.raises(DatabaseError) as caught:
        Register.open(database_url)
    assert "99" in str(caught.value)
    assert "99" in caught.value.message("pl")


def test_an_unreachable_postgresql_server_is_a_sentence(tmp_path):
    register_url = f"postgresql://bra@/bra?host={tmp_path}"  # no server listens there
    with pytest.raises(DatabaseError) as caught:
        Register.open(register_url, busy_timeout=2)
    assert "office's database" in str(caught.value)
    assert "Baza danych biura" in caught.value.message("pl")


def test_an_sqlite_file_that_cannot_be_made_is_a_sentence(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseError):
        Register.open(f"sqlite:///{blocker / 'visits.sqlite'}")


def test_processes_starting_together_on_a_new_database_migrate_once(database_url, tmp_path):
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        go = Path(sys.argv[2])
        while not go.exists():
            time.sleep(0.01)
        from partner_directory.visits.register import Register
        Register.open(sys.argv[1]).database.dispose()
        """
    )
    go = tmp_path / "go"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, database_url, str(go)], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    go.touch()
    for process in processes:
        _, error = process.communicate(timeout=180)
        assert process.returncode == 0, error.decode()
    database = Database(database_url)
    with database.read() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
    assert versions == [m.version for m in MIGRATIONS]
    database.dispose()


def test_a_postgresql_restart_keeps_everything(postgres_server):
    url = postgres_server.new_database()
    register = Register.open(url)
    visit_id = register.record(
        NewVisit("outgoing", "Acme", "Berlin Digital Cluster", dt.date(2026, 3, 2), dt.date(2026, 3, 4))
    )
    postgres_server.restart()
    # the same process and engine: its pooled connection died with the server, the next use reconnects
    assert register.get(visit_id).member_company == "Acme"
    assert register.count() == 1
    register.database.dispose()


def test_a_missing_postgresql_fails_the_tests_never_skips_them(monkeypatch):
    from tests import databases

    monkeypatch.setattr(databases.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(databases.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="make postgres"):
        databases.postgres_bin()
