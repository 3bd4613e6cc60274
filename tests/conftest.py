"""Shared fixtures: the small real files under tests/files and the project root."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture
def files() -> Path:
    return FILES


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="module")
def demo():
    """The demo partner file, checked and placed, once per test module (the search tests)."""
    from tests.search_tables import demo_table

    return demo_table(ROOT)


@pytest.fixture(scope="module")
def find_place():
    """The offline gazetteer's place look-up, loaded once per test module (the search tests)."""
    from tests.search_tables import gazetteer_lookup

    return gazetteer_lookup()


# Real databases (an SQLite file, a throwaway PostgreSQL server) for the register's tests.
from tests.databases import database_url, postgres_server  # noqa: E402, F401
from tests.smtp_server import smtp_server  # noqa: E402, F401


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (tests.browser.chromium): each test opens its own context in it."""
    from tests.browser import chromium

    with chromium() as launched:
        yield launched
