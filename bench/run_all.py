"""Run every benchmark under bench/ in turn (``make bench``).

Each ``bench_*.py`` runs in its own process, so one benchmark's caches and
imports do not flatter the next. A benchmark that fails does not stop the
others; the exit status is 1 when any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

failed = []
for script in sorted(Path(__file__).parent.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    started = time.perf_counter()
    if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
        failed.append(script.name)
    print(f"   ({time.perf_counter() - started:.0f} s)\n", flush=True)
if failed:
    print("failed: " + ", ".join(failed), file=sys.stderr)
    sys.exit(1)
