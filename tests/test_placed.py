"""A published version is checked and placed once, then read as kept by every server and start.

Against real databases (SQLite and a PostgreSQL server the tests start), real partner files
(the Polish Excel export, generated hostile files) and the real offline geocoder. That a kept
version is read and not placed again is seen from outside: the second call is given a geocoder
that places nothing, and its table is still the placed one.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from partner_directory.geo.geocoding.chain import Geocoder
from partner_directory.publication import placed
from partner_directory.publication.published import load_published
from partner_directory.publication.store import Store
from tests.conftest import ROOT
from tests.strategies import partner_files

EXPORT = ROOT / "tests" / "files" / "partnerzy_eksport_excel_cp1250.csv"
NOWHERE = Geocoder([])  # places nothing: a table it placed has no coordinates


def published(store: Store, data: bytes) -> str:
    store.publish(data, author="Ola", base_version=store.current_version(), summary="upload", rows=1)
    version = store.current_version()
    assert version is not None
    return version


def same(first, second) -> None:
    assert first.table.equals(second.table)
    assert list(first.table.dtypes) == list(second.table.dtypes)
    if len(first.table):
        assert [type(v) for v in first.table.iloc[0]] == [type(v) for v in second.table.iloc[0]]
    assert (first.report, first.summary, first.version) == (second.report, second.summary, second.version)


def test_a_version_is_placed_once_and_then_read_as_kept(database_url):
    store = Store.open(database_url)
    version = published(store, (ROOT / "data" / "partners.csv").read_bytes())
    first = placed.published_directory(store, version, geocoder=Geocoder.offline())
    assert first.offices == 62 and first.unplaced == 0
    again = placed.published_directory(store, version, geocoder=NOWHERE)
    same(first, again)
    assert again.updated == store.published_at()  # dated by its history record, not by when it was kept
    # What placing with nothing gives, for contrast: the kept table is not that.
    assert load_published(store.read_content(version), geocoder=NOWHERE).table["geocode_precision"].eq("none").any()


def test_a_kept_table_shares_its_repeated_texts(tmp_path):
    """Offices repeat countries, cities and services: read back, each distinct text is one object (a third of them at 100,000 offices)."""
    store = Store.open(f"sqlite:///{tmp_path / 'office.sqlite'}")
    version = published(store, (ROOT / "data" / "partners.csv").read_bytes())
    first = placed.published_directory(store, version, geocoder=Geocoder.offline())
    kept = placed.published_directory(store, version, geocoder=NOWHERE)
    same(first, kept)
    for column in ("country", "services", "geocode_precision"):
        values = kept.table[column].tolist()
        assert len(values) > len(set(values)), column  # repeated, as in any real list
        assert len({id(value) for value in values}) == len(set(values)), column


def test_the_polish_excel_export_with_its_problems_reads_back_whole(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'office.sqlite'}")
    version = published(store, EXPORT.read_bytes())
    first = placed.published_directory(store, version, geocoder=Geocoder.offline())
    assert first.report.problems  # warnings and errors travel with it
    same(first, placed.published_directory(store, version, geocoder=NOWHERE))


def test_another_code_or_a_damaged_entry_places_again(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'office.sqlite'}")
    version = published(store, (ROOT / "data" / "partners.csv").read_bytes())
    placed.published_directory(store, version, geocoder=Geocoder.offline())
    with store.database.write() as connection:  # as kept by an older release of the code
        connection.execute(sa.update(placed.placed_table).values(fingerprint="older"))
    assert placed.read(store.database, version) is None
    assert placed.published_directory(store, version, geocoder=NOWHERE).unplaced > 0  # placed again
    placed.published_directory(store, version, geocoder=Geocoder.offline())
    with store.database.read() as connection:  # the older entry went when the new one was kept
        assert connection.execute(sa.select(placed.placed_table.c.fingerprint)).scalars().all() == [
            placed.fingerprint()
        ]
    with store.database.write() as connection:
        connection.execute(sa.update(placed.placed_table).values(table_data=b'{"a": "object"}\nnot parquet'))
    assert placed.read(store.database, version) is None
    assert placed.published_directory(store, version, geocoder=Geocoder.offline()).offices == 62


def test_only_the_newest_versions_are_kept(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'office.sqlite'}")
    header = "partner_name,city,country\r\n"
    versions = []
    for n in range(placed.KEPT + 2):
        versions.append(published(store, f"{header}Cluster {n},Gdańsk,PL\r\n".encode()))
        placed.published_directory(store, versions[-1], geocoder=Geocoder.offline())
    with store.database.read() as connection:
        kept = set(connection.execute(sa.select(placed.placed_table.c.version)).scalars())
    assert kept == set(versions[-placed.KEPT :])


def test_the_fingerprint_follows_the_code():
    assert len(placed.fingerprint()) == 32
    assert placed.fingerprint(("maps",)) != placed.fingerprint()  # more code, another fingerprint
    assert placed.fingerprint(("maps",)) != placed.fingerprint(("i18n.py",))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(file=partner_files(max_rows=4))
def test_any_published_file_reads_back_exactly(tmp_path_factory, file):
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('placed') / 'office.sqlite'}")
    version = published(store, file.encode())
    first = placed.published_directory(store, version, geocoder=Geocoder.offline())
    same(first, placed.published_directory(store, version, geocoder=NOWHERE))
    assert first.problem or (first.updated is not None and first.updated <= dt.datetime.now(dt.UTC))


def test_what_servers_derive_from_a_version_is_made_once(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'office.sqlite'}")
    version = published(store, (ROOT / "data" / "partners.csv").read_bytes())
    placed.published_directory(store, version, geocoder=Geocoder.offline())
    made: list[str] = []

    def make(what: str):
        return lambda: made.append(what) or what.encode()

    assert placed.kept_bytes(store.database, version, "map:pl", make("first")) == b"first"
    assert placed.kept_bytes(store.database, version, "map:pl", make("second")) == b"first"  # kept
    assert placed.kept_bytes(store.database, version, "map:en", make("english")) == b"english"  # another kind
    assert placed.kept_bytes(store.database, version, "map:pl", make("new code"), code=("maps",)) == b"new code"
    assert made == ["first", "english", "new code"]
    other = published(store, b"partner_name,city,country\r\nA,Gdynia,PL\r\n")  # not placed: nothing kept for it
    assert placed.kept_bytes(store.database, other, "map:pl", make("other")) == b"other"
    assert placed.kept_bytes(store.database, other, "map:pl", make("again")) == b"again"


def test_the_map_files_from_kept_texts_are_the_files_made_anew(tmp_path):
    from partner_directory.maps.office_file import map_texts, texts_bytes, texts_from, write_office_file

    table = load_published((ROOT / "data" / "partners.csv").read_bytes()).table
    offices = table.assign(latitude=table["lat"], longitude=table["lon"], country_name=table["country"])
    made = write_office_file(offices, language="pl", folder=tmp_path / "made")
    kept = texts_from(texts_bytes(map_texts(offices, language="pl")))
    again = write_office_file(offices, language="pl", folder=tmp_path / "kept", texts=kept)
    assert (again.name, again.texts_name, again.text, again.texts_text) == (
        made.name,
        made.texts_name,
        made.text,
        made.texts_text,
    )
    assert again.row_at.tolist() == made.row_at.tolist()
    assert again.view([0, 5, 9]) == made.view([0, 5, 9])  # the same bounds, bitmap and files
    with pytest.raises(ValueError):
        write_office_file(offices.iloc[:10], language="pl", folder=tmp_path / "kept", texts=kept)  # other offices
    with pytest.raises(ValueError):
        texts_from(b"12345678\nshort")
