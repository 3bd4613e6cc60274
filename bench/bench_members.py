"""Benchmark: the members' downloads, the zero-result hint and the visit form's decisions at 10,000 offices.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_members.py``). Prints the
best of several runs.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing
from generate import generate, write

from partner_directory.search.criteria import Criteria
from partner_directory.search.engine import search
from partner_directory.search.index import SearchIndex
from partner_directory.search.loosening import loosenings
from partner_directory.sheet.export import xlsx_bytes
from partner_directory.sheet.listing import member_csv, member_table, member_xlsx
from partner_directory.sheet.loading import load_file
from partner_directory.sheet.validation import check
from partner_directory.visits.rules import HostCalendar, suggested_dates

ROWS = 10_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "partners.csv"
        write(path, generate(ROWS))
        table = check(load_file(path)).table
    index = SearchIndex.build(table)
    rows = search(index, Criteria()).rows
    words = timing.best(lambda: member_table(rows, language="pl"), 3)
    listed = member_table(rows, language="pl")
    excel = timing.best(lambda: member_xlsx(listed), 3)
    comma = timing.best(lambda: member_csv(listed), 3)
    canonical = timing.best(lambda: xlsx_bytes(rows), 3)
    nothing = Criteria(text="zzzzqqqq", countries=("PL",), sectors=("Robotics",), services=("desk",))
    hint = timing.best(lambda: loosenings(index, nothing), 5)
    calendars = [HostCalendar(code) for code in ("PL", "DE", "JP", "US", "IL")]
    start = dt.date(2026, 1, 1)

    def a_year_of_suggestions() -> None:
        for calendar in calendars:
            for offset in range(366):
                suggested_dates(calendar, today=start + dt.timedelta(days=offset))

    year = timing.best(a_year_of_suggestions, 3)
    print(f"members' pages, {ROWS:,} offices")
    print(f"  download: words in Polish  {words:6.3f} s")
    print(f"  download: Excel            {excel:6.3f} s   (made only when clicked)")
    print(f"  the staff's canonical Excel {canonical:5.3f} s   (for comparison: openpyxl's pace)")
    print(f"  download: CSV (;)          {comma:6.3f} s   (target < 1 s)")
    print(f"  zero-result hint (4 parts) {hint * 1000:6.1f} ms  (target < 100 ms)")
    print(f"  suggested visit dates      {year / (5 * 366) * 1e6:6.1f} µs per day and country")


if __name__ == "__main__":
    main()
