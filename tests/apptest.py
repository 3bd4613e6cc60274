"""Running the dashboard with AppTest against a private copy of the data."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from partner_directory.publication.published import load_directory
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def prepare(monkeypatch, tmp_path: Path, *, data: bytes | None = None, password_hash: str = "") -> Path:
    """Point the app at a copy of the demo data (or ``data``) in ``tmp_path``; return the data file."""
    data_file = tmp_path / "partners.csv"
    if data is None:
        shutil.copy(ROOT / "data" / "partners.csv", data_file)
    else:
        data_file.write_bytes(data)
    monkeypatch.setenv("PARTNER_DIRECTORY_DATA_FILE", str(data_file))
    monkeypatch.setenv("PARTNER_DIRECTORY_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("PARTNER_DIRECTORY_GEOCODE_CACHE", str(tmp_path / "geocache.sqlite"))
    monkeypatch.setenv("PARTNER_DIRECTORY_DATABASE_URL", f"sqlite:///{tmp_path / 'visits.sqlite'}")
    monkeypatch.setenv("PARTNER_DIRECTORY_DRAFTS_DIR", str(tmp_path / "drafts"))
    if password_hash:
        monkeypatch.setenv("PARTNER_DIRECTORY_STAFF_PASSWORD_HASH", password_hash)
    else:
        monkeypatch.delenv("PARTNER_DIRECTORY_STAFF_PASSWORD_HASH", raising=False)
    st.cache_resource.clear()  # settings and directories are cached per process
    st.cache_data.clear()
    return data_file


def behind(listing: pd.DataFrame, data_file: Path) -> pd.DataFrame:
    """The published offices behind the rows of the members' list (matched by partner and city), in list order.

    The list shows four or five columns and receives no more; what a test needs
    beyond them (sectors, precision) comes from the published file itself.
    """
    table = load_directory(data_file, cache_path=data_file.parent / "geocache.sqlite").table
    by_key = {(row.partner_name, row.city): row for row in table.itertuples()}
    return pd.DataFrame([by_key[key]._asdict() for key in zip(listing["partner"], listing["city"], strict=True)])


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def texts(at: AppTest) -> str:
    """Everything the page says, as one string, for assertions on sentences."""
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success] + [c.value for c in at.caption]
    parts += [t.value for t in at.title]
    # Markdown escapes (data is shown literally) and the invisible word joiners that keep bare
    # addresses from becoming links (links.markdown_text) are not what the person reads.
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts)).replace("\u2060", "")


def dialog_titles(at: AppTest) -> list[str]:
    """The titles of the open dialogs (the partner card is one)."""
    titles: list[str] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            is_dialog = type(child).__name__ == "Block" and proto is not None and proto.WhichOneof("type") == "dialog"
            if is_dialog and proto.dialog.is_open:
                titles.append(proto.dialog.title)
            walk(child)

    walk(at._tree)
    return titles
