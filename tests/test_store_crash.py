"""Publishing tells the truth: a crash at any moment leaves data file, history and change log consistent.

A real subprocess publishes and is killed with SIGKILL (``kill -9``) at every file-system call it
makes (one run per call), and at random moments of a publishing loop; then the next start repairs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from partner_directory.errors import ChangeLogError, NotARegularFileError
from partner_directory.publication.store import CHANGE_LOG, PENDING, Store
from partner_directory.publication.version_id import content_version
from tests.conftest import ROOT

V1 = b"partner_name,city,country\r\nA,Gdansk,PL\r\n"
V2 = b"partner_name,city,country\r\nA,Gdansk,PL\r\nB,Sopot,PL\r\n"
V3 = b"partner_name,city,country\r\nB,Sopot,PL\r\nC,Gdynia,PL\r\n" + b"x,y,PL\r\n" * 20_000

# The child publishes V3 and SIGKILLs itself at its N-th call of a file-system primitive.
CHILD = r"""
import os, signal, sys
from pathlib import Path
from partner_directory.publication.store import Store

data_file, history, kill_at, payload = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
data = payload.read_bytes()
calls = 0
real = {name: getattr(os, name) for name in ("open", "write", "fsync", "replace", "unlink", "close", "rmdir", "fchmod")}

def counted(name):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real[name](*args, **kwargs)
    return call

store = Store(data_file, history_dir=history)
base = store.current_version()
for name in real:
    setattr(os, name, counted(name))
store.publish(data, author="crash", base_version=base, summary="upload", counts=(2, 0, 1), rows=20002)
for name in real:
    setattr(os, name, real[name])
print(calls)
"""

LOOP = r"""
import sys
from pathlib import Path
from partner_directory.publication.store import Store
store = Store(Path(sys.argv[1]), history_dir=Path(sys.argv[2]))
payloads = [Path(p).read_bytes() for p in sys.argv[3:]]
i = 0
while True:
    store.publish(payloads[i % 2], author="loop", base_version=store.current_version(), summary="upload")
    i += 1
    print(i, flush=True)  # one line per publish that returned: the test kills only after the first
"""


def setup_store(tmp_path: Path) -> Store:
    data = tmp_path / "data" / "partners.csv"
    data.parent.mkdir(parents=True)
    data.write_bytes(V1)
    store = Store(data, history_dir=tmp_path / "data" / "history", lock_timeout=5)
    store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    # Files the publisher did not make: they must survive every crash and every repair.
    (data.parent / "notes.txt").write_text("keep")
    (store.history_dir / "README.txt").write_text("keep")
    return store


def log_entries(store: Store) -> list[dict]:
    path = store.history_dir / CHANGE_LOG
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def assert_consistent(store: Store) -> None:
    data_folder = sorted(os.listdir(store.data_file.parent))
    assert data_folder == ["history", "notes.txt", "partners.csv", "partners.csv.lock"], data_folder
    history = sorted(os.listdir(store.history_dir))
    assert "README.txt" in history
    assert not [n for n in history if n.endswith(".tmp") or n == PENDING], history
    entries = log_entries(store)
    current = store.current_version()
    assert entries[-1]["id"] == current, (entries, current)  # the live version is the last one logged
    versions = store.versions()
    by_key = {(v.id, v.created): v for v in versions}
    for entry in entries:  # every logged version is in the history with its exact bytes
        version = by_key[(entry["id"], entry["created"])]
        assert content_version((store.history_dir / version.file).read_bytes()) == entry["id"]
    logged = {(e["id"], e["created"]) for e in entries}
    for version in versions:  # every recorded version went live (or is the file found before history)
        assert (version.id, version.created) in logged or version.summary == "initial", version
    assert len(history) == 2 * len(versions) + 2  # csv + json per version, the log and README.txt


def run_child(store: Store, kill_at: int, payload: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(store.data_file), str(store.history_dir), str(kill_at), str(payload)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_kill_at_every_file_system_call_of_a_publish_is_repaired(tmp_path):
    payload = tmp_path / "v3.csv"
    payload.write_bytes(V3)
    outcomes = {"old": 0, "new": 0}
    kill_at = 1
    while True:
        root = tmp_path / f"run{kill_at}"
        root.mkdir()
        store = setup_store(root)
        child = run_child(store, kill_at, payload)
        if child.returncode == 0:
            break
        assert child.returncode == -signal.SIGKILL, child.stderr
        published = store.data_file.read_bytes()
        assert published in (V2, V3)  # never half a file
        outcomes["new" if published == V3 else "old"] += 1
        done = store.repair()  # what the staff page does when it starts
        assert_consistent(store)
        # And the next publish works from there, with its own entry.
        store.publish(V1, author="next", base_version=store.current_version(), summary="upload")
        assert_consistent(store)
        assert log_entries(store)[-1]["author"] == "next"
        assert isinstance(done, list)
        kill_at += 1
        assert kill_at < 200
    total_calls = int(child.stdout.strip())
    assert kill_at == total_calls + 1  # every call was a kill point
    assert outcomes["old"] >= 5 and outcomes["new"] >= 2, outcomes  # crashes both before and after the swap


def test_the_next_publish_repairs_without_an_explicit_repair(tmp_path):
    payload = tmp_path / "v3.csv"
    payload.write_bytes(V3)
    store = setup_store(tmp_path)
    # Find a kill point after the swap: the data file is new but the change log has no entry yet.
    for kill_at in range(1, 200):
        store = setup_store(tmp_path / f"r{kill_at}") if kill_at > 1 else store
        run_child(store, kill_at, payload)
        if store.data_file.read_bytes() == V3 and log_entries(store)[-1]["id"] != content_version(V3):
            break
    else:
        pytest.fail("no kill point between the swap and the change-log entry")
    store.publish(V1, author="next", base_version=content_version(V3), summary="upload")
    assert [e["id"] for e in log_entries(store)][-2:] == [content_version(V3), content_version(V1)]
    assert_consistent(store)


def test_kills_at_random_moments_of_a_publishing_loop_leave_everything_consistent(tmp_path):
    store = setup_store(tmp_path)
    payloads = [tmp_path / "a.csv", tmp_path / "b.csv"]
    payloads[0].write_bytes(V3)
    payloads[1].write_bytes(V1 + b"Z,Sopot,PL\r\n" * 5_000)
    rng = random.Random(10)
    published_before = 0
    for round_number in range(1, 16):
        process = subprocess.Popen(
            [sys.executable, "-c", LOOP, str(store.data_file), str(store.history_dir), *map(str, payloads)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the loop has published once (or died)
        assert first.strip() == "1", f"round {round_number}: the loop published nothing before the kill"
        time.sleep(rng.random() * 0.5)  # then a random moment of the following publishes
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        store.repair()
        assert_consistent(store)
        published = [e for e in log_entries(store) if e["author"] == "loop"]
        assert len(published) > published_before, "a round whose publish is not in the change log"
        assert store.data_file.read_bytes() in (V3, payloads[1].read_bytes())
        published_before = len(published)


def test_a_change_log_that_cannot_be_written_is_reported_exactly(tmp_path):
    store = setup_store(tmp_path)
    log_path = store.history_dir / CHANGE_LOG
    kept = log_path.read_bytes()
    log_path.unlink()
    log_path.mkdir()  # the log cannot be opened for writing
    with pytest.raises(ChangeLogError) as caught:
        store.publish(V3, author="anna", base_version=store.current_version(), summary="upload")
    version = caught.value.published
    assert str(caught.value).startswith(
        f"Version {version.id} is published and kept in the history, but its change-log"
    )
    assert store.data_file.read_bytes() == V3  # what the message says is true
    assert any(v.id == version.id for v in store.versions())
    log_path.rmdir()
    log_path.write_bytes(kept)
    store.publish(V1, author="anna", base_version=store.current_version(), summary="upload")
    assert [e["id"] for e in log_entries(store)][-2:] == [version.id, content_version(V1)]
    assert_consistent(store)


def test_a_failed_publish_keeps_an_empty_history_folder_it_did_not_create(tmp_path, monkeypatch):
    data = tmp_path / "partners.csv"
    data.write_bytes(V1)
    (tmp_path / "history").mkdir()
    store = Store(data, history_dir=tmp_path / "history")

    def broken_replace(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    monkeypatch.undo()
    assert (tmp_path / "history").is_dir()
    assert os.listdir(tmp_path / "history") == []
    assert data.read_bytes() == V1
    assert sorted(os.listdir(tmp_path)) == ["history", "partners.csv", "partners.csv.lock"]


def test_publishing_to_a_symlinked_data_file_replaces_the_file_it_points_to(tmp_path):
    real = tmp_path / "shared" / "partners-real.csv"
    real.parent.mkdir()
    real.write_bytes(V1)
    link = tmp_path / "partners.csv"
    link.symlink_to(real)
    store = Store(link, history_dir=tmp_path / "history")
    store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == V2 and store.read_published() == V2
    assert sorted(os.listdir(real.parent)) == ["partners-real.csv"]  # no temporary file left beside it


def test_publishing_refuses_a_data_file_that_is_a_device(tmp_path):
    device = tmp_path / "partners.csv"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # a private /dev/full
    store = Store(device, history_dir=tmp_path / "history")
    with pytest.raises(NotARegularFileError):
        store.publish(V2, author="anna", base_version=None, summary="upload")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert not (tmp_path / "history").exists()
