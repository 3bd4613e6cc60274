"""A published version's data is frozen out of the cycle collector once, and set free when the next version comes."""

from __future__ import annotations

import gc
import time

from dashboard import heap


def test_a_version_is_frozen_once_and_a_new_version_refreezes():
    try:
        gc.unfreeze()
        heap._frozen_version.clear()
        heap.keep_out_of_collection("first")
        frozen = gc.get_freeze_count()
        assert frozen > 0
        kept = [[object()] for _ in range(1000)]  # made after the freeze: the same version leaves them alone
        heap.keep_out_of_collection("first")
        assert gc.get_freeze_count() == frozen
        assert len(kept) == 1000
        heap.keep_out_of_collection("second")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        heap._frozen_version.clear()


def test_garbage_of_the_old_version_is_collected_when_the_next_one_comes():
    class Cycle:
        pass

    try:
        gc.unfreeze()
        heap._frozen_version.clear()
        cycle = Cycle()
        cycle.me = cycle  # only the cycle collector can free it
        import weakref

        alive = weakref.ref(cycle)
        heap.keep_out_of_collection("old")
        del cycle
        gc.collect()
        assert alive() is not None  # frozen: a full pass does not see it
        heap.keep_out_of_collection("new")
        assert alive() is None
    finally:
        gc.unfreeze()
        heap._frozen_version.clear()


def test_a_start_pauses_the_automatic_passes_until_its_version_is_frozen():
    try:
        gc.unfreeze()
        gc.enable()
        heap._frozen_version.clear()
        heap.pause_collection()
        assert not gc.isenabled()  # the imports and the first version's data: no passes over them
        heap.pause_collection()  # once
        heap.keep_out_of_collection("first")
        assert gc.isenabled() and gc.get_freeze_count() > 0
        heap.pause_collection()  # a version is frozen: a later call pauses nothing
        assert gc.isenabled()
    finally:
        heap.resume_collection()
        gc.enable()
        gc.unfreeze()
        heap._frozen_version.clear()


def test_a_pause_ends_by_itself_when_no_page_freezes_a_version(monkeypatch):
    monkeypatch.setattr(heap, "PAUSE_SECONDS", 0.05)
    try:
        heap._frozen_version.clear()
        gc.enable()
        heap.pause_collection()
        assert not gc.isenabled()
        deadline = time.monotonic() + 5
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.isenabled()
    finally:
        heap.resume_collection()
        gc.enable()
        heap._frozen_version.clear()
