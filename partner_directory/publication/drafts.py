"""The office's work in progress, kept on the server per staff member so nothing is lost.

A :class:`Draft` is the partner list a staff member is working on — from an
uploaded file or from the published list — with every fix typed in the page,
every office placed on the map and every coordinate typed by hand. The staff
page saves it after each change with :class:`DraftStore` (one JSON file per
person under ``data/drafts/``, written atomically, bounded in size), so a
reload, a lost connection or a server restart never loses it: after the next
sign-in the page offers to continue it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from partner_directory.errors import DraftTooBigError
from partner_directory.sheet.export import write_atomically

#: Drafts untouched for this long are removed when any draft is saved.
DRAFT_MAX_AGE_DAYS = 30
_FORMAT = 1


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
    """One draft per staff member in ``folder`` (``<hash of the name>.json``).

    The file name is a hash of the staff member's name or e-mail, so no name
    ever becomes a path. A draft larger than ``max_bytes`` is refused with
    :class:`DraftTooBigError`; the one kept before stays.
    """

    def __init__(self, folder: Path, *, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    def path(self, author: str) -> Path:
        digest = hashlib.sha256(author.strip().casefold().encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{digest}.json"

    def save(self, draft: Draft, *, author: str, now: dt.datetime | None = None) -> Draft:
        """Keep ``draft`` for ``author`` (atomically); return it with its ``saved`` time."""
        saved = replace(draft, saved=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"))
        data = saved.to_json(author=author)
        if len(data) > self.max_bytes:
            raise DraftTooBigError(
                "draft_too_big", size=f"{len(data) / 1_000_000:.1f}", limit=f"{self.max_bytes / 1_000_000:g}"
            )
        write_atomically(self.path(author), data)
        self._remove_old()
        return saved

    def load(self, author: str) -> Draft | None:
        """The draft kept for ``author``, or ``None`` (none kept, or a damaged file, which is left alone)."""
        try:
            return Draft.from_json(self.path(author).read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def discard(self, author: str) -> None:
        self.path(author).unlink(missing_ok=True)

    def _remove_old(self) -> None:
        limit = time.time() - DRAFT_MAX_AGE_DAYS * 86_400
        for path in self.folder.glob("*.json"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                continue
