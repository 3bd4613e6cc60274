"""A published version's data kept out of the garbage collector's full passes.

A full pass of Python's cycle collector visits every object the process
holds. With 100,000 offices loaded (the table, the search index, the shared
views) one pass takes 0.3–0.5 s on this project's machine, with the GIL held:
every member's run stops meanwhile, and such passes come every few hundred
reruns. The data of a published version lives until the next version, so once
it is built it is moved out of the collector's reach (``gc.freeze``). A new
version first lets the collector see everything again, once, so the old
version's cycles are freed.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen_version: list[str] = []


def keep_out_of_collection(version: str) -> None:
    """Once per published ``version``, after its data is built: freeze every object alive now (see the module)."""
    if _frozen_version == [version]:
        return
    with _lock:
        if _frozen_version == [version]:
            return
        if _frozen_version:
            gc.unfreeze()  # the previous version's objects: collectable again, and collected now
            gc.collect()
        gc.freeze()
        _frozen_version[:] = [version]
