"""The persistent geocoding cache, keyed on the normalised query, and its resolver.

It lives in the office's database (the ``geocode_cache`` table, see
:mod:`partner_directory.storage`), so every app server places an office from
the same answers, an online answer found on one machine stands on all, and no
server keeps it in a file of its own; the command line and the tests may keep
it in an SQLite file instead (``PARTNER_DIRECTORY_GEOCODE_CACHE``). Safe for
several readers and one writer at a time, it survives restarts and remembers which geocoder gave each answer, so an online
geocoder switched on later is not hidden behind older offline answers
(:func:`may_reuse` decides which answers still stand; :class:`CacheResolver`
answers the chain with them).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from partner_directory.geo.geocoding.base import GeocodeResult, Query, Resolver
from partner_directory.storage.database import Database

if TYPE_CHECKING:
    from partner_directory.geo.geocoding.online import OnlineResolver


@dataclass(frozen=True)
class CachedPlace:
    """One remembered answer: coordinates, the geocoder that gave them and their precision."""

    latitude: float
    longitude: float
    source: str
    precision: str
    label: str = ""


#: The office database's table (created by the storage's migration 8).
places_table = sa.Table(
    "geocode_cache",
    sa.MetaData(),
    sa.Column("query", sa.String(1000), primary_key=True),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("precision", sa.String(40), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)
_CHUNK = 500


class DatabaseGeocodeCache:
    """The same store as :class:`GeocodeCache`, in the office's database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, key: str) -> CachedPlace | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: list[str]) -> dict[str, CachedPlace]:
        found: dict[str, CachedPlace] = {}
        unique = list(dict.fromkeys(keys))
        columns = [places_table.c[name] for name in ("query", "latitude", "longitude", "source", "precision", "label")]
        with self.database.read() as connection:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                for key, *values in connection.execute(sa.select(*columns).where(places_table.c.query.in_(chunk))):
                    found[key] = CachedPlace(*values)
        return found

    def put(self, key: str, place: CachedPlace) -> None:
        self.put_many({key: place})

    def put_many(self, places: dict[str, CachedPlace]) -> None:
        """Remember many answers in one transaction (replacing older answers for the same keys)."""
        if not places:
            return
        now = time.time()
        rows = [
            {
                "query": k,
                "latitude": p.latitude,
                "longitude": p.longitude,
                "source": p.source,
                "precision": p.precision,
                "label": p.label,
                "created": now,
            }
            for k, p in places.items()
        ]
        keys = list(places)
        with self.database.write() as connection:
            for start in range(0, len(keys), _CHUNK):
                connection.execute(places_table.delete().where(places_table.c.query.in_(keys[start : start + _CHUNK])))
            connection.execute(places_table.insert(), rows)

    def __len__(self) -> int:
        with self.database.read() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(places_table)).scalar() or 0)

    def copy_from(self, path: Path) -> int:
        """Copy the answers of an SQLite cache file of earlier versions (once: only into an empty table)."""
        if len(self) or not Path(path).is_file():
            return 0
        try:
            old = GeocodeCache(path)
            with old._lock:
                rows = old._connection.execute(
                    "SELECT query, latitude, longitude, source, precision, label FROM places"
                ).fetchall()
            old.close()
        except sqlite3.Error:
            return 0
        self.put_many({key: CachedPlace(*values) for key, *values in rows})
        return len(rows)

    def close(self) -> None:
        """Nothing to close: the database's engine belongs to its owner."""


class GeocodeCache:
    """A small key → :class:`CachedPlace` store in an SQLite file (the command line's and the tests' cache).

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


#: Either store: the office's database, or an SQLite file.
AnyGeocodeCache = GeocodeCache | DatabaseGeocodeCache


def may_reuse(cached: CachedPlace, *, online_is_asking: bool) -> bool:
    """Whether a remembered answer may stand instead of asking the resolvers again.

    Offline answers are not reused: the gazetteer answers in microseconds, and
    an answer remembered under older rules (a wrong Portland) must not outlive
    them. While an online geocoder is asking, an older answer stands only if
    it came from a geocoder online or is as exact as an address.

    >>> may_reuse(CachedPlace(1, 2, "online", "city"), online_is_asking=True)
    True
    >>> may_reuse(CachedPlace(1, 2, "input", "city"), online_is_asking=True)
    False
    """
    if cached.source == "gazetteer":
        return False
    return not online_is_asking or cached.source == "online" or cached.precision == "address"


class CacheResolver(Resolver):
    """Answers remembered in the cache, as the chain's first resolver.

    Made for one lookup or one table from the answers read for its keys
    (:meth:`GeocodeCache.get_many`), so a table costs one read, not one a row.
    It asks the online resolver at each query whether it is still asking,
    since it may give up half-way through a table.
    """

    name = "cache"

    def __init__(self, remembered: Mapping[str, CachedPlace], *, online: OnlineResolver | None = None) -> None:
        self.remembered = remembered
        self.online = online

    def resolve(self, query: Query) -> GeocodeResult | None:
        cached = self.remembered.get(query.key)
        online_is_asking = self.online is not None and not self.online.gave_up
        if cached is None or not may_reuse(cached, online_is_asking=online_is_asking):
            return None
        return GeocodeResult(cached.latitude, cached.longitude, "cache", cached.precision, cached.label)
