"""A published version's data kept out of the garbage collector's full passes.

A full pass of Python's cycle collector visits every object the process
holds. With 100,000 offices loaded (the table, the search index, the shared
views) one pass takes 0.3–0.5 s on this project's machine, with the GIL held:
every member's run stops meanwhile, and such passes come every few hundred
reruns. The data of a published version lives until the next version, so once
it is built it is moved out of the collector's reach (``gc.freeze``). A new
version first lets the collector see everything again, once, so the old
version's cycles are freed.

While a process starts -- its imports and the first version's data, before the
first page is drawn -- the collector's automatic passes are paused
(:func:`pause_collection`): the imports and the data are alive for the
process's life, so each pass over them (three full ones, 0.15–0.25 s of the
first page at 100,000 offices) freed next to nothing. Reference counting still
frees everything else; the pause ends when the version's data are frozen, or
after :data:`PAUSE_SECONDS` at most.
"""

from __future__ import annotations

import gc
import threading

#: The longest the collector's automatic passes stay paused at a start (a first page that never comes).
PAUSE_SECONDS = 30.0

_lock = threading.Lock()
_frozen_version: list[str] = []
_paused: list[threading.Timer] = []


def pause_collection() -> None:
    """Pause the collector's automatic passes until :func:`keep_out_of_collection` (or :data:`PAUSE_SECONDS`)."""
    with _lock:
        if _paused or _frozen_version or not gc.isenabled():
            return  # paused already, a version frozen already, or the collector is off anyway
        gc.disable()
        timer = threading.Timer(PAUSE_SECONDS, resume_collection)
        timer.name, timer.daemon = "gc-pause", True
        _paused.append(timer)
        timer.start()


def resume_collection() -> None:
    """End a pause of :func:`pause_collection` (nothing when there is none)."""
    with _lock:
        _resume()


def _resume() -> None:
    if _paused:
        _paused.pop().cancel()
        gc.enable()


def keep_out_of_collection(version: str) -> None:
    """Once per published ``version``, after its data is built: freeze every object alive now (see the module)."""
    if _frozen_version == [version] and not _paused:
        return
    with _lock:
        if _frozen_version == [version]:
            _resume()
            return
        if _frozen_version:
            gc.unfreeze()  # the previous version's objects: collectable again, and collected now
            gc.collect()
        gc.freeze()
        _frozen_version[:] = [version]
        _resume()
