"""Publishing in the office's database (SQLite and PostgreSQL): history, restore, the stale-publish refusal, failures."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from partner_directory.errors import DatabaseError, PublishConflictError, StoreLockedError
from partner_directory.publication.store import PUBLISH_LOCK, Store, contents, set_current
from partner_directory.publication.version_id import content_version
from partner_directory.storage.database import transaction_lock

V1 = b"partner_name,city,country\r\nA,Gdansk,PL\r\n"
V2 = b"partner_name,city,country\r\nA,Gdansk,PL\r\nB,Sopot,PL\r\n"
V3 = b"partner_name,city,country\r\nB,Sopot,PL\r\n"


def published_before_history(store: Store, data: bytes) -> None:
    """What the demo data or a file store without history leaves: a current list with no history record."""
    with store.database.write() as connection:
        connection.execute(contents.insert().values(id=content_version(data), content=data))
        set_current(connection, content_version(data), record=None)


@pytest.fixture
def store(database_url):
    opened = Store.open(database_url, lock_timeout=0.5)
    published_before_history(opened, V1)
    yield opened
    opened.database.dispose()


def snapshot(store: Store) -> dict:
    """Everything the store holds, row by row."""
    with store.database.read() as connection:
        tables = {}
        for name in ("publication_contents", "publication_versions", "publication_log", "publication_current"):
            tables[name] = sorted(map(tuple, connection.execute(sa.text(f"SELECT * FROM {name}")).all()), key=repr)
    return tables


def test_publish_keeps_the_previous_version_and_logs_it(store):
    base = store.current_version()
    version = store.publish(V2, author="anna", base_version=base, summary="upload", counts=(1, 0, 0), rows=2)
    assert store.read_published() == V2
    assert store.current_version() == version.id == content_version(V2)
    versions = store.versions()
    assert [v.id for v in versions] == [content_version(V2), content_version(V1)]
    assert versions[1].summary == "initial"
    assert store.read_version(content_version(V1)) == V1
    log = store.change_log()
    assert log[-1]["author"] == "anna" and log[-1]["added"] == 1 and log[-1]["previous"] == content_version(V1)
    assert store.state().counter == 2  # the list found first, then this publish


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
    assert store.read_published() == V1
    assert restored.summary == f"restore:{content_version(V1)}"
    assert len(store.versions()) == 4
    with store.database.read() as connection:  # each content once, however often it is published
        assert connection.execute(sa.select(sa.func.count()).select_from(contents)).scalar() == 3
    assert len({v.file for v in store.versions()}) == 4  # every version has its own name (widget keys)


def test_a_failure_half_way_changes_nothing(store, monkeypatch):
    store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
    before = snapshot(store)
    import partner_directory.publication.store as module

    def failing(connection, version_id, *, record):
        raise OSError(28, "No space left on device")  # after the content and the history record were written

    monkeypatch.setattr(module, "set_current", failing)
    with pytest.raises(DatabaseError):
        store.publish(V3, author="anna", base_version=store.current_version(), summary="upload")
    monkeypatch.undo()
    assert snapshot(store) == before


def test_a_failure_on_the_very_first_publish_leaves_no_history(database_url, monkeypatch):
    store = Store.open(database_url)
    before = snapshot(store)
    import partner_directory.publication.store as module

    monkeypatch.setattr(module, "append_log", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(DatabaseError):
        store.publish(V2, author="anna", base_version=None, summary="upload")
    monkeypatch.undo()
    assert snapshot(store) == before and store.versions() == [] and store.current_version() is None
    store.database.dispose()


def test_a_held_lock_gives_a_clear_message(store):
    held = threading.Event()
    release = threading.Event()

    def hold():
        with store.database.write() as connection:
            transaction_lock(connection, PUBLISH_LOCK)
            held.set()
            release.wait(10)

    other = Store.open(store.database.url, lock_timeout=0.3, busy_timeout=0.3)
    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        with pytest.raises(StoreLockedError, match="publishing right now"):
            other.publish(V2, author="piotr", base_version=content_version(V1), summary="upload")
    finally:
        release.set()
        thread.join()
        other.database.dispose()
    assert store.current_version() == content_version(V1)


def test_first_publish_with_nothing_published(database_url):
    store = Store.open(database_url)
    assert store.current_version() is None and store.read_published() is None and store.state().counter == 0
    store.publish(V1, author="anna", base_version=None, summary="upload")
    assert store.read_published() == V1
    assert len(store.versions()) == 1
    store.database.dispose()


def test_the_initial_version_is_logged_and_one_version_is_current(store):
    first = store.current_version()
    assert store.current_record() is None and store.published_at() is None  # never published from the app
    store.publish(V2, author="anna", base_version=first, summary="upload", counts=(1, 0, 0), rows=2, base_rows=1)
    initial = next(v for v in store.versions() if v.summary == "initial")
    assert (initial.added, initial.rows) == (1, 1)
    restored = store.restore(first, author="piotr", base_version=store.current_version(), counts=(0, 0, 1), rows=1)
    assert store.current_record().created == restored.created  # not the initial entry with the same content
    assert store.published_at() == restored.created_at
    log = store.change_log()
    assert [entry["summary"] for entry in log] == ["initial", "upload", f"restore:{first}"]
    assert [(e["added"], e["changed"], e["removed"], e["rows"]) for e in log] == [
        (1, 0, 0, 1),
        (1, 0, 0, 2),
        (0, 0, 1, 1),
    ]


def test_two_stores_on_one_database_see_each_other_at_once(store):
    other = Store.open(store.database.url)
    try:
        before = other.state()
        store.publish(V2, author="anna", base_version=store.current_version(), summary="upload")
        after = other.state()
        assert after.counter == before.counter + 1 and after.version == content_version(V2)
        assert other.read_content(after.version) == V2
    finally:
        other.database.dispose()
