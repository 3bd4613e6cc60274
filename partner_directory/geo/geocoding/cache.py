"""The persistent geocoding cache: an SQLite file keyed on the normalised query.

Safe for several readers and one writer at a time (SQLite's WAL mode), it
survives restarts and remembers which geocoder gave each answer, so an online
geocoder switched on later is not hidden behind older offline answers.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CachedPlace:
    """One remembered answer: coordinates, the geocoder that gave them and their precision."""

    latitude: float
    longitude: float
    source: str
    precision: str
    label: str = ""


class GeocodeCache:
    """A small key → :class:`CachedPlace` store in SQLite.

    >>> cache = GeocodeCache(":memory:")
    >>> cache.put("gdansk|pl", CachedPlace(54.35, 18.65, "gazetteer", "city"))
    >>> cache.get("gdansk|pl").precision
    'city'
    """

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False)
        with self._lock, self._connection:
            if self.path != ":memory:":
                self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS places ("
                " query TEXT PRIMARY KEY, latitude REAL NOT NULL, longitude REAL NOT NULL,"
                " source TEXT NOT NULL, precision TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',"
                " created REAL NOT NULL)"
            )

    def get(self, key: str) -> CachedPlace | None:
        """Return the answer remembered for ``key``, or ``None``."""
        with self._lock:
            row = self._connection.execute(
                "SELECT latitude, longitude, source, precision, label FROM places WHERE query = ?", (key,)
            ).fetchone()
        return CachedPlace(*row) if row else None

    def get_many(self, keys: list[str]) -> dict[str, CachedPlace]:
        """Return the remembered answers for many keys at once (missing keys are left out)."""
        found: dict[str, CachedPlace] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, *values in self._connection.execute(
                    f"SELECT query, latitude, longitude, source, precision, label FROM places WHERE query IN ({marks})",  # noqa: S608
                    chunk,
                ):
                    found[key] = CachedPlace(*values)
        return found

    def put(self, key: str, place: CachedPlace) -> None:
        """Remember ``place`` for ``key`` (replacing an older answer)."""
        self.put_many({key: place})

    def put_many(self, places: dict[str, CachedPlace]) -> None:
        """Remember many answers in one transaction."""
        if not places:
            return
        now = time.time()
        with self._lock, self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO places VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(k, p.latitude, p.longitude, p.source, p.precision, p.label, now) for k, p in places.items()],
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM places").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()
