"""``map``: write the map of a partner file as one self-contained HTML page.

The page is made to be embedded on a website, so it honours the access mode
like the dashboard does for a visitor who is not signed in: in ``members``
mode the contact persons, e-mails and phones are emptied before the map is
built (:func:`partner_directory.access.visibility.visible_table`), unless
``--with-contacts`` asks for them, and then a warning says what the page holds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from partner_directory.access.visibility import Visitor, may_see_contacts, visible_table
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
    map_command.add_argument(
        "--with-contacts",
        action="store_true",
        help="in members mode, include contact persons, e-mails and phones (personal data; not for a public site)",
    )
    map_command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partner_directory.geo.countries import country_name
    from partner_directory.maps.building import render_standalone_html
    from partner_directory.maps.elements import TileConfig

    settings = Settings.from_env()
    _checked, table = placed_offline(args.file)
    if not may_see_contacts(settings.access, Visitor()):
        if args.with_contacts:
            print(t("cli.map_with_contacts", args.lang), file=sys.stderr)
        else:
            table = visible_table(table, mode=settings.access, visitor=Visitor())
            print(t("cli.map_contacts_hidden", args.lang))
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
