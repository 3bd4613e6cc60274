"""The ``map`` command honours members mode: a page made to be embedded holds no contact data unless asked.

Run as a real process, the way staff make the page, in a folder of its own; the
written page and every other file the run leaves there or under ``static/``
are searched for the demo's contact e-mails, names and phones.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEMO = ROOT / "data" / "partners.csv"


def contacts() -> dict[str, list[str]]:
    """The demo's contact fields, each value in every form a page may hold it (raw, JSON-escaped)."""
    with DEMO.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    found: dict[str, list[str]] = {}
    for field in ("contact_email", "contact_name", "contact_phone"):
        values = {row[field].strip() for row in rows if row[field].strip()}
        found[field] = sorted(values | {json.dumps(v)[1:-1] for v in values})
    return found


def make_map(
    tmp_path: Path, *, language: str = "en", access: str, flags: tuple[str, ...] = ()
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``map`` on the demo file into a folder of its own; return the process and the folder."""
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    command = ["--lang", language, "map", str(DEMO), "--out", str(out_dir / "map.html"), *flags]
    result = subprocess.run(
        [sys.executable, "-m", "partner_directory", *command],
        capture_output=True,
        text=True,
        cwd=out_dir,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PARTNER_DIRECTORY_ACCESS": access},
    )
    return result, out_dir


def static_files() -> dict[Path, tuple[int, int]]:
    """Every file under ``static/`` with its modification time (ns) and size: compared before and after a run."""
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (ROOT / "static").rglob("*") if p.is_file()}


def written(out_dir: Path, before: dict[Path, tuple[int, int]]) -> str:
    """Every file the run left in its folder, and every file under ``static/`` it made or changed, as text.

    Compared with a snapshot, not a time: a file another test wrote a moment before the run is not the run's.
    """
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    files += [p for p, stamp in static_files().items() if before.get(p) != stamp]
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def leaked(text: str) -> dict[str, list[str]]:
    return {
        field: [v for v in values if v in text]
        for field, values in contacts().items()
        if any(v in text for v in values)
    }


@pytest.mark.parametrize(
    ("language", "note"),
    [("en", "Members mode: the map holds no contact persons"), ("pl", "Tryb członków: mapa nie zawiera osób")],
)
def test_members_mode_writes_no_contact_fields(tmp_path, language, note):
    before = static_files()
    result, out_dir = make_map(tmp_path, language=language, access="members")
    assert result.returncode == 0, result.stderr
    page = written(out_dir, before)
    assert "new global.Supercluster(" in page and "Pomeranian ICT Cluster" in page  # the map itself is whole
    assert leaked(page) == {}
    assert note in result.stdout
    assert [p.name for p in out_dir.iterdir()] == ["map.html"]


@pytest.mark.parametrize(
    ("language", "warning"),
    [("en", "Warning: members mode, yet the map holds contact persons"), ("pl", "Uwaga: tryb członków, a mapa")],
)
def test_with_contacts_includes_them_and_warns(tmp_path, language, warning):
    result, out_dir = make_map(tmp_path, language=language, access="members", flags=("--with-contacts",))
    assert result.returncode == 0, result.stderr
    assert warning in result.stderr
    page = (out_dir / "map.html").read_text(encoding="utf-8")
    assert {"contact_email", "contact_name"} <= set(leaked(page))  # the map shows no phone in any mode


def test_public_mode_keeps_every_field_without_a_warning(tmp_path):
    result, out_dir = make_map(tmp_path, access="public")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "Members mode" not in result.stdout
    assert "contact_email" in leaked((out_dir / "map.html").read_text(encoding="utf-8"))
