"""Benchmark: the office's draft at 10,000 offices — upload, each edit's re-check, saving the draft, publishing.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_office.py``). Every
edit in the staff page re-checks and re-compares the whole draft and saves it
on the server, so these are the costs of one keystroke's round trip.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing
from generate import generate, write

from partner_directory.publication import publishing
from partner_directory.publication.drafts import DraftStore
from partner_directory.publication.file_store import carry_over
from partner_directory.publication.store import Store

ROWS = 10_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        published = root / "partners.csv"
        write(published, generate(ROWS))
        store = Store.open(f"sqlite:///{root / 'office.sqlite'}")  # the office's database, as the app opens it
        carry_over(store, data_file=published, history_dir=root / "history")
        upload = published.read_bytes().replace(b"Cluster 17 ", b"Cluster 17b ")
        base = store.current_version()
        draft_from_upload = timing.best(
            lambda: publishing.draft_from_upload(upload, "p.csv", base_version=base, max_bytes=10**9), repeats=3
        )
        draft, _ = publishing.draft_from_upload(upload, "p.csv", base_version=base, max_bytes=10**9)
        assert draft is not None
        published_table = publishing.version_table(store, base)
        edit = timing.best(lambda: publishing.apply_edits(draft, edited={5: {"city": "Gdynia"}}), repeats=5)
        evaluate = timing.best(lambda: publishing.evaluate_against(draft, published_table), repeats=3)
        evaluate_with_read = timing.best(lambda: publishing.evaluate(draft, store), repeats=3)
        drafts = DraftStore(store.database, max_bytes=10**9)
        save = timing.best(lambda: drafts.save(draft, author="anna"), repeats=5)
        load = timing.best(lambda: drafts.load("anna"), repeats=5)
        size = len(draft.to_json(author="anna"))
        candidate = publishing.evaluate(draft, store)
        publish = timing.best(
            lambda: publishing.publish(candidate, store, author="anna", confirmed=True),
            repeats=1,
        )
    print(f"office drafts, {ROWS:,} offices")
    print(f"  upload into a draft       {draft_from_upload:6.3f} s")
    print(f"  apply one edit            {edit:6.3f} s")
    print(
        f"  check + compare (evaluate) {evaluate:6.3f} s   (with reading the base version: {evaluate_with_read:.3f} s)"
    )
    print(f"  save / load the draft     {save:6.3f} / {load:.3f} s   ({size / 1_000_000:.1f} MB)")
    print(f"  publish                   {publish:6.3f} s")


if __name__ == "__main__":
    main()
