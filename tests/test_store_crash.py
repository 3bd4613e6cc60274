"""Publishing tells the truth: a process killed at any moment leaves the database consistent (SQLite, PostgreSQL);
the file store of earlier versions is carried over once, its history whole.

A real subprocess publishes and is killed with SIGKILL (``kill -9``): inside the publish's transaction,
after every statement was sent but before the commit, and at random moments of a publishing loop.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from partner_directory.publication.drafts import DraftStore
from partner_directory.publication.file_store import carry_over
from partner_directory.publication.store import Store
from partner_directory.publication.version_id import content_version
from tests.conftest import ROOT

V1 = b"partner_name,city,country\r\nA,Gdansk,PL\r\n"
V2 = b"partner_name,city,country\r\nA,Gdansk,PL\r\nB,Sopot,PL\r\n"
V3 = b"partner_name,city,country\r\nB,Sopot,PL\r\nC,Gdynia,PL\r\n" + b"x,y,PL\r\n" * 20_000

# The child publishes V3 in a transaction of its own, says so, and waits to be killed before the commit.
INSIDE = r"""
import sys, time
from pathlib import Path
from partner_directory.publication.store import PUBLISH_LOCK, Store
from partner_directory.storage.database import transaction_lock

store = Store.open(sys.argv[1])
data = Path(sys.argv[2]).read_bytes()
with store.database.write() as connection:
    transaction_lock(connection, PUBLISH_LOCK)
    store.publish_in(connection, data, author="crash", base_version=store.current_version(), summary="upload", rows=20002)
    print("inside", flush=True)
    time.sleep(600)
"""

LOOP = r"""
import sys
from pathlib import Path
from partner_directory.publication.store import Store
store = Store.open(sys.argv[1])
payloads = [Path(p).read_bytes() for p in sys.argv[2:]]
i = 0
while True:
    store.publish(payloads[i % 2], author="loop", base_version=store.current_version(), summary="upload")
    i += 1
    print(i, flush=True)  # one line per publish that returned: the test kills only after the first
"""


def assert_consistent(store: Store) -> None:
    """The log, the history, the contents and the current pointer agree."""
    entries = store.change_log()
    versions = store.versions()
    state = store.state()
    record = store.current_record()
    assert record is not None and record.id == state.version
    assert entries[-1]["id"] == state.version and entries[-1]["created"] == record.created  # the live one logged last
    by_key = {(v.id, v.created): v for v in versions}
    for entry in entries:  # every logged version is in the history with its exact bytes
        version = by_key[(entry["id"], entry["created"])]
        assert content_version(store.read_version(version.id)) == entry["id"]
    assert len(entries) == len(versions) == state.counter  # every recorded version went live, once
    assert content_version(store.read_published()) == state.version


def test_a_publish_killed_inside_its_transaction_changes_nothing(database_url, tmp_path):
    store = Store.open(database_url)
    store.publish(V1, author="anna", base_version=None, summary="upload")
    store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    before = (store.state(), store.versions(), store.change_log())
    payload = tmp_path / "v3.csv"
    payload.write_bytes(V3)
    child = subprocess.Popen(
        [sys.executable, "-c", INSIDE, database_url, str(payload)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "inside", "the child did not reach the end of its publish"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert (store.state(), store.versions(), store.change_log()) == before
    assert store.read_published() == V2
    with store.database.read() as connection:  # the content it sent is not kept either
        ids = connection.execute(sa.text("SELECT id FROM publication_contents")).scalars().all()
    assert content_version(V3) not in ids
    # And the lock it held is free again: the next publish goes through.
    store.publish(V3, author="anna", base_version=content_version(V2), summary="upload")
    assert_consistent(store)
    store.database.dispose()


def test_random_kills_of_a_publishing_loop_leave_it_consistent(database_url, tmp_path):
    store = Store.open(database_url)
    store.publish(V1, author="anna", base_version=None, summary="upload")
    payloads = [tmp_path / "v2.csv", tmp_path / "v3.csv"]
    payloads[0].write_bytes(V2)
    payloads[1].write_bytes(V3)
    generator = random.Random(20261205)
    for _ in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", LOOP, database_url, *map(str, payloads)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout.readline().strip(), "the loop published nothing"
            time.sleep(generator.uniform(0.0, 0.4))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
        assert_consistent(store)
    store.database.dispose()


def file_store(folder: Path) -> tuple[Path, Path, Path]:
    """A file store as earlier versions left it: two versions, the log, a crashed third publish, a draft."""
    data_file, history, drafts = folder / "partners.csv", folder / "history", folder / "drafts"
    history.mkdir(parents=True)
    drafts.mkdir()
    records = [
        {"id": content_version(V1), "created": "2026-01-02T10:00:00.000000+00:00", "author": "—", "summary": "initial"},
        {
            "id": content_version(V2),
            "created": "2026-02-03T11:00:00.000000+00:00",
            "author": "Anna „Ż”",
            "summary": "upload",
            "added": 1,
            "rows": 2,
            "previous": content_version(V1),
        },
    ]
    for record, data in zip(records, (V1, V2), strict=True):
        stem = f"{record['created'].replace(':', '').replace('-', '')}-{record['id']}"
        (history / f"{stem}.csv").write_bytes(data)
        (history / f"{stem}.json").write_text(json.dumps({**record, "file": f"{stem}.csv"}), encoding="utf-8")
    # The log holds both, then a line a crash left half-written.
    (history / "changes.log").write_text("".join(json.dumps(e) + "\n" for e in records) + '{"id": "half', "utf-8")
    # A third publish crashed before its file went live: its history files must not be carried over.
    crashed = {"id": content_version(V3), "created": "2026-03-04T12:00:00.000000+00:00", "author": "x", "summary": "s"}
    stem = f"{crashed['created'].replace(':', '').replace('-', '')}-{crashed['id']}"
    (history / f"{stem}.csv").write_bytes(V3)
    (history / f"{stem}.json").write_text(json.dumps({**crashed, "file": f"{stem}.csv"}), encoding="utf-8")
    pending = {"id": crashed["id"], "created": crashed["created"], "files": [f"{stem}.csv", f"{stem}.json"]}
    (history / "publishing.pending").write_text(json.dumps(pending), encoding="utf-8")
    data_file.write_bytes(V2)
    (drafts / f"{DraftStore.key('Anna')}.json").write_bytes(b'{"format": 1}')
    return data_file, history, drafts


def test_the_file_store_is_carried_over_whole_and_once(database_url, tmp_path):
    data_file, history, drafts = file_store(tmp_path / "data")
    store = Store.open(database_url)
    done = carry_over(store, data_file=data_file, history_dir=history, drafts_dir=drafts)
    assert (done.versions, done.log_entries, done.drafts, done.published) == (2, 2, 1, True)
    assert [v.summary for v in store.versions()] == ["upload", "initial"]
    assert store.versions()[0].author == "Anna „Ż”" and store.versions()[0].added == 1
    assert store.read_published() == V2 and store.current_record().id == content_version(V2)
    assert store.read_version(content_version(V1)) == V1
    assert [e["summary"] for e in store.change_log()] == ["initial", "upload"]  # the half-written line is cut
    assert store.state().counter == 1
    # Idempotent: a second start (or another process) finds the database filled.
    assert carry_over(store, data_file=data_file, history_dir=history, drafts_dir=drafts).versions == 0
    assert len(store.versions()) == 2
    # The next publish continues the history as the file store would have.
    store.publish(V3, author="piotr", base_version=content_version(V2), summary="upload")
    assert [e.get("previous", "") for e in store.change_log()] == ["", content_version(V1), content_version(V2)]
    store.database.dispose()


CARRY = r"""
import sys
from pathlib import Path
from partner_directory.publication.file_store import carry_over
from partner_directory.publication.store import Store
folder = Path(sys.argv[2])
store = Store.open(sys.argv[1])
print(carry_over(store, data_file=folder / "partners.csv", history_dir=folder / "history").versions)
"""


def test_processes_starting_together_carry_the_files_over_once(database_url, tmp_path):
    file_store(tmp_path / "data")
    Store.open(database_url).database.dispose()  # the schema first: its own lock is tested in test_database
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CARRY, database_url, str(tmp_path / "data")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    counts = sorted(int(child.communicate(timeout=120)[0].strip()) for child in children)
    assert counts == [0, 0, 2]
    store = Store.open(database_url)
    assert len(store.versions()) == 2 and len(store.change_log()) == 2
    store.database.dispose()


def test_a_demo_folder_without_history_is_published_without_a_record(database_url, tmp_path):
    (tmp_path / "partners.csv").write_bytes(V1)
    store = Store.open(database_url)
    done = carry_over(store, data_file=tmp_path / "partners.csv", history_dir=tmp_path / "history")
    assert done.published and done.versions == 0
    assert store.current_version() == content_version(V1) and store.current_record() is None
    store.publish(V2, author="anna", base_version=content_version(V1), summary="upload", rows=2, base_rows=1)
    assert [v.summary for v in store.versions()] == ["upload", "initial"]
    store.database.dispose()


def test_nothing_to_carry_over_changes_nothing(database_url, tmp_path):
    store = Store.open(database_url)
    done = carry_over(store, data_file=tmp_path / "none.csv", history_dir=tmp_path / "none")
    assert not done.published and done.versions == done.log_entries == 0
    assert store.current_version() is None and store.versions() == []
    store.database.dispose()
