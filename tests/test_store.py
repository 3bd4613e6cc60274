"""Publishing, history, restore, the stale-publish refusal and failures half-way."""

from __future__ import annotations

import json
import os
import threading

import pytest

from partner_directory.errors import PublishConflictError, StoreLockedError
from partner_directory.publication.store import Store
from partner_directory.publication.version_id import content_version

V1 = b"partner_name,city,country\r\nA,Gdansk,PL\r\n"
V2 = b"partner_name,city,country\r\nA,Gdansk,PL\r\nB,Sopot,PL\r\n"
V3 = b"partner_name,city,country\r\nB,Sopot,PL\r\n"


@pytest.fixture
def store(tmp_path):
    data = tmp_path / "data" / "partners.csv"
    data.parent.mkdir()
    data.write_bytes(V1)
    return Store(data, history_dir=tmp_path / "data" / "history", lock_timeout=0.5)


def snapshot(store: Store) -> dict[str, bytes]:
    files = {"published": store.data_file.read_bytes()}
    if store.history_dir.exists():
        files.update({p.name: p.read_bytes() for p in sorted(store.history_dir.iterdir())})
    # The lock file stays by design (filelock); everything else must be as it was.
    names = [name for name in os.listdir(store.data_file.parent) if not name.endswith(".lock")]
    files["folder"] = "\n".join(sorted(names)).encode()
    return files


def test_publish_keeps_the_previous_version_and_logs_it(store):
    base = store.current_version()
    version = store.publish(V2, author="anna", base_version=base, summary="upload", counts=(1, 0, 0), rows=2)
    assert store.data_file.read_bytes() == V2
    assert store.current_version() == version.id == content_version(V2)
    versions = store.versions()
    assert [v.id for v in versions] == [content_version(V2), content_version(V1)]
    assert versions[1].summary == "initial"
    assert store.read_version(content_version(V1)) == V1
    log = [json.loads(line) for line in (store.history_dir / "changes.log").read_text().splitlines()]
    assert log[-1]["author"] == "anna" and log[-1]["added"] == 1 and log[-1]["previous"] == content_version(V1)


def test_a_stale_publish_is_refused(store):
    first_session = second_session = store.current_version()
    store.publish(V2, author="anna", base_version=first_session, summary="upload")
    before = snapshot(store)
    with pytest.raises(PublishConflictError, match="Someone else published"):
        store.publish(V3, author="piotr", base_version=second_session, summary="upload")
    assert snapshot(store) == before


def test_restore_is_a_new_version_and_nothing_is_deleted(store):
    store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    store.publish(V3, author="anna", base_version=store.current_version(), summary="upload")
    restored = store.restore(content_version(V1), author="piotr", base_version=store.current_version())
    assert store.data_file.read_bytes() == V1
    assert restored.summary == f"restore:{content_version(V1)}"
    assert len(store.versions()) == 4


def test_a_write_error_in_the_temporary_file_changes_nothing(store, monkeypatch):
    store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    before = snapshot(store)
    real_fdopen = os.fdopen

    class FailingStream:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            self.stream.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: FailingStream(real_fdopen(fd, mode, *a, **k)))
    with pytest.raises(OSError, match="No space"):
        store.publish(V3, author="anna", base_version=store.current_version(), summary="upload")
    monkeypatch.undo()
    assert snapshot(store) == before


def test_a_write_error_on_the_very_first_publish_leaves_no_history(store, monkeypatch):
    before = snapshot(store)
    real_fdopen = os.fdopen

    def failing_fdopen(fd, mode="r", *args, **kwargs):
        stream = real_fdopen(fd, mode, *args, **kwargs)
        stream.close()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(OSError, match="No space"):
        store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    monkeypatch.undo()
    assert snapshot(store) == before
    assert not store.history_dir.exists()


def test_a_failure_while_recording_history_changes_nothing(store, monkeypatch):
    before = snapshot(store)
    import partner_directory.publication.store as module

    calls = {"n": 0}
    real = module.write_atomically

    def failing(path, data):
        calls["n"] += 1
        if calls["n"] == 4:  # the new version's metadata, after its CSV
            raise OSError(5, "I/O error")
        real(path, data)

    monkeypatch.setattr(module, "write_atomically", failing)
    with pytest.raises(OSError):
        store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    monkeypatch.undo()
    after = snapshot(store)
    assert after == before  # the published file, and no half-recorded history
    assert [k for k in after if k.endswith(".tmp")] == []
    assert not [name for name in after["folder"].decode().split() if name.endswith(".tmp")]


def test_a_held_lock_gives_a_clear_message(store):
    held = threading.Event()
    release = threading.Event()

    def hold():
        with store.lock:
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        other = Store(store.data_file, history_dir=store.history_dir, lock_timeout=0.2)
        with pytest.raises(StoreLockedError, match="publishing right now"):
            other.publish(V2, author="piotr", base_version=other.current_version(), summary="upload")
    finally:
        release.set()
        thread.join()


def test_first_publish_with_nothing_published(tmp_path):
    store = Store(tmp_path / "partners.csv", history_dir=tmp_path / "history")
    assert store.current_version() is None
    store.publish(V1, author="anna", base_version=None, summary="upload")
    assert store.data_file.read_bytes() == V1
    assert len(store.versions()) == 1


def test_the_initial_version_is_logged_and_one_version_is_current(store):
    first = store.current_version()
    assert store.current_record() is None and store.published_at() is None  # never published from the app
    store.publish(V2, author="anna", base_version=first, summary="upload", counts=(1, 0, 0), rows=2, base_rows=1)
    initial = next(v for v in store.versions() if v.summary == "initial")
    assert (initial.added, initial.rows) == (1, 1)
    restored = store.restore(first, author="piotr", base_version=store.current_version(), counts=(0, 0, 1), rows=1)
    assert store.current_record().created == restored.created  # not the initial entry with the same content
    assert store.published_at() == restored.created_at
    log = [json.loads(line) for line in (store.history_dir / "changes.log").read_text().splitlines()]
    assert [entry["summary"] for entry in log] == ["initial", "upload", f"restore:{first}"]
    assert [(e["added"], e["changed"], e["removed"], e["rows"]) for e in log] == [
        (1, 0, 0, 1),
        (1, 0, 0, 2),
        (0, 0, 1, 1),
    ]
