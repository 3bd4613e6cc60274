"""``search``: search the offices of a partner file like the dashboard does."""

from __future__ import annotations

import argparse
import sys

from partner_directory.cli.geocode import placed_offline
from partner_directory.cli.output import EXIT_DATA_ERRORS, EXIT_OK
from partner_directory.geo.distance import shown_distance_km
from partner_directory.i18n import t
from partner_directory.sheet.schema import OFFICE_COLUMNS


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``search`` command."""
    search = commands.add_parser("search", help="search the offices like the dashboard does")
    search.add_argument("file")
    search.add_argument("--q", help="free text (accent- and typo-tolerant)")
    search.add_argument("--country", action="append", help="country in any language or code (repeatable)")
    search.add_argument("--sector", action="append", help="sector (repeatable)")
    search.add_argument("--service", action="append", help="desk, meeting_room, internet, introductions, events")
    search.add_argument("--near", help="a city or country in any language")
    search.add_argument("--km", type=float, help="radius around --near in km (default 300)")
    search.add_argument("--format", choices=("table", "csv", "json"), default="table")
    search.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partner_directory.geo.countries import country_name
    from partner_directory.search.criteria import Criteria
    from partner_directory.search.engine import search

    _checked, table = placed_offline(args.file)
    criteria = Criteria(
        text=args.q or "",
        countries=tuple(args.country or ()),
        sectors=tuple(args.sector or ()),
        services=tuple(args.service or ()),
        near=args.near or "",
        radius_km=args.km,
    )
    # Country and service names typed on the command line are understood like URL parameters.
    criteria = Criteria.from_query_params(criteria.to_query_params())
    result = search(table, criteria, language=args.lang)
    rows = result.rows
    for problem in result.problems:
        print(problem, file=sys.stderr)
    columns = list(OFFICE_COLUMNS)  # the place's precision and the distance go after ``country``
    columns.insert(5, "geocode_precision")  # how exactly each office is placed: address, city, country, none
    if criteria.near:
        columns.insert(6, "distance_km")
    out = rows.reindex(columns=columns).copy()
    out["geocode_precision"] = out["geocode_precision"].fillna("").replace("", "none")
    if "distance_km" in out.columns:
        # As exact as the office is placed: the same rule as the page and the downloads.
        out["distance_km"] = [
            shown_distance_km(km, precision)
            for km, precision in zip(out["distance_km"], out["geocode_precision"], strict=True)
        ]
    if args.format == "json":
        import json

        records = out.astype(object).where(out.notna(), None).to_dict("records")
        json.dump({"description": result.description, "offices": records}, sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif args.format == "csv":
        from partner_directory.sheet.export import csv_bytes

        sys.stdout.write(csv_bytes(out, columns=columns).decode("utf-8-sig"))
        print(result.description, file=sys.stderr)
    else:
        print(result.description)
        out["country"] = [country_name(code, args.lang) for code in out["country"]]
        out["geocode_precision"] = [t(f"search.precision.{p}", args.lang) for p in out["geocode_precision"]]
        if "distance_km" in out.columns:
            out["distance_km"] = rows["distance_text"].tolist()
        if len(out):
            print(out.drop(columns=["partner_id", "website"]).to_string(index=False, na_rep=""))
    return EXIT_OK if len(rows) else EXIT_DATA_ERRORS
