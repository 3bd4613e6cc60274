"""The published partner file, its versions and its change log — losing nothing.

Publishing writes the new file to a temporary file in the same folder
(flushed and fsynced), records the version in ``history/``, then swaps the
file in with ``os.replace`` — all under a file lock. A publish based on a
version that someone else has replaced in the meantime is refused. Nothing is
ever deleted: restoring an old version publishes it again as a new version.

A crash at any moment leaves the three consistent. Before it touches anything,
a publish writes what it is about to do to ``history/publishing.pending``;
the next publish (or :meth:`Store.repair`, run when the staff page starts)
finishes or undoes it: if the new file went live, its change-log entry is
written; if not, the history records made for it are removed. Temporary files
a crashed publish left behind are removed too — only files with the names the
publisher itself gives them, nothing else in the folders.

A data file that is a symbolic link stays one: publishing replaces the file it
points to. A data file that is not a regular file (a device, a folder) is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from partner_directory.errors import ChangeLogError, PublishConflictError, StoreLockedError, UnreadableFileError
from partner_directory.publication.version_id import content_version
from partner_directory.sheet.export import regular_file_target, write_atomically, write_temporary

log = logging.getLogger(__name__)

CHANGE_LOG = "changes.log"
#: What a publish is about to do, written before it touches anything (see the module's docstring).
PENDING = "publishing.pending"
# The names write_temporary gives: "." + target + "." + mkstemp's 8 random characters + ".tmp".
_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")


@dataclass(frozen=True)
class Version:
    """One published version: id (content hash), when, who, what changed, and its file in history.

    ``added``, ``changed`` and ``removed`` count offices against ``previous``,
    the version it replaced; ``rows`` is its number of offices;
    ``restored_from`` names the history file a restore brought back.
    """

    id: str
    created: str
    author: str
    summary: str
    added: int = 0
    changed: int = 0
    removed: int = 0
    rows: int = 0
    file: str = ""
    previous: str = ""
    restored_from: str = ""

    @property
    def created_at(self) -> dt.datetime:
        """When it was published, as an aware UTC datetime."""
        created = dt.datetime.fromisoformat(self.created)
        return created if created.tzinfo else created.replace(tzinfo=dt.UTC)


class Store:
    """The published file at ``data_file`` with its history folder.

    Typical use: remember ``base = store.current_version()`` when a staff
    member starts working, then ``store.publish(data, author=…, base_version=base, summary=…)``.
    """

    def __init__(self, data_file: Path, *, history_dir: Path, lock_timeout: float = 10.0) -> None:
        self.data_file = Path(data_file)
        self.history_dir = Path(history_dir)
        self.lock = FileLock(str(self.data_file) + ".lock", timeout=lock_timeout)
        self.lock_timeout = lock_timeout

    # -- reading ---------------------------------------------------------------------------------

    def read_published(self) -> bytes | None:
        """The published file's bytes, or ``None`` when nothing is published yet."""
        try:
            return self.data_file.read_bytes()
        except FileNotFoundError:
            return None

    def current_version(self) -> str | None:
        """The id of the published version (``None`` when nothing is published)."""
        data = self.read_published()
        return None if data is None else content_version(data)

    def current_record(self) -> Version | None:
        """The history entry of the published file: the newest one with its content.

        Exactly one entry is current even when a restore published the same
        content again; ``None`` when the file is not in the history.
        """
        current = self.current_version()
        if current is None:
            return None
        return next((version for version in self.versions() if version.id == current), None)

    def published_at(self) -> dt.datetime | None:
        """When the published file was published (from the history, not the file's time), or ``None``."""
        record = self.current_record()
        return None if record is None else record.created_at

    def versions(self) -> list[Version]:
        """Every recorded version, newest first."""
        versions = []
        for meta in self.history_dir.glob("*.json"):
            try:
                versions.append(Version(**json.loads(meta.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # a damaged record must not hide the others
        return sorted(versions, key=lambda v: (v.created, v.file), reverse=True)

    def read_version(self, version_id: str) -> bytes:
        """The bytes of a recorded version; raises ``UnreadableFileError`` for an unknown id."""
        for version in self.versions():
            if version.id == version_id:
                return (self.history_dir / version.file).read_bytes()
        raise UnreadableFileError("no_version", version=version_id)

    # -- writing ---------------------------------------------------------------------------------

    def publish(
        self,
        data: bytes,
        *,
        author: str,
        base_version: str | None,
        summary: str,
        counts: tuple[int, int, int] = (0, 0, 0),
        rows: int = 0,
        base_rows: int = 0,
        restored_from: str = "",
    ) -> Version:
        """Publish ``data`` (the CSV bytes) as the new version.

        ``counts`` are ``(added, changed, removed)`` against the published
        version, ``rows`` the new version's offices, ``base_rows`` the
        published version's offices (recorded when that version enters the
        history for the first time).

        ``base_version`` is the version the author started from; if the
        published file is no longer that version, :class:`PublishConflictError`
        is raised and nothing changes. Raises :class:`StoreLockedError` when
        another writer holds the lock longer than the timeout. On any write
        error the published file and the history stay exactly as they were.
        """
        try:
            with self.lock:
                self._repair_locked()
                return self._publish_locked(
                    data,
                    author=author,
                    base_version=base_version,
                    summary=summary,
                    counts=counts,
                    rows=rows,
                    base_rows=base_rows,
                    restored_from=restored_from,
                )
        except Timeout as error:
            raise StoreLockedError("locked", seconds=f"{self.lock_timeout:g}") from error

    def repair(self) -> list[str]:
        """Finish or undo a publish that crashed, and remove its temporary files; say what was done.

        Safe at any time: it takes the publishing lock, so it never touches a
        publish in progress. Returns short descriptions for the log (empty when all was well).
        """
        try:
            with self.lock:
                return self._repair_locked()
        except Timeout as error:
            raise StoreLockedError("locked", seconds=f"{self.lock_timeout:g}") from error

    def restore(
        self,
        version_id: str,
        *,
        author: str,
        base_version: str | None,
        counts: tuple[int, int, int] = (0, 0, 0),
        rows: int = 0,
        base_rows: int = 0,
        restored_from: str = "",
    ) -> Version:
        """Publish an old version again as a new version; every version stays in the history.

        The caller gives the true ``counts`` against the published version and
        ``rows`` (see :func:`partner_directory.publication.publishing.restore`).
        """
        data = self.read_version(version_id)
        return self.publish(
            data,
            author=author,
            base_version=base_version,
            summary=f"restore:{version_id}",
            counts=counts,
            rows=rows,
            base_rows=base_rows,
            restored_from=restored_from,
        )

    def _publish_locked(
        self,
        data: bytes,
        *,
        author: str,
        base_version: str | None,
        summary: str,
        counts: tuple[int, int, int],
        rows: int,
        base_rows: int,
        restored_from: str,
    ) -> Version:
        target = regular_file_target(self.data_file)
        current = self.read_published()
        current_id = None if current is None else content_version(current)
        if current_id != base_version:
            raise PublishConflictError("stale_publish")
        records: list[tuple[bytes, Version]] = []
        if current is not None and not any(v.id == current_id for v in self.versions()):
            # The file was there before the directory kept history (demo data, a copy by hand).
            # Against nothing, each of its offices was added.
            initial = Version(
                id=current_id or "", created=_now(), author="—", summary="initial", added=base_rows, rows=base_rows
            )
            records.append((current, initial))
        added, changed, removed = counts
        version = Version(
            id=content_version(data),
            created=_now(),
            author=author,
            summary=summary,
            added=added,
            changed=changed,
            removed=removed,
            rows=rows,
            previous=current_id or "",
            restored_from=restored_from,
        )
        records.append((data, version))
        made_folder = not self.history_dir.exists()
        pending = {
            "id": version.id,
            "created": version.created,
            "files": [name for _content, record in records for name in self._names(record)],
            "entries": [_log_entry(record) for _content, record in records],
            # Entries of earlier live versions a repair could not log yet (the log was unwritable): kept, not lost.
            "unlogged": self._unlogged_entries(),
        }
        written: list[Path] = []
        temporary: Path | None = None
        try:
            write_atomically(self.history_dir / PENDING, json.dumps(pending, ensure_ascii=False).encode("utf-8"))
            written.append(self.history_dir / PENDING)
            # The new file is written first: if that fails, nothing at all has changed.
            temporary = write_temporary(target, data)
            for content, record in records:
                written += self._record(content, record)
            os.replace(temporary, target)
            temporary = None
        except BaseException:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            for path in reversed(written):
                path.unlink(missing_ok=True)
            if made_folder:  # only a history folder this attempt created, and only when empty
                with contextlib.suppress(OSError):
                    self.history_dir.rmdir()
            raise
        # The new version is live and in the history from here on; what is left is the log entries
        # (the change log holds every version the history holds, the list found before the first
        # publish included).
        try:
            _fsync_folder(target.parent)
        except OSError as error:  # the rename is done; only its durability on power loss is in doubt
            log.warning("The folder of %s could not be synced: %s", target, error)
        try:
            for _content, record in records:
                self._log(record)
        except OSError as error:
            log.error("Version %s is published but its change-log entry could not be written: %s", version.id, error)
            raise ChangeLogError(
                "change_log_failed", version=version.id, reason=error.strerror or error, published=version
            ) from error
        (self.history_dir / PENDING).unlink(missing_ok=True)
        return version

    def _repair_locked(self) -> list[str]:
        done: list[str] = []
        for folder, allowed in ((regular_file_target(self.data_file).parent, None), (self.history_dir, "history")):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                match = _TEMPORARY.match(name)
                if match is None:
                    continue
                target = match.group("target")
                ours = (
                    target == regular_file_target(self.data_file).name
                    if allowed is None
                    else target == PENDING or target.endswith((".csv", ".json"))
                )
                if ours:
                    with contextlib.suppress(OSError):
                        (folder / name).unlink()
                        done.append(f"removed the temporary file {folder / name}")
        try:
            done += self._repair_log_tail()
        except OSError as error:
            log.error("The change log cannot be repaired: %s", error)
        pending_path = self.history_dir / PENDING
        try:
            pending = json.loads(pending_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return done
        except (OSError, ValueError) as error:
            log.error("The pending publish record %s cannot be read: %s", pending_path, error)
            return done
        live = self.current_version() == pending.get("id")
        entries = list(pending.get("unlogged", [])) + (list(pending.get("entries", [])) if live else [])
        if not live:
            for name in pending.get("files", []):
                if Path(name).name == name and name.endswith((".csv", ".json")):
                    path = self.history_dir / name
                    if path.exists():
                        path.unlink()
                        done.append(f"removed {path}, recorded by a publish that never went live")
        try:
            for entry in entries:
                if not self._logged(str(entry.get("id")), str(entry.get("created", ""))):
                    self._append_log(entry)
                    done.append(f"wrote the missing change-log entry of version {entry.get('id')}")
        except OSError as error:  # the log is still unwritable: the record stays for the next attempt
            log.error("The missing change-log entries cannot be written yet: %s", error)
            return done
        pending_path.unlink(missing_ok=True)
        for line in done:
            log.warning("Repaired after an interrupted publish: %s", line)
        return done

    def _unlogged_entries(self) -> list[dict[str, object]]:
        """The change-log entries a leftover pending record still owes (only when a repair could not finish)."""
        try:
            pending = json.loads((self.history_dir / PENDING).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        live_then = list(pending.get("entries", [])) if pending.get("id") == self.current_version() else []
        return [*pending.get("unlogged", []), *live_then]

    def _repair_log_tail(self) -> list[str]:
        """Cut a change-log line a crash left half-written (the publish it began is finished or undone)."""
        path = self.history_dir / CHANGE_LOG
        try:
            with path.open("rb+") as stream:
                content = stream.read()
                if not content or content.endswith(b"\n"):
                    return []
                stream.truncate(content.rfind(b"\n") + 1)
                stream.flush()
                os.fsync(stream.fileno())
        except FileNotFoundError:
            return []
        return [f"cut a half-written line from {path}"]

    def _logged(self, version_id: str, created: str) -> bool:
        try:
            lines = (self.history_dir / CHANGE_LOG).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return False
        for line in lines:
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("id") == version_id and entry.get("created") == created:
                    return True
        return False

    def _names(self, version: Version) -> tuple[str, str]:
        stem = f"{version.created.replace(':', '').replace('-', '')}-{version.id}"
        return f"{stem}.csv", f"{stem}.json"

    def _record(self, data: bytes, version: Version) -> list[Path]:
        csv_name, meta_name = self._names(version)
        csv_path = self.history_dir / csv_name
        meta_path = self.history_dir / meta_name
        version_with_file = Version(**{**asdict(version), "file": csv_path.name})
        written: list[Path] = []
        try:
            write_atomically(csv_path, data)
            written.append(csv_path)
            write_atomically(meta_path, json.dumps(asdict(version_with_file), ensure_ascii=False).encode("utf-8"))
            written.append(meta_path)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return written

    def _log(self, version: Version) -> None:
        self._append_log(_log_entry(version))

    def _append_log(self, entry: dict[str, object]) -> None:
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        # One write of the whole line: a crash leaves the line whole or a tail that repair cuts.
        descriptor = os.open(self.history_dir / CHANGE_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _log_entry(version: Version) -> dict[str, object]:
    return {k: v for k, v in asdict(version).items() if k != "file"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
