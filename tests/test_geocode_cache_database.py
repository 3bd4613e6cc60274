"""The geocoding cache in the office's database (SQLite and PostgreSQL): what one app server learns, every one reads."""

from __future__ import annotations

from partner_directory.geo.geocoding.cache import CachedPlace, DatabaseGeocodeCache, GeocodeCache
from partner_directory.publication.store import Store


def test_answers_are_kept_replaced_and_read_many_at_once(database_url):
    store = Store.open(database_url)
    cache = DatabaseGeocodeCache(store.database)
    cache.put("gdansk|pl", CachedPlace(54.35, 18.65, "online", "city", "Gdańsk"))
    cache.put_many({f"k{i}": CachedPlace(i, i, "input", "address") for i in range(1200)})  # more than one chunk
    cache.put("gdansk|pl", CachedPlace(54.0, 18.0, "online", "address", "Gdańsk „Ż”"))
    assert cache.get("gdansk|pl") == CachedPlace(54.0, 18.0, "online", "address", "Gdańsk „Ż”")
    assert cache.get("nowhere") is None
    found = cache.get_many([f"k{i}" for i in range(0, 1300, 7)] + ["gdansk|pl"])
    assert len(found) == len(range(0, 1200, 7)) + 1 and found["k7"].latitude == 7
    assert len(cache) == 1201
    # Another process (another engine on the same database) reads the same answers.
    other = Store.open(database_url)
    assert DatabaseGeocodeCache(other.database).get("gdansk|pl").precision == "address"
    other.database.dispose()
    store.database.dispose()


def test_the_file_cache_of_earlier_versions_is_copied_once(database_url, tmp_path):
    old = GeocodeCache(tmp_path / "geocache.sqlite")
    old.put("sopot|pl", CachedPlace(54.44, 18.56, "online", "city"))
    old.close()
    store = Store.open(database_url)
    cache = DatabaseGeocodeCache(store.database)
    assert cache.copy_from(tmp_path / "geocache.sqlite") == 1
    assert cache.copy_from(tmp_path / "geocache.sqlite") == 0  # the table is filled: nothing again
    assert cache.get("sopot|pl").source == "online"
    assert cache.copy_from(tmp_path / "missing.sqlite") == 0
    store.database.dispose()
