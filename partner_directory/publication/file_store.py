"""The file store of earlier versions, carried over into the office's database once, history whole.

Before the database kept them, the published list was ``data/partners.csv``,
its versions ``data/history/<time>-<id>.csv`` with a ``.json`` record each, its
change log ``data/history/changes.log`` (one JSON line per version that went
live) and the drafts ``data/drafts/<hash>.json``. :func:`carry_over` copies all
of it into the database when the database has no published list yet: every
version with its record as it was, every change-log line in its order, the
published list as current, and the drafts. A publish the file store left
half-done (``history/publishing.pending``) is finished or undone as the file
store's own repair would have: records of a version that never went live are
left out, the log entries of one that did are added.

It runs in one write transaction under the publish lock, so two processes
starting together carry the files over once, and a second start finds the
database filled and does nothing. The files are left as they were: they are
the office's old backup.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from partner_directory.publication.drafts import drafts_table
from partner_directory.publication.store import (
    PUBLISH_LOCK,
    Store,
    Version,
    append_log,
    current_table,
    keep_content,
    record_version,
    set_current,
    versions_table,
)
from partner_directory.publication.version_id import content_version
from partner_directory.storage.database import transaction_lock

log = logging.getLogger(__name__)

CHANGE_LOG = "changes.log"
PENDING = "publishing.pending"
#: The largest file carried over (a stray huge file in the folder must not exhaust memory).
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class CarriedOver:
    """What :func:`carry_over` copied: versions, change-log entries, drafts, and whether a list is now current."""

    versions: int = 0
    log_entries: int = 0
    drafts: int = 0
    published: bool = False


def carry_over(store: Store, *, data_file: Path, history_dir: Path, drafts_dir: Path | None = None) -> CarriedOver:
    """Copy the file store into ``store``'s database when it holds no published list and no history yet.

    Returns what was copied (all zero when the database was filled already or
    there were no files). Raises ``DatabaseError`` when the database cannot be
    written; then nothing was copied, and the next start tries again.
    """
    with store.database.write() as connection:
        transaction_lock(connection, PUBLISH_LOCK, timeout=store.lock_timeout)
        filled = (
            connection.execute(sa.select(current_table.c.key).limit(1)).first()
            or connection.execute(sa.select(versions_table.c.seq).limit(1)).first()
        )
        if filled:
            return CarriedOver()
        published = _read(Path(data_file))
        live = None if published is None else content_version(published)
        pending = _pending(Path(history_dir))
        never_live = set(pending.get("files", [])) if pending and pending.get("id") != live else set()
        recorded: dict[str, int] = {}
        count = 0
        for version, data in _history(Path(history_dir), skip=never_live):
            keep_content(connection, version.id, data)
            _, seq = record_version(connection, version, log=False)
            recorded[version.id] = seq  # the newest record of a content wins: records come oldest first
            count += 1
        entries = _log_lines(Path(history_dir))
        if pending:
            owed = list(pending.get("unlogged", [])) + (
                list(pending.get("entries", [])) if live == pending.get("id") else []
            )
            logged = {(entry.get("id"), entry.get("created")) for entry in entries}
            entries += [e for e in owed if isinstance(e, dict) and (e.get("id"), e.get("created")) not in logged]
        for entry in entries:
            append_log(connection, entry)
        if published is not None and live is not None:
            keep_content(connection, live, published)
            set_current(connection, live, record=recorded.get(live))
        drafts = _drafts(connection, drafts_dir) if drafts_dir is not None else 0
    done = CarriedOver(count, len(entries), drafts, published is not None)
    if done != CarriedOver():
        log.warning("Carried the file store over into the database: %s", done)
    return done


def _history(folder: Path, *, skip: set[str]) -> list[tuple[Version, bytes]]:
    found = []
    names = {field.name for field in fields(Version)}
    for meta in sorted(folder.glob("*.json")):
        try:
            record = json.loads(meta.read_text(encoding="utf-8"))
            version = Version(**{k: v for k, v in record.items() if k in names})
        except (OSError, ValueError, TypeError) as error:
            log.error("The history record %s cannot be read and is not carried over: %s", meta, error)
            continue
        if version.file in skip or meta.name in skip or Path(version.file).name != version.file:
            continue
        data = _read(folder / version.file)
        if data is None or content_version(data) != version.id:
            log.error("The history file of %s is missing or changed and is not carried over", meta)
            continue
        found.append((version, data))
    return sorted(found, key=lambda pair: (pair[0].created, pair[0].file))


def _log_lines(folder: Path) -> list[dict[str, object]]:
    try:
        lines = (folder / CHANGE_LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line a crash left half-written: the file store's repair cut it too
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _pending(folder: Path) -> dict[str, Any]:
    try:
        pending = json.loads((folder / PENDING).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return pending if isinstance(pending, dict) else {}


def _drafts(connection: sa.Connection, folder: Path) -> int:
    count = 0
    for path in sorted(Path(folder).glob("*.json")):
        data = _read(path)
        if data is None or len(path.stem) != 32:
            continue
        connection.execute(
            drafts_table.insert().values(author_key=path.stem, saved_at=path.stat().st_mtime, content=data)
        )
        count += 1
    return count


def _read(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
