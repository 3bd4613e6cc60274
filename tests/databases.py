"""Real databases for the tests: an SQLite file, and a throwaway PostgreSQL server on a Unix socket.

The PostgreSQL server comes from Debian's ``postgresql`` package (``make
postgres``): ``initdb`` and ``pg_ctl`` start it in a temporary folder, with no
TCP port, for the whole test session; each test gets its own new database.
When the package is missing, the tests that need it FAIL with a sentence
saying how to install it; they never skip. As root, PostgreSQL refuses to
run, so the server runs as the ``postgres`` user (``runuser``), which owns the
temporary folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_USER = "postgres"


def postgres_bin() -> Path:
    """The folder of ``initdb``/``pg_ctl`` (the newest Debian version), or fail the test saying how to get it."""
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p)],
        reverse=True,
    )
    for folder in folders:
        if os.access(Path(folder) / "initdb", os.X_OK) and os.access(Path(folder) / "pg_ctl", os.X_OK):
            return Path(folder)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    pytest.fail("PostgreSQL's initdb and pg_ctl are missing: run `make postgres` (Debian's postgresql package).")


class PostgresServer:
    """A PostgreSQL server in a temporary folder, reachable only through its Unix socket there."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="bra-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                pytest.fail(f"User {SERVER_USER!r} is missing: run `make postgres` (Debian's postgresql package).")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", SERVER_USER, "--"]
        os.chmod(self.folder, 0o755)  # the socket folder; the data folder inside stays private
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", SERVER_USER, "-E", "UTF8", "--locale=C", "-N")
        self.start()

    def _run(self, program: str, *arguments: str) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bin / program), *arguments], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stdout}\n{result.stderr}\n{log}")

    def start(self) -> None:
        options = f"-k {self.folder} -c listen_addresses='' -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "120", "start")

    def restart(self) -> None:
        """Stop the server (fast: sessions are ended, every committed transaction kept) and start it again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "120", "stop")
        self.start()

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "120", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SERVER_USER}@/{database}?host={self.folder}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        name = "test_" + uuid.uuid4().hex[:12]
        with psycopg.connect(host=str(self.folder), user=SERVER_USER, dbname="postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database: an SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'visits.sqlite'}"
    return request.getfixturevalue("postgres_server").new_database()
