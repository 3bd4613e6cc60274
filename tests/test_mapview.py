"""Tests of the offices map (partner_directory.maps: rows, elements, building, clicks): offline, on the rendered HTML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import folium
import pandas as pd
import pytest

from partner_directory.errors import ConfigurationError
from partner_directory.i18n import tables
from partner_directory.maps import assets, building, elements
from partner_directory.maps import rows as map_rows
from partner_directory.maps.building import build_map, render_standalone_html
from partner_directory.maps.clicks import clicked_partner_id
from partner_directory.maps.elements import OPENSTREETMAP, TileConfig
from partner_directory.maps.rows import (
    FLAG_EMAIL_LINK,
    FLAG_PRECISION_MASK,
    FLAG_WEBSITE_ADD_SCHEME,
    FLAG_WEBSITE_LINK,
    ROW_FIELDS,
    office_rows,
    pack_rows,
    script_json,
)
from partner_directory.sheet.schema import SERVICES
from tests.conftest import ROOT

HOSTILE = (
    "<img src=x onerror=alert(1)> </script><script>alert(2)</script> "
    "`${alert(3)}` \"double\" 'single' {{ 123456789 * 2 }} {% raw %} {# c #} "
    "<!-- \u2028 \u2029 </SCRIPT >"
)
# What the Jinja expression in HOSTILE would print if it were ever evaluated.
EVALUATED = "246913578"
# Scripts in every page: folium's L_NO_TOUCH switch, Leaflet, the map's own code (static/map), the offices'
# data (a JSON element) and the map; the standalone page inlines supercluster too (the app's map loads it itself).
SCRIPTS_PER_PAGE = {"app": 5, "standalone": 6}


def office(**values: object) -> dict[str, object]:
    """One office row with harmless defaults."""
    row: dict[str, object] = {
        "partner_id": "P1",
        "partner_name": "Acme Cluster",
        "office_name": "Head office",
        "city": "Gdańsk",
        "country": "PL",
        "country_name": "Poland",
        "sectors": "Robotics; AI",
        "services": "desk; events",
        "contact_name": "Anna Nowak",
        "contact_email": "anna@example.pl",
        "website": "https://acme.example.pl",
        "latitude": 54.35,
        "longitude": 18.65,
        "geocode_precision": "address",
    }
    row.update(values)
    return row


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.fixture
def hostile_offices() -> pd.DataFrame:
    text_columns = [
        "partner_id",
        "partner_name",
        "office_name",
        "city",
        "country_name",
        "sectors",
        "services",
        "contact_name",
    ]
    return frame(
        office(**{column: f"{column} {HOSTILE}" for column in text_columns}),
        office(
            partner_id="P2",
            contact_email="javascript:alert(1)//@example.pl",
            website="javascript:alert(1)",
            latitude=50.06,
            longitude=19.94,
        ),
        office(partner_id="P3", website="data:text/html,<script>alert(1)</script>", latitude=52.2),
        office(partner_id="P4", website=" JaVaScRiPt:alert(1)", contact_email=HOSTILE, latitude=51.1),
    )


def app_html(offices: pd.DataFrame, **options: object) -> str:
    return build_map(offices, **options).get_root().render()


def map_call_arguments(html: str) -> tuple[list[str], list[list[object]], dict[str, object]]:
    """The strings and rows in the map's data element, and the options literal passed to the office-marker script."""
    match = re.search(r"\(\n    map_[0-9a-f]+,\n    (.*),\n    (.*)\n\);", html)
    assert match, "office-marker call not found"
    data_id, options = json.loads(match.group(1))["id"], json.loads(match.group(2))
    data = re.search(rf'<script type="application/json" id="{data_id}">(.*?)</script>', html)
    assert data, "the map's data element not found"
    strings, rows = json.loads(data.group(1))
    return strings, rows, options


def tile_layer(html: str) -> tuple[str, dict[str, object]] | None:
    """The URL template and options of the page's tile layer, as the browser reads them (None without one)."""
    calls = re.findall(r"L\.tileLayer\((.*)\)\.addTo\(map_[0-9a-f]+\);", html)
    assert len(calls) <= 1, calls
    if not calls:
        return None
    url, options = json.loads(f"[{calls[0]}]")
    return url, options


def unpacked_rows(html: str) -> list[dict[str, object]]:
    strings, rows, _ = map_call_arguments(html)
    out = []
    for row in rows:
        values = row[:3] + [strings[position] for position in row[3:]]
        out.append(dict(zip(ROW_FIELDS, values)))
    return out


# --- hostile text ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["app", "standalone"])
def test_hostile_text_never_reaches_the_html_raw(hostile_offices, mode):
    html = app_html(hostile_offices) if mode == "app" else render_standalone_html(hostile_offices)
    assert "<img src=x onerror" not in html
    assert "<script>alert" not in html
    assert "<!--" not in html
    assert "\u2028" not in html and "\u2029" not in html
    assert EVALUATED not in html, "office data was evaluated as a Jinja template"
    assert re.search(r"href\s*=\s*[\"']?\s*(javascript|data):", html, re.IGNORECASE) is None


@pytest.mark.parametrize("mode", ["app", "standalone"])
def test_script_closing_tags_in_data_do_not_close_the_script(hostile_offices, mode):
    benign = frame(office())
    render = app_html if mode == "app" else render_standalone_html
    for offices in (benign, hostile_offices):
        html = render(offices)
        assert len(re.findall(r"</script", html, re.IGNORECASE)) == SCRIPTS_PER_PAGE[mode]
        assert len(re.findall(r"<script\b", html, re.IGNORECASE)) == SCRIPTS_PER_PAGE[mode]


def test_hostile_text_arrives_in_the_browser_data_unchanged(hostile_offices):
    rows = unpacked_rows(app_html(hostile_offices))
    first = rows[0]
    assert first["partner_name"] == f"partner_name {HOSTILE}"
    assert first["partner_id"] == f"partner_id {HOSTILE}"
    assert first["city"] == f"city {HOSTILE}"
    assert first["contact_name"] == f"contact_name {HOSTILE}"


def test_template_syntax_in_data_is_escaped_not_evaluated(hostile_offices):
    html = app_html(hostile_offices)
    assert "\\u007b\\u007b 123456789 * 2 \\u007d\\u007d" in html
    assert "{{" not in html.split("<body>")[1]
    assert "{%" not in html and "{#" not in html


def test_unsafe_links_are_not_links(hostile_offices):
    rows = {row["partner_id"]: row for row in unpacked_rows(app_html(hostile_offices))}
    for partner_id in ("P2", "P3", "P4"):
        flags = rows[partner_id]["flags"]
        assert not flags & (FLAG_WEBSITE_LINK | FLAG_WEBSITE_ADD_SCHEME), partner_id
    assert not rows["P2"]["flags"] & FLAG_EMAIL_LINK
    assert not rows["P4"]["flags"] & FLAG_EMAIL_LINK
    # The text itself is still shown.
    assert rows["P2"]["website"] == "javascript:alert(1)"


def test_script_json_escapes_everything_that_could_break_out():
    text = script_json({"k": ["</script><!--{{x}}{%y%}\u2028\u2029&"]})
    for raw in ("<", ">", "&", "\u2028", "\u2029", "{{", "{%"):
        assert raw not in text.replace('{"k"', "")
    assert json.loads(text) == {"k": ["</script><!--{{x}}{%y%}\u2028\u2029&"]}


def test_pack_rows_stores_each_text_once():
    strings, packed = pack_rows([[1.0, 2.0, 0, "P1", "Acme"], [3.0, 4.0, 1, "P1", "Acme"]])
    assert strings == ["", "P1", "Acme"]
    assert packed == [[1.0, 2.0, 0, 1, 2], [3.0, 4.0, 1, 1, 2]]


# --- precision, selection, translations ------------------------------------


@pytest.mark.parametrize(
    ("precision", "code"),
    [("address", 0), ("city", 1), ("country", 2), ("postal", 4), ("none", 3), ("", 3), ("CITY", 1)],
)
def test_precision_is_carried_in_the_flags(precision, code):
    rows, _ = office_rows(frame(office(geocode_precision=precision)))
    assert rows[0][ROW_FIELDS.index("flags")] & FLAG_PRECISION_MASK == code


def test_approximate_markers_have_their_own_style_and_label():
    html = app_html(frame(office(geocode_precision="city")), language="pl")
    _, _, options = map_call_arguments(html)
    assert options["styles"]["approximate"] != options["styles"]["exact"]
    assert options["labels"]["approximateCity"] == "Przybliżona lokalizacja: centrum miasta"
    # an office placed by its postal code alone says so in its popup (the script picks the label by this code)
    assert options["labels"]["approximatePostal"] == "Przybliżona lokalizacja: obszar kodu pocztowego"
    assert options["precision"]["postal"] == 4
    assert all(style["radius"] <= 10 for style in options["styles"].values())


def test_the_selected_partner_is_an_option_of_the_map_not_part_of_its_data():
    offices = frame(office(partner_id="P1"), office(partner_id="P2", latitude=50.0))
    picked, plain = app_html(offices, selected_id="P2"), app_html(offices)
    assert map_call_arguments(picked)[2]["selected"] == "P2"
    assert map_call_arguments(plain)[2]["selected"] is None
    # The same data element either way: opening a card does not resend the offices.
    assert map_call_arguments(picked)[:2] == map_call_arguments(plain)[:2]


def test_services_are_translated_and_lists_joined():
    rows = unpacked_rows(app_html(frame(office(services="desk; meeting_room; other")), language="pl"))
    assert rows[0]["services"] == "Biurko, Sala spotkań, other"
    assert rows[0]["sectors"] == "Robotyka, Sztuczna inteligencja"  # sectors in the page's language too


def test_every_label_exists_in_both_languages():
    table = tables()
    keys = [*elements.LABEL_KEYS.values(), "map.title"]
    keys += [f"map.service.{key}" for key in SERVICES]
    for key in keys:
        assert table[key]["en"] and table[key]["pl"], key
    assert all(
        key.startswith("map.")
        for key in json.loads((ROOT / "partner_directory" / "translations" / "map.json").read_text("utf-8"))
    )


# --- bounds, empty frames, missing coordinates ------------------------------


def test_map_fits_the_offices_bounds():
    offices = frame(office(latitude=54.35, longitude=18.65), office(latitude=-33.9, longitude=151.2))
    fmap = build_map(offices)
    assert fmap.get_bounds() == [[-33.9, 18.65], [54.35, 151.2]]
    html = fmap.get_root().render()
    assert re.search(r"fitBounds\(\s*\[\[-33\.9, 18\.65\], \[54\.35, 151\.2\]\]", html)
    assert '"maxZoom": 12' in html


def test_map_sets_a_finite_max_zoom_for_the_clusters():
    assert '"maxZoom": 19' in app_html(frame(office()))
    assert '"maxZoom": 18' in app_html(frame(office()), tiles=None)


@pytest.mark.parametrize(
    "offices",
    [
        pd.DataFrame(),
        pd.DataFrame(columns=["partner_id", "latitude", "longitude"]),
        frame(office(latitude=float("nan"), longitude=float("nan"))),
    ],
    ids=["no columns", "no rows", "no coordinates"],
)
@pytest.mark.parametrize("mode", ["app", "standalone"])
def test_empty_frame_gives_a_world_map(offices, mode):
    html = app_html(offices) if mode == "app" else render_standalone_html(offices)
    assert re.search(r"map_[0-9a-f]+\.fitBounds", html) is None
    assert "center: [20.0, 10.0]" in html
    assert "partnerDirectoryMap.offices(" in html
    assert "world/countries-110m.geojson" in html or '"FeatureCollection"' in html


def test_rows_without_valid_coordinates_are_skipped():
    offices = frame(
        office(partner_id="ok"),
        office(partner_id="no-lat", latitude=float("nan")),
        office(partner_id="no-lng", longitude=None),
        office(partner_id="text", latitude="north"),
        office(partner_id="off-earth", latitude=95.0),
    )
    rows, bounds = office_rows(offices)
    assert [row[ROW_FIELDS.index("partner_id")] for row in rows] == ["ok"]
    assert bounds == [[54.35, 18.65], [54.35, 18.65]]


def test_missing_and_non_text_values_become_text():
    offices = pd.DataFrame(
        {
            "partner_id": pd.Series([7, None], dtype=object),
            "latitude": [1.0, 2.0],
            "longitude": [3.0, 4.0],
        }
    )
    rows, _ = office_rows(offices)
    assert [row[ROW_FIELDS.index("partner_id")] for row in rows] == ["7", ""]


# --- assets: nothing from a CDN ---------------------------------------------

ALLOWED_URLS = {
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "https://www.openstreetmap.org/copyright",
}


def test_app_mode_references_no_url_but_tiles_and_attribution():
    html = app_html(frame(office(website="")))
    url, options = tile_layer(html)
    html = re.sub(r"L\.tileLayer\(.*\)\.addTo\(map_[0-9a-f]+\);", "", html)
    assert {url, *re.findall(r"https?://[^\s\"'<>)]+", options["attribution"])} == ALLOWED_URLS
    assert re.findall(r"https?://[^\s\"'<>)]+", html) == [], "a URL besides the tiles' and their credit"
    for name in ("cdn", "jquery", "bootstrap", "awesome", "fontawesome", "glyphicons"):
        assert name not in html.lower(), name


def test_app_mode_loads_leaflet_and_supercluster_from_the_static_folder():
    html = app_html(frame(office()), asset_base_url="/base/app/static")
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    # First the prefetch of the outlines (these offices travel inside the page), then the map's code in one file.
    assert scripts == [
        "/base/app/static/map/prefetch.js?file=%2Fbase%2Fapp%2Fstatic%2Fworld%2Fcountries-110m.geojson",
        "/base/app/static/" + assets.map_bundle(),
    ]
    # Should the bundle be missing, the map's code loads supercluster itself, beside the offices' points.
    assert '"superclusterUrl":"/base/app/static/supercluster/supercluster.min.js"' in html
    assert styles == [
        "/base/app/static/leaflet/leaflet.css",
        "/base/app/static/map/offices.css",
    ]
    assert '"/base/app/static/world/countries-110m.geojson"' in html


def test_static_files_exist_for_every_link():
    for path in (
        assets.LEAFLET_JS,
        assets.LEAFLET_CSS,
        assets.SUPERCLUSTER_JS,
        assets.COUNTRY_OUTLINES,
        assets.MAP_JS,
        assets.MAP_CSS,
    ):
        assert (assets.STATIC_DIR / path).is_file(), path
    for folder in ("leaflet", "supercluster", "world"):
        assert (assets.STATIC_DIR / folder / "LICENSE").is_file(), folder
    outlines = json.loads((assets.STATIC_DIR / assets.COUNTRY_OUTLINES).read_text("utf-8"))
    assert outlines["type"] == "FeatureCollection" and len(outlines["features"]) > 150
    assert (assets.STATIC_DIR / assets.COUNTRY_OUTLINES).stat().st_size < 400_000


def test_folium_defaults_are_left_alone():
    before_js, before_css = list(folium.Map.default_js), list(folium.Map.default_css)
    build_map(frame(office())).get_root().render()
    assert folium.Map.default_js == before_js
    assert folium.Map.default_css == before_css
    assert "jquery" in folium.Map().get_root().render()


def test_unsafe_asset_base_url_is_refused():
    with pytest.raises(ConfigurationError):
        build_map(frame(office()), asset_base_url='/static/"><script>')


def test_standalone_page_inlines_everything_but_tiles(hostile_offices):
    html = render_standalone_html(hostile_offices, language="pl")
    assert re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE) is None
    assert re.search(r"<link[^>]*\bhref\s*=", html, re.IGNORECASE) is None
    assert "Leaflet 1.9.4" in html
    assert "Supercluster=" in html
    assert '"FeatureCollection"' in html
    assert "<title>Biura partnerów</title>" in html
    assert tile_layer(html)[0] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


# --- tiles ------------------------------------------------------------------


def test_default_tiles_are_openstreetmap_with_attribution():
    url, options = tile_layer(app_html(frame(office())))
    assert url == OPENSTREETMAP.url_template
    assert "openstreetmap.org/copyright" in options["attribution"] and options["maxZoom"] == 19


@pytest.mark.parametrize("tiles", [None, TileConfig("", "")], ids=["None", "empty url"])
def test_no_tiles(tiles):
    html = app_html(frame(office()), tiles=tiles)
    assert "L.tileLayer" not in html
    assert "openstreetmap" not in html.lower()


def test_custom_tiles():
    tiles = TileConfig("/tiles/{z}/{x}/{y}.png", "Tiles &copy; BRA", max_zoom=16)
    html = app_html(frame(office()), tiles=tiles)
    assert tile_layer(html) == ("/tiles/{z}/{x}/{y}.png", {"attribution": "Tiles &copy; BRA", "maxZoom": 16})
    assert "Tiles &copy;" not in html  # "&" is escaped inside the script
    assert '"maxZoom": 16' in html  # the map itself zooms no deeper than its tiles


@pytest.mark.parametrize(
    ("url", "attribution"),
    [
        ("javascript:alert(1)//{z}", "x"),
        ("tiles/{z}/{x}/{y}.png", "x"),
        ("https://t.example/{z}/{x}/{y}.png", ""),
        ("https://t.example/{{z}}/{x}/{y}.png", "x"),
        ("https://t.example/{z}/{x}/{y}.png", "{% raw %}"),
    ],
)
def test_invalid_tile_config_is_refused(url, attribution):
    with pytest.raises(ConfigurationError):
        TileConfig(url, attribution)


# --- clicks -----------------------------------------------------------------


@pytest.fixture
def clicked_offices() -> pd.DataFrame:
    return frame(
        office(partner_id="P1", latitude=52.2297, longitude=21.0122),
        office(partner_id="P2", latitude=52.0, longitude=20.0),
        office(partner_id="P3", latitude=52.0, longitude=20.0),
        office(partner_id="X: P3", latitude=52.0, longitude=20.0),
        office(partner_id="P4", latitude=10.0, longitude=179.9),
        office(partner_id="P1", latitude=48.0, longitude=2.0),
    )


def popup_text(partner_id: str, *, rendered: bool = True) -> str:
    """The popup text as streamlit-folium reads it (innerText; textContent when closed)."""
    lines = ["Acme", "Head office", "Warsaw, Poland", f"Partner ID: {partner_id}"]
    return "\n".join(lines) if rendered else "".join(lines)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, None),
        ({}, None),
        ({"last_object_clicked": None, "last_object_clicked_popup": None}, None),
        ({"last_object_clicked": {"lat": 52.2297, "lng": 21.0122}}, "P1"),
        ({"last_object_clicked": {"lat": 48.0000004, "lng": 2.0000004}}, "P1"),
        ({"last_object_clicked": {"lat": 10.0, "lng": -180.1}}, "P4"),
        ({"last_object_clicked": {"lat": 1.0, "lng": 1.0}, "last_object_clicked_popup": popup_text("P1")}, None),
        ({"last_object_clicked": {"lat": 52.0, "lng": 20.0}, "last_object_clicked_popup": popup_text("P2")}, "P2"),
        ({"last_object_clicked": {"lat": 52.0, "lng": 20.0}, "last_object_clicked_popup": popup_text("P3")}, "P3"),
        (
            {"last_object_clicked": {"lat": 52.0, "lng": 20.0}, "last_object_clicked_popup": popup_text("X: P3")},
            "X: P3",
        ),
        (
            {
                "last_object_clicked": {"lat": 52.0, "lng": 20.0},
                "last_object_clicked_popup": popup_text("P3", rendered=False),
            },
            "P3",
        ),
        # A popup left over from an earlier click elsewhere settles nothing.
        ({"last_object_clicked": {"lat": 52.0, "lng": 20.0}, "last_object_clicked_popup": popup_text("P1")}, None),
        ({"last_object_clicked": {"lat": 52.0, "lng": 20.0}}, None),
        ({"last_object_clicked_popup": popup_text("P2")}, "P2"),
        ({"last_object_clicked": {"lat": "bad", "lng": 20.0}}, None),
    ],
)
def test_clicked_partner_id(clicked_offices, result, expected):
    assert clicked_partner_id(result, clicked_offices) == expected


def test_clicked_partner_id_with_an_empty_frame():
    assert clicked_partner_id({"last_object_clicked": {"lat": 1, "lng": 2}}, pd.DataFrame()) is None


# --- what a zoomed map without tiles shows ----------------------------------------------


class _Place:
    def __init__(self, name: str, latitude: float, longitude: float, population: int) -> None:
        self.name, self.latitude, self.longitude, self.population = name, latitude, longitude, population


def test_place_label_rows_give_smaller_places_a_deeper_zoom():
    rows = map_rows.place_label_rows(
        [
            _Place("Metropolis", 1.0, 2.0, 5_000_000),
            _Place("Town", 1.5, 2.5, 60_000),
            _Place("Village", 1.6, 2.6, 2_000),
            _Place("", 1.0, 2.0, 9),
            _Place("Nowhere", float("nan"), 2.0, 9),
        ]
    )
    assert rows == [[1.0, 2.0, "Metropolis", 5], [1.5, 2.5, "Town", 7], [1.6, 2.6, "Village", 8]]
    assert all(zoom >= map_rows.LABELS_MIN_ZOOM for *_, zoom in rows)


def test_place_labels_are_text_in_the_page_never_markup_or_template():
    hostile = "</script><img src=x onerror=alert(1)>{{ 7*7 }}"
    fmap = building.build_map(pd.DataFrame(), tiles=None, place_labels=[_Place(hostile, 1.0, 2.0, 1_000_000)])
    html = fmap.get_root().render()
    assert "<img src=x" not in html and "{{ 7*7 }}" not in html
    assert "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e\\u007b\\u007b 7*7 \\u007d\\u007d" in html
    assert "partnerDirectoryMap.labels(" in html
    # The map's own code writes the name as text in the browser.
    assert ".textContent = label[2]" in (assets.STATIC_DIR / assets.MAP_JS).read_text("utf-8")


def test_without_labels_the_map_carries_no_label_layer():
    assert "pd-labels" not in building.build_map(pd.DataFrame(), tiles=None).get_root().render()


def test_fine_outlines_are_vendored_and_fetched_only_by_the_app_map():
    path = assets.STATIC_DIR / assets.FINE_COUNTRY_OUTLINES
    outlines = json.loads(path.read_text("utf-8"))
    assert len(outlines["features"]) > 200
    assert path.stat().st_size < 2_000_000
    app_html = building.build_map(pd.DataFrame()).get_root().render()
    assert '"fineUrl":"/app/static/world/countries-50m.geojson"' in app_html
    standalone = building.render_standalone_html(pd.DataFrame())
    assert "countries-50m" not in standalone  # the standalone page stays small
    assert '"fineUrl":null' in standalone


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        (
            "en",
            {"one": "{count} office", "few": "{count} offices", "many": "{count} offices", "other": "{count} offices"},
        ),
        ("pl", {"one": "{count} biuro", "few": "{count} biura", "many": "{count} biur", "other": "{count} biura"}),
    ],
)
def test_cluster_icons_get_their_name_in_every_plural_form(language, forms):
    html = building.build_map(pd.DataFrame([office()]), language=language, tiles=None).get_root().render()
    assert map_rows.script_json({"clusterLabels": forms})[1:-1] in html


def test_the_map_page_cannot_scroll_nor_scroll_the_app():
    html = building.build_map(pd.DataFrame([office()]), tiles=None).get_root().render()
    assert "html, body { margin: 0; overflow: hidden; }" in html
    assert "partnerDirectoryMap.offices(" in html
    # The map's own code focuses the map without scrolling the page around it.
    assert "preventScroll: true" in (assets.STATIC_DIR / assets.MAP_JS).read_text("utf-8")


def test_the_app_map_carries_data_not_code():
    """The map's code is a file the browser caches; each rerun sends only data and calls."""
    html = app_html(frame(office()))
    code = (assets.STATIC_DIR / assets.MAP_JS).read_text("utf-8")
    assert "function offices(" in code and "function offices(" not in html
    assert "function outlines(" not in html and "function labels(" not in html
    standalone = render_standalone_html(frame(office()))
    assert "function offices(" in standalone  # one self-contained page


def test_the_offices_travel_beside_the_script_and_rename_it_when_they_change():
    """streamlit-folium scans and hashes the map's script at every rerun, and mounts a new map when it changes.

    So the offices sit in a JSON element of the map's HTML (up to 2 MB), and the
    script, a few hundred bytes whatever the number of offices, names that
    element by the data's fingerprint: other offices, or another selection,
    give another script.
    """
    many = pd.DataFrame(
        [office(partner_id=f"P{i}", partner_name=f"Partner {i}", latitude=50 + i / 1000) for i in range(2000)]
    )
    scripts = {}
    for name, offices, selected in (("many", many, None), ("selected", many, "P7"), ("one", frame(office()), None)):
        figure = build_map(offices, tiles=None, selected_id=selected).get_root()
        figure.render()
        script, html = figure.script.render(), figure.html.render()
        data = map_rows.office_data(offices)
        assert data.json is not None
        assert data.id in script and data.json not in script and data.json in html
        scripts[name] = script
    assert len(scripts["many"]) < 5_000 and abs(len(scripts["many"]) - len(scripts["one"])) < 200, scripts
    assert len(set(scripts.values())) == 3
    # Prepared once, the data makes the same map as the offices themselves.
    prepared = build_map(map_rows.office_data(many), tiles=None).get_root().render()
    direct = build_map(many, tiles=None).get_root().render()
    assert unpacked_rows(prepared) == unpacked_rows(direct)


def test_the_maps_own_code_is_valid_javascript():
    node = shutil.which("node")
    assert node, "Node.js is needed to check static/map/offices.js"
    checked = subprocess.run([node, "--check", str(assets.STATIC_DIR / assets.MAP_JS)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
