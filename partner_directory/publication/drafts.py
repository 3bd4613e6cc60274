"""The office's work in progress, kept on the server per staff member so nothing is lost.

A :class:`Draft` is the partner list a staff member is working on — from an
uploaded file or from the published list — with every fix typed in the page,
every office placed on the map and every coordinate typed by hand. The staff
page saves it after each change with :class:`DraftStore` (one JSON record per
person in the office's database, bounded in size), so a reload, a lost
connection, a server restart or the next click landing on another app server
never loses it: after the next sign-in the page offers to continue it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, replace

import pandas as pd
import sqlalchemy as sa

from partner_directory.errors import DraftTooBigError
from partner_directory.storage.database import Database

#: Drafts untouched for this long are removed when any draft is saved.
DRAFT_MAX_AGE_DAYS = 30
_FORMAT = 1

drafts_table = sa.Table(
    "drafts",
    sa.MetaData(),
    sa.Column("author_key", sa.String(64), primary_key=True),
    sa.Column("saved_at", sa.Float, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)


@dataclass(frozen=True)
class Draft:
    """A partner list on its way to publication, as staff see and edit it.

    ``rows`` holds text only: every schema column, the file's extra columns
    and the geocoding columns, one row per office in file order.
    ``row_numbers[i]`` is the spreadsheet row of ``rows.iloc[i]`` (header = 1;
    rows added in the page continue after the last). ``headers`` pairs each
    column the file had with the file's own header for it; ``base_version``
    is the published version the draft is compared with. ``saved`` is when it
    was last kept (ISO, UTC).
    """

    rows: pd.DataFrame
    row_numbers: tuple[int, ...]
    origin: str  # "upload" or "edit"
    base_version: str | None
    filename: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    long_rows: tuple[tuple[int, int], ...] = ()
    saved: str = ""

    @property
    def header_map(self) -> dict[str, str]:
        """Each column the file had, with the file's own header."""
        return dict(self.headers)

    @property
    def saved_at(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.saved) if self.saved else None

    def to_json(self, *, author: str) -> bytes:
        record = {
            "format": _FORMAT,
            "author": author,
            "saved": self.saved,
            "origin": self.origin,
            "filename": self.filename,
            "base_version": self.base_version,
            "headers": [list(pair) for pair in self.headers],
            "long_rows": [list(pair) for pair in self.long_rows],
            "row_numbers": list(self.row_numbers),
            "columns": list(self.rows.columns),
            "rows": self.rows.astype(str).values.tolist(),
        }
        return json.dumps(record, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Draft:
        """Read a saved draft; raises ``ValueError`` (or ``KeyError``/``TypeError``) for a damaged one."""
        record = json.loads(data.decode("utf-8"))
        if record.get("format") != _FORMAT:
            raise ValueError("unknown draft format")
        columns = [str(c) for c in record["columns"]]
        rows = pd.DataFrame([[str(v) for v in row] for row in record["rows"]], columns=columns, dtype=object)
        if len(rows) != len(record["row_numbers"]):
            raise ValueError("row numbers do not match the rows")
        return cls(
            rows=rows,
            row_numbers=tuple(int(n) for n in record["row_numbers"]),
            origin=str(record["origin"]),
            base_version=record["base_version"],
            filename=str(record.get("filename") or ""),
            headers=tuple((str(c), str(h)) for c, h in record.get("headers", [])),
            long_rows=tuple((int(r), int(n)) for r, n in record.get("long_rows", [])),
            saved=str(record.get("saved") or ""),
        )


class DraftStore:
    """One draft per staff member in the office's database.

    A draft is keyed by a hash of the staff member's name or e-mail (as the
    files of earlier versions were named). A draft larger than ``max_bytes``
    is refused with :class:`DraftTooBigError`; the one kept before stays.
    Raises ``DatabaseError`` when the database cannot be reached.
    """

    def __init__(self, database: Database, *, max_bytes: int) -> None:
        self.database = database
        self.max_bytes = max_bytes

    @staticmethod
    def key(author: str) -> str:
        return hashlib.sha256(author.strip().casefold().encode("utf-8")).hexdigest()[:32]

    def save(self, draft: Draft, *, author: str, now: dt.datetime | None = None) -> Draft:
        """Keep ``draft`` for ``author`` (in one transaction); return it with its ``saved`` time."""
        saved = replace(draft, saved=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"))
        data = saved.to_json(author=author)
        if len(data) > self.max_bytes:
            raise DraftTooBigError(
                "draft_too_big", size=f"{len(data) / 1_000_000:.1f}", limit=f"{self.max_bytes / 1_000_000:g}"
            )
        key = self.key(author)
        with self.database.write() as connection:
            connection.execute(drafts_table.delete().where(drafts_table.c.author_key == key))
            connection.execute(drafts_table.insert().values(author_key=key, saved_at=time.time(), content=data))
            # Drafts untouched for DRAFT_MAX_AGE_DAYS go when any draft is saved.
            limit = time.time() - DRAFT_MAX_AGE_DAYS * 86_400
            connection.execute(drafts_table.delete().where(drafts_table.c.saved_at < limit))
        return saved

    def load(self, author: str) -> Draft | None:
        """The draft kept for ``author``, or ``None`` (none kept, or a damaged one, which is left alone)."""
        with self.database.read() as connection:
            data = connection.execute(
                sa.select(drafts_table.c.content).where(drafts_table.c.author_key == self.key(author))
            ).scalar()
        if data is None:
            return None
        try:
            return Draft.from_json(bytes(data))
        except (ValueError, KeyError, TypeError):
            return None

    def discard(self, author: str) -> None:
        with self.database.write() as connection:
            connection.execute(drafts_table.delete().where(drafts_table.c.author_key == self.key(author)))
