"""The published list's store as the app opens it with the default settings: a database beside the data file."""

from __future__ import annotations

from pathlib import Path

from partner_directory.publication.file_store import carry_over
from partner_directory.publication.store import Store


def store_beside(data_file: Path, history_dir: Path | None = None, **options: object) -> Store:
    """Open the SQLite database beside ``data_file`` and carry over the file store found there (once)."""
    data_file = Path(data_file)
    store = Store.open(f"sqlite:///{data_file.parent / 'visits.sqlite'}", **options)  # type: ignore[arg-type]
    carry_over(store, data_file=data_file, history_dir=history_dir or data_file.parent / "history")
    return store


def published_bytes(data_file: Path) -> bytes | None:
    """The published list's bytes in the database beside ``data_file`` (where the app under test publishes)."""
    store = store_beside(data_file)
    try:
        return store.read_published()
    finally:
        store.database.dispose()


def change_log(data_file: Path) -> list[dict]:
    """The change log in the database beside ``data_file``."""
    store = store_beside(data_file)
    try:
        return store.change_log()
    finally:
        store.database.dispose()


def demo_store(folder: Path, **options: object) -> Store:
    """A store in ``folder`` whose published list is the demo data (carried over as the app would)."""
    import shutil

    from tests.conftest import ROOT

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "partners.csv", folder / "partners.csv")
    return store_beside(folder / "partners.csv", **options)
