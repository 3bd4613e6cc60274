"""The office's backup ZIP holds the published list, its history and the whole visits register."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

from partner_directory.visits.backup import backup_zip
from partner_directory.visits.register import Change, NewVisit, Register


def test_backup_has_list_history_and_register(tmp_path, database_url):
    data_file = tmp_path / "partners.csv"
    data_file.write_bytes("\ufeffpartner_id,partner_name\r\np1,Bałtyk\r\n".encode())
    history = tmp_path / "history"
    history.mkdir()
    (history / "changes.log").write_text("one line\n")
    (history / "2026-v1.csv").write_bytes(b"old")
    register = Register.open(database_url)
    visit_id = register.record(
        NewVisit(
            "outgoing",
            "Acme",
            "Berlin Digital Cluster",
            dt.date(2026, 3, 2),
            dt.date(2026, 3, 4),
            member_email="anna@acme.example.org",
        )
    )
    register.change(visit_id, Change(status="confirmed"), revision=1, by="Ola")
    archive = zipfile.ZipFile(io.BytesIO(backup_zip(data_file=data_file, history_dir=history, register=register)))
    register.database.dispose()
    assert sorted(archive.namelist()) == [
        "history/2026-v1.csv",
        "history/changes.log",
        "partners.csv",
        "visits/visit_events.csv",
        "visits/visits.csv",
    ]
    assert archive.read("partners.csv") == data_file.read_bytes()
    visits = list(csv.DictReader(io.StringIO(archive.read("visits/visits.csv").decode("utf-8-sig"))))
    assert [(v["status"], v["member_email"]) for v in visits] == [("confirmed", "anna@acme.example.org")]


def test_backup_without_a_reachable_register_says_so(tmp_path):
    archive = zipfile.ZipFile(
        io.BytesIO(backup_zip(data_file=tmp_path / "none.csv", history_dir=tmp_path / "none", register=None))
    )
    assert archive.namelist() == ["visits/MISSING.txt"]
