"""The project's own Python sources, for tests that read code (translation keys, plural forms, the clock).

One list, so that a new folder is never quietly left out: every ``*.py`` under the
domain package and the dashboard (at any depth), the pages and the top-level scripts.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

SOURCE_FOLDERS = ("partner_directory", "dashboard", "pages")


def project_sources() -> list[Path]:
    """Every Python file a person's words can come from, sorted; never empty for a folder that exists."""
    found = [path for folder in SOURCE_FOLDERS for path in (ROOT / folder).rglob("*.py")]
    found += ROOT.glob("*.py")
    return sorted(found)
