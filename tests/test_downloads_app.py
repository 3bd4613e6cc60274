"""The members' page offers the Excel file first, as the main download, and a CSV for Polish Excel."""

from __future__ import annotations

from tests.apptest import app, prepare


def test_excel_is_the_main_download(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["lang"] = "pl"
    at.run()
    buttons = [b.proto for b in at.get("download_button")]
    keys = [b.id.rsplit("-", 1)[-1] for b in buttons]
    assert keys[:2] == ["download_xlsx", "download_csv"], keys
    excel, comma = buttons[:2]
    assert excel.type == "primary" and comma.type != "primary"
    assert "Excel" in excel.label and "nagłówkami po polsku" in excel.help
    assert "średnikami" in comma.help
