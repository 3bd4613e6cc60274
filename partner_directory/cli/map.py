"""``map``: write the map of a partner file as one self-contained HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

from partner_directory.cli.geocode import placed_offline
from partner_directory.cli.output import EXIT_OK, write_bytes
from partner_directory.config import OSM_ATTRIBUTION, Settings
from partner_directory.i18n import t, tn


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``map`` command."""
    map_command = commands.add_parser("map", help="write the map as one self-contained HTML page")
    map_command.add_argument("file")
    map_command.add_argument("--out", required=True, help="output .html file")
    map_command.add_argument("--no-tiles", action="store_true", help="country outlines only, no tile server")
    map_command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partner_directory.geo.countries import country_name
    from partner_directory.maps.building import render_standalone_html
    from partner_directory.maps.elements import TileConfig

    _checked, table = placed_offline(args.file)
    settings = Settings.from_env()
    tiles = None if args.no_tiles else TileConfig(settings.tile_url, settings.tile_attribution or OSM_ATTRIBUTION)
    offices = table.assign(
        latitude=table["lat"],
        longitude=table["lon"],
        country_name=[country_name(c, args.lang) for c in table["country"]],
    )
    html = render_standalone_html(offices, language=args.lang, tiles=tiles)
    out = Path(args.out)
    write_bytes(out, html.encode("utf-8"))
    placed = int(table["lat"].notna().sum())
    print(
        t("cli.map_written", args.lang, path=out, offices=tn("count.placed_of", len(table), args.lang, placed=placed))
    )
    return EXIT_OK
