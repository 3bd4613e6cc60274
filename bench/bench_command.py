"""Benchmark: the ``search`` command on the demo file, as a whole process.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_command.py``). Starts
``python -m partner_directory search data/partners.csv …`` several times and
prints the median and best wall-clock time of the whole process (interpreter,
imports, reading and checking the file, placing it offline, the search). The
caches are warm, as on any start after the first: the gazetteer index and the
country and language tables in the cache directory (built first if missing).
The target is at most 1 s. The CPU time (user + system) is printed too: on
a machine shared with other work it shows the command's own cost when the
wall clock also counts waiting for a core.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = (["--q", "robotyka"], ["--near", "Gdańsk", "--km", "300"], ["--q", "Monachium", "--format", "json"])
REPEATS = 7


def run(arguments: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system) of one whole command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "partner_directory", "search", "data/partners.csv", *arguments],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    run(QUERIES[0])  # builds the caches if this machine has none yet
    for arguments in QUERIES:
        runs = [run(arguments) for _ in range(REPEATS)]
        wall = [seconds for seconds, _ in runs]
        cpu = [seconds for _, seconds in runs]
        label = " ".join(arguments)
        print(
            f"search {label:32s} wall median {statistics.median(wall):.2f} s, best {min(wall):.2f} s;"
            f" CPU median {statistics.median(cpu):.2f} s (target ≤ 1 s)"
        )


if __name__ == "__main__":
    main()
