"""Benchmark: load + validate, export, and the whole `validate` process on 10,000 rows.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_data.py``). Prints the
best of several runs, which is the least disturbed by other work on the machine.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing
from generate import generate, write

from partner_directory.sheet.export import csv_bytes
from partner_directory.sheet.loading import load_file
from partner_directory.sheet.validation import check

ROWS = 10_000
REPEATS = 5


def best(function: Callable[[], object], repeats: int = REPEATS, before: Callable[[], object] | None = None) -> float:
    return timing.best(function, repeats, before)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "partners.csv"
        write(path, generate(ROWS))
        check(load_file(path))  # warm the country tables once, as a running app has them
        load_validate = best(lambda: check(load_file(path)))
        table = check(load_file(path)).table
        export = best(lambda: csv_bytes(table))
        command = [sys.executable, "-m", "partner_directory", "validate", str(path)]
        process = best(lambda: subprocess.run(command, capture_output=True, check=False), repeats=3)
    print(f"partner data, {ROWS:,} rows")
    print(f"  load + validate      {load_validate:6.3f} s   (target < 1 s)")
    print(f"  export CSV           {export:6.3f} s   (target < 1 s)")
    print(f"  validate command     {process:6.3f} s   (whole process, target < 3 s)")


if __name__ == "__main__":
    main()
