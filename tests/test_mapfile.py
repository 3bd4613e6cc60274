"""The map's offices as one file per published list: written once, named by content, viewed by bitmap, pruned."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.file_util import get_app_static_dir
from streamlit.url_util import STATIC_SERVING_ENDPOINT

from partner_directory.maps.building import build_map
from partner_directory.maps.office_file import KEEP_UNUSED_SECONDS, remove_unused, write_office_file
from partner_directory.maps.rows import ROW_FIELDS, office_data, office_rows
from tests.conftest import ROOT
from tests.test_mapview import EVALUATED, HOSTILE


def offices(count: int, **overrides: object) -> pd.DataFrame:
    rows = []
    for number in range(count):
        row = {
            "partner_id": f"P{number}",
            "partner_name": f"Partner {number}",
            "office_name": "",
            "city": "Gdańsk",
            "country": "PL",
            "country_name": "Poland",
            "sectors": "ICT",
            "services": "desk",
            "contact_name": "",
            "contact_email": "",
            "website": "",
            "geocode_precision": "address",
            "latitude": 54.0 + number / 100,
            "longitude": 18.0 + number / 100,
        }
        rows.append(row | overrides)
    return pd.DataFrame(rows)


def shown_rows(view, file) -> list[list[object]]:
    """The rows the browser shows: the file's rows whose bit is set (all without a bitmap).

    The points file and the texts file hold the same rows in the same order.
    """
    latitudes, longitudes, flags = json.loads(file.path.read_text(encoding="utf-8"))
    strings, rows = json.loads(file.texts_path.read_text(encoding="utf-8"))
    assert [row[:3] for row in rows] == [list(point) for point in zip(latitudes, longitudes, flags, strict=True)]
    if view.shown is None:
        picked = rows
    else:
        bits = np.unpackbits(np.frombuffer(base64.b64decode(view.shown), dtype=np.uint8), bitorder="little")
        picked = [row for index, row in enumerate(rows) if bits[index]]
    return [row[:3] + [strings[value] for value in row[3:]] for row in picked]


def view_urls(view) -> tuple[str | None, str | None]:
    return view.url, view.texts_url


def partner_ids(rows: list[list[object]]) -> list[object]:
    return [row[ROW_FIELDS.index("partner_id")] for row in rows]


def test_the_file_holds_every_placed_office_and_a_view_shows_exactly_the_asked_rows(tmp_path):
    table = offices(20)
    table.loc[3, ["latitude", "longitude"]] = [np.nan, np.nan]  # not placed: never on a map
    file = write_office_file(table, language="en", folder=tmp_path)
    assert file.path.parent == tmp_path and file.path.name.startswith("offices-")
    assert file.texts_path.parent == tmp_path and file.texts_path != file.path
    assert [len(column) for column in json.loads(file.path.read_text())] == [19, 19, 19]
    assert view_urls(file.view([0])) == (f"offices/{file.path.name}", f"offices/{file.texts_path.name}")
    for positions, expected in (
        ([0, 1, 2], ["P0", "P1", "P2"]),
        ([19, 2, 7], ["P2", "P7", "P19"]),  # any order in, file order out
        ([3], []),
        ([3, 4], ["P4"]),
        ([], []),
    ):
        view = file.view(positions)
        assert partner_ids(shown_rows(view, file)) == expected, positions
    # The rows are those the page itself would carry, so the two ways show the same markers.
    inline_rows, _ = office_rows(table.iloc[[5, 9]], language="en")
    assert shown_rows(file.view([5, 9]), file) == [row[:3] + [str(value) for value in row[3:]] for row in inline_rows]


def test_all_rows_need_no_bitmap_and_a_view_is_fitted_to_its_own_offices(tmp_path):
    table = offices(10)
    file = write_office_file(table, language="en", folder=tmp_path)
    everything = file.view(range(10))
    assert everything.shown is None and everything.json is None
    assert everything.url == f"offices/{file.path.name}"
    some = file.view([2, 5])
    assert some.bounds == [[54.02, 18.02], [54.05, 18.05]]
    assert file.view([]).bounds is None
    # Another selection of rows is another map (streamlit-folium mounts a new one).
    assert len({everything.id, some.id, file.view([5, 2]).id, file.view([2]).id}) == 3


def test_the_same_list_is_written_once_and_another_list_or_language_is_another_file(tmp_path):
    table = offices(5)
    first = write_office_file(table, language="en", folder=tmp_path)
    written = first.path.stat().st_ino
    os.utime(first.path, (time.time() - 100, time.time() - 100))
    again = write_office_file(table, language="en", folder=tmp_path)
    assert again.path == first.path
    assert again.path.stat().st_mtime > time.time() - 10, "a used file is marked as used"
    assert json.loads(again.path.read_text()) == json.loads(first.text)
    assert again.path.stat().st_ino == written, "the same bytes are not written again"
    polish = write_office_file(table, language="pl", folder=tmp_path)
    changed = write_office_file(offices(5, city="Gdynia"), language="en", folder=tmp_path)
    # Another language or another city: the same points, other texts, and another map.
    assert len({first.texts_path, polish.texts_path, changed.texts_path}) == 3
    assert len({first.view([0]).id, polish.view([0]).id, changed.view([0]).id}) == 3
    written_files = {name for file in (first, polish, changed) for name in (file.path.name, file.texts_path.name)}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written_files)
    moved = write_office_file(offices(5, latitude=50.0), language="en", folder=tmp_path)
    assert moved.path != first.path


def test_files_unused_for_a_day_are_removed_and_the_one_in_use_is_kept(tmp_path):
    old = tmp_path / "offices-0123456789abcdef0123.json"
    recent = tmp_path / "offices-fedcba9876543210fedc.json"
    leftover = tmp_path / ".offices-x.json.abc.tmp"
    other = tmp_path / "notes.txt"
    for path in (old, recent, leftover, other):
        path.write_text("[]")
    day_ago = time.time() - KEEP_UNUSED_SECONDS - 60
    for path in (old, leftover, other):
        os.utime(path, (day_ago, day_ago))
    # Writing a file prunes the folder: old map files and left-over temporary files go, nothing else.
    file = write_office_file(offices(2), language="en", folder=tmp_path)
    assert not old.exists() and not leftover.exists()
    assert file.path.exists() and recent.exists() and other.exists()
    # The file in use is kept however old; the others go once a day old.
    os.utime(file.path, (day_ago, day_ago))
    assert remove_unused(tmp_path, keep=file.path) == []
    assert remove_unused(tmp_path, keep=(file.path, file.texts_path)) == []
    assert sorted(remove_unused(tmp_path, now=time.time() + KEEP_UNUSED_SECONDS + 60)) == sorted(
        [file.path, file.texts_path, recent]
    )
    assert other.exists()


def test_a_file_removed_behind_the_apps_back_is_written_again(tmp_path):
    file = write_office_file(offices(3), language="en", folder=tmp_path)
    file.path.unlink()
    file.texts_path.unlink()
    file.ensure()
    assert json.loads(file.path.read_text()) == json.loads(file.text)
    assert json.loads(file.texts_path.read_text()) == json.loads(file.texts_text)


def test_a_folder_that_cannot_be_written_says_so_with_an_os_error(tmp_path):
    blocked = tmp_path / "static-offices"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        write_office_file(offices(2), language="en", folder=blocked)


def test_hostile_text_stays_data_in_the_file_and_out_of_the_page(tmp_path):
    table = offices(2, partner_name=HOSTILE + " Zebulon", city=HOSTILE, website=HOSTILE, contact_email=HOSTILE)
    file = write_office_file(table, language="en", folder=tmp_path)
    raw = file.path.read_text(encoding="utf-8") + file.texts_path.read_text(encoding="utf-8")
    assert "<" not in raw and ">" not in raw and "\u2028" not in raw and EVALUATED not in raw
    rows = shown_rows(file.view([0, 1]), file)
    assert {row[ROW_FIELDS.index("partner_name")] for row in rows} == {HOSTILE + " Zebulon"}
    page = build_map(file.view([0]), tiles=None).get_root().render()
    # The page names the file and its bitmap; the offices are not in it.
    assert file.path.name in page and "Zebulon" not in page and "onerror" not in page


def test_the_standalone_page_refuses_a_file_it_could_not_read(tmp_path):
    file = write_office_file(offices(2), language="en", folder=tmp_path)
    with pytest.raises(ValueError):
        build_map(file.view([0]), tiles=None, inline_assets=True)
    assert office_data(offices(2)).json is not None


def nginx_location_for(url: str) -> Path:
    """The file scripts/serve.py's nginx answers ``url`` with: the longest ``location`` prefix, then its ``alias``."""
    spec = importlib.util.spec_from_file_location("serve_for_test", ROOT / "scripts" / "serve.py")
    assert spec is not None and spec.loader is not None
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    config = serve.nginx_config(
        work_dir=Path("/nowhere"),
        address="127.0.0.1",
        port=1,
        worker_ports=[2],
        upload_bytes=1024 * 1024,
        nginx_user=None,
    )
    locations = dict(re.findall(r"location (/\S*) \{\s*alias (\S+);", config))
    prefix = max((prefix for prefix in locations if url.startswith(prefix)), key=len, default=None)
    assert prefix is not None, f"nginx serves no location for {url}"
    return Path(locations[prefix] + url[len(prefix) :])


def test_the_maps_file_is_written_where_streamlit_and_nginx_serve_the_url_the_map_fetches():
    """The URL in the app's map page leads, through Streamlit and through serve.py's nginx, to the written file."""
    file = write_office_file(offices(3, partner_name="Served where written"), language="en")
    try:
        page = build_map(file.view([0, 1])).get_root().render()
        urls = re.findall(r'"url":"([^"]*offices-[^"]*)"', page)
        assert len(urls) == 1, urls
        url = urls[0]
        # Streamlit serves its app's static/ folder (next to app.py) under STATIC_SERVING_ENDPOINT, when enabled.
        settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
        assert settings["server"]["enableStaticServing"] is True
        assert url.startswith(STATIC_SERVING_ENDPOINT), url
        served_by_streamlit = Path(get_app_static_dir(str(ROOT / "app.py"))) / url[len(STATIC_SERVING_ENDPOINT) :]
        assert served_by_streamlit.resolve() == file.path.resolve()
        assert nginx_location_for(url).resolve() == file.path.resolve()
        texts_url = re.findall(r'"texts":"([^"]*offices-[^"]*)"', page)
        assert texts_url == [url.replace(file.path.name, file.texts_path.name)]
        assert nginx_location_for(texts_url[0]).resolve() == file.texts_path.resolve()
    finally:
        file.path.unlink(missing_ok=True)
        file.texts_path.unlink(missing_ok=True)
