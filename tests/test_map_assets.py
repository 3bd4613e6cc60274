"""The map's code as one file, and the prefetch of its first view's files (``partner_directory.maps.assets``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from partner_directory.maps import assets
from partner_directory.maps.building import build_map
from partner_directory.maps.office_file import write_office_file


def _offices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partner_id": ["P1", "P2"],
            "partner_name": ["Alpha", "Beta"],
            "office_name": ["", ""],
            "city": ["Gdańsk", "Wien"],
            "country": ["PL", "AT"],
            "country_name": ["Poland", "Austria"],
            "latitude": [54.35, 48.21],
            "longitude": [18.65, 16.37],
            "geocode_precision": ["exact", "exact"],
        }
    )


def test_the_bundle_is_the_vendored_files_in_order_named_by_their_content(tmp_path: Path):
    name = assets.map_bundle(tmp_path)
    assert name is not None and name.startswith("offices/map-") and name.endswith(".js")
    text = (tmp_path / Path(name).name).read_text("utf-8")
    parts = [(assets.STATIC_DIR / path).read_text("utf-8").rstrip() for path in assets.BUNDLED_SCRIPTS]
    assert text == "\n;\n".join(parts) + "\n"
    # Leaflet first (the others use L), the map's own code last (it uses both).
    assert [text.index(part) for part in parts] == sorted(text.index(part) for part in parts)
    assert assets.map_bundle(tmp_path) == name  # there already: the same name, not written again


def test_the_bundle_is_valid_javascript(tmp_path: Path):
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "node is needed to check the bundle's syntax (Debian package nodejs)"
    name = assets.map_bundle(tmp_path)
    assert name is not None
    checked = subprocess.run([node, "--check", str(tmp_path / Path(name).name)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    prefetch = assets.STATIC_DIR / assets.PREFETCH_JS
    checked = subprocess.run([node, "--check", str(prefetch)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_a_folder_that_cannot_be_written_gives_no_bundle(tmp_path: Path):
    in_the_way = tmp_path / "offices"
    in_the_way.write_text("a file where the folder should be")  # as good as read-only, also for root
    assert assets.map_bundle(in_the_way) is None
    assert assets.map_bundle(in_the_way / "deeper") is None


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([], "/s/map/prefetch.js?"),
        (["/s/offices/offices-ab.json"], "/s/map/prefetch.js?file=%2Fs%2Foffices%2Foffices-ab.json"),
        (["/s/a.json", "/s/b c&d.json"], "/s/map/prefetch.js?file=%2Fs%2Fa.json&file=%2Fs%2Fb+c%26d.json"),
    ],
)
def test_prefetch_url_names_each_file(files: list[str], expected: str):
    url = assets.prefetch_url("/s/", files)
    assert url == expected
    assert parse_qs(urlsplit(url).query).get("file", []) == files


def test_the_app_map_prefetches_its_points_and_outlines_then_loads_one_script(tmp_path: Path):
    office_file = write_office_file(_offices(), language="en", folder=tmp_path)
    the_map = build_map(office_file.view(np.arange(2)), tiles=None, asset_base_url="/app/static/")
    scripts = [url for _, url in the_map.default_js]
    assert len(scripts) == 2
    prefetch, code = scripts
    assert urlsplit(prefetch).path == "/app/static/" + assets.PREFETCH_JS
    assert parse_qs(urlsplit(prefetch).query)["file"] == [
        "/app/static/" + office_file.name,
        "/app/static/" + assets.COUNTRY_OUTLINES,
    ]
    assert code == "/app/static/" + assets.map_bundle()
    # offices.js asks for the very same addresses, and takes the prefetched answers.
    html = the_map.get_root().render()
    assert f'"url":"/app/static/{office_file.name}"' in html
    assert '"url":"/app/static/world/countries-110m.geojson"' in html


def test_without_a_bundle_the_map_loads_leaflet_and_its_code(monkeypatch: pytest.MonkeyPatch):
    # A read-only install: the bundle cannot be written (map_bundle's own answer then, tested above).
    monkeypatch.setattr("partner_directory.maps.building.map_bundle", lambda: None)
    the_map = build_map(_offices(), tiles=None, asset_base_url="/app/static/")
    scripts = [url for _, url in the_map.default_js]
    assert scripts[1:] == ["/app/static/" + assets.LEAFLET_JS, "/app/static/" + assets.MAP_JS]
