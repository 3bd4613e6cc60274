"""The published partner file, its versions and its change log — losing nothing.

Publishing writes the new file to a temporary file in the same folder
(flushed and fsynced), records the version in ``history/``, then swaps the
file in with ``os.replace`` — all under a file lock. A publish based on a
version that someone else has replaced in the meantime is refused. Nothing is
ever deleted: restoring an old version publishes it again as a new version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from .directory import content_version
from .errors import PublishConflictError, StoreLockedError, UnreadableFileError
from .export import write_atomically, write_temporary

CHANGE_LOG = "changes.log"


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
        """Publish an old version again as a new version (nothing is deleted).

        The caller gives the true ``counts`` against the published version and
        ``rows`` (see :func:`partner_directory.publishing.restore`).
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
        current = self.read_published()
        current_id = None if current is None else content_version(current)
        if current_id != base_version:
            raise PublishConflictError("stale_publish")
        # The new file is written first: if that fails, nothing at all has changed.
        temporary = write_temporary(self.data_file, data)
        written: list[Path] = []
        recorded: list[Version] = []
        try:
            if current is not None and not any(v.id == current_id for v in self.versions()):
                # The file was there before the directory kept history (demo data, a copy by hand):
                # against nothing, each of its offices was added.
                initial = Version(
                    id=current_id or "",
                    created=_now(),
                    author="—",
                    summary="initial",
                    added=base_rows,
                    rows=base_rows,
                )
                written += self._record(current, initial)
                recorded.append(initial)
            new_id = content_version(data)
            added, changed, removed = counts
            version = Version(
                id=new_id,
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
            written += self._record(data, version)
            recorded.append(version)
            os.replace(temporary, self.data_file)
            _fsync_folder(self.data_file.parent)
        except BaseException:
            temporary.unlink(missing_ok=True)
            for path in written:
                path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # a history folder this attempt created, now empty
                self.history_dir.rmdir()
            raise
        for entry in recorded:  # the change log holds every version the history holds
            self._log(entry)
        return version

    def _record(self, data: bytes, version: Version) -> list[Path]:
        stem = f"{version.created.replace(':', '').replace('-', '')}-{version.id}"
        csv_path = self.history_dir / f"{stem}.csv"
        meta_path = self.history_dir / f"{stem}.json"
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
        entry = {k: v for k, v in asdict(version).items() if k != "file"}
        with (self.history_dir / CHANGE_LOG).open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())


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
