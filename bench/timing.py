"""The one timing rule of the benchmarks: the best of several runs, the least disturbed by other work."""

from __future__ import annotations

import time
from collections.abc import Callable


def best(function: Callable[[], object], repeats: int = 5, before: Callable[[], object] | None = None) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``function``; ``before`` runs untimed before each."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)
