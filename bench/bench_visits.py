"""Benchmark: the visits register with 10,000 visits to 10,000 offices, on SQLite.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_visits.py``). Prints
the time of one recorded request (one transaction, fsynced), of listing the
register with and without filters, of the yearly report and its workbook, and
of the register's Excel download. Targets: a request in under 50 ms, the
staff's register page reads under 0.5 s.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing

from partner_directory.visits.register import STATUSES, NewVisit, Register, VisitFilter, register_xlsx, visits_table
from partner_directory.visits.report import report_xlsx, year_report

VISITS = 10_000
PARTNERS = 2_000
COMPANIES = 800


def fill(register: Register, rng: random.Random) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(VISITS):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        end = start + dt.timedelta(days=rng.randrange(5))
        status = rng.choice(STATUSES)
        rows.append(
            {
                "direction": rng.choice(("outgoing", "outgoing", "incoming")),
                "status": status,
                "member_company": f"Company {rng.randrange(COMPANIES)}",
                "member_name": f"Person {n}",
                "member_email": f"person{n}@example.org",
                "partner_id": f"p{rng.randrange(PARTNERS)}",
                "partner_name": f"Partner cluster {rng.randrange(PARTNERS)}",
                "office_name": "",
                "city": "Gdańsk",
                "country": "PL",
                "start_date": start,
                "end_date": end,
                "people": rng.randint(1, 5),
                "services": "desk;internet",
                "language": "en",
                "note": "",
                "planned_days": (end - start).days + 1,
                "actual_days": rng.randint(1, 5) if status == "completed" else None,
                "source": "form",
                "created_at": now,
                "created_by": "",
                "updated_at": now,
                "revision": 1,
            }
        )
    with register.database.write() as connection:
        connection.execute(visits_table.insert(), rows)


def main() -> None:
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as folder:
        register = Register.open(f"sqlite:///{Path(folder) / 'visits.sqlite'}")
        started = time.perf_counter()
        fill(register, rng)
        print(f"fill {VISITS:,} visits in one transaction: {time.perf_counter() - started:.2f} s")
        one = NewVisit("outgoing", "Acme", "Partner cluster 1", dt.date(2026, 3, 2), dt.date(2026, 3, 4))
        print(f"record one request (a transaction, fsynced): {timing.best(lambda: register.record(one)) * 1000:.1f} ms")
        everything = timing.best(register.find)
        print(f"list the whole register ({register.count():,} visits): {everything:.3f} s")
        some = VisitFilter(year=2025, status="completed")
        print(f"list one year's completed visits: {timing.best(lambda: register.find(some)):.3f} s")
        print(f"filter choices (years, partners, companies): {timing.best(register.choices):.3f} s")
        in_year = register.find(VisitFilter(year=2025))
        report = year_report(in_year, 2025)
        print(f"yearly report from {len(in_year):,} visits: {timing.best(lambda: year_report(in_year, 2025)):.3f} s")
        print(
            f"report workbook with chart ({len(report.by_partner):,} partners): "
            f"{timing.best(lambda: report_xlsx(report), repeats=3):.3f} s"
        )
        visits = register.find()
        print(
            f"register as Excel ({len(visits):,} visits): {timing.best(lambda: register_xlsx(visits), repeats=3):.2f} s"
        )
        register.database.dispose()


if __name__ == "__main__":
    main()
