"""Commands of the geocoding, search and map issues: ``geocode``, ``search``, ``map``.

Registered with :mod:`partner_directory.cli`; each prints plain sentences and
returns an exit code (0 ok, 1 data errors / nothing found, 2 unusable input).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from partner_directory import cli
from partner_directory.config import Settings
from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import t, tn
from partner_directory.sheet.reading import check_file
from partner_directory.sheet.schema import GEOCODE_COLUMNS
from partner_directory.sheet.validation import CheckedTable


class ProgressBar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, label: str, *, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream, width
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        filled = int(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        self.stream.flush()


def _geocode(args: argparse.Namespace) -> int:
    language = args.lang
    from partner_directory.geo.geocoding.chain import Geocoder, describe_note

    checked = check_file(args.file)
    if checked.report.errors:
        cli._print_report(checked.report, Path(args.file).name, language, sys.stderr)
    settings = Settings.from_env()
    geocoder = Geocoder.from_settings(settings, offline=args.offline)
    table, summary = geocoder.geocode_table(checked.table, progress=ProgressBar(t("cli.geocoding", language)))
    checked.table = table
    cli._write(checked, Path(args.out), language, extra=GEOCODE_COLUMNS)
    for warning in summary.warnings:
        print(warning, file=sys.stderr)
    counts = ", ".join(
        f"{precision} {summary.by_precision.get(precision, 0)}" for precision in ("address", "city", "country", "none")
    )
    print(t("cli.geocode_summary", language, offices=tn("count.offices", len(table), language), counts=counts))
    if summary.unresolved_rows:
        rows = ", ".join(str(row) for row in summary.unresolved_rows)
        print(t("cli.unresolved_rows", language, rows=rows))
    for row, text, note, suggestions in summary.attention:
        sentence = describe_note(note, suggestions, language)
        print(t("geocoding.attention_row", language, row=row, text=text, note=sentence))
    return cli.EXIT_OK if checked.report.ok else cli.EXIT_DATA_ERRORS


def _placed(args: argparse.Namespace) -> tuple[CheckedTable, pd.DataFrame]:
    """The file checked and placed offline (cache + gazetteer): fast and needs no network."""
    from partner_directory.geo.geocoding.cache import GeocodeCache
    from partner_directory.geo.geocoding.chain import Geocoder

    checked = check_file(args.file)
    settings = Settings.from_env()
    table, _ = Geocoder.offline(cache=GeocodeCache(settings.geocode_cache)).geocode_table(checked.table)
    return checked, table


def _search(args: argparse.Namespace) -> int:
    from partner_directory.geo.countries import country_name
    from partner_directory.search.engine import Criteria, search

    _checked, table = _placed(args)
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
    columns = [
        "partner_id",
        "partner_name",
        "office_name",
        "city",
        "country",
        "sectors",
        "services",
        "contact_name",
        "contact_email",
        "website",
    ]
    columns.insert(5, "geocode_precision")  # how exactly each office is placed: address, city, country, none
    if criteria.near:
        columns.insert(6, "distance_km")
    out = rows.reindex(columns=columns).copy()
    out["geocode_precision"] = out["geocode_precision"].fillna("").replace("", "none")
    if "distance_km" in out.columns:
        # Only an office placed at its address has a distance to the decimal; see search.format_distance.
        exact = out["geocode_precision"].isin(("address",))
        out["distance_km"] = out["distance_km"].where(exact, out["distance_km"].round(0)).round(1)
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
    return cli.EXIT_OK if len(rows) else cli.EXIT_DATA_ERRORS


def _map(args: argparse.Namespace) -> int:
    from partner_directory.config import OSM_ATTRIBUTION
    from partner_directory.maps.building import TileConfig, render_standalone_html
    from partner_directory.sheet.export import write_atomically

    _checked, table = _placed(args)
    settings = Settings.from_env()
    tiles = None if args.no_tiles else TileConfig(settings.tile_url, settings.tile_attribution or OSM_ATTRIBUTION)
    from partner_directory.geo.countries import country_name

    offices = table.assign(
        latitude=table["lat"],
        longitude=table["lon"],
        country_name=[country_name(c, args.lang) for c in table["country"]],
    )
    html = render_standalone_html(offices, language=args.lang, tiles=tiles)
    out = Path(args.out)
    if out.is_dir():
        raise PartnerDirectoryError("out_is_folder", path=out)
    try:
        write_atomically(out, html.encode("utf-8"))
    except PartnerDirectoryError:
        raise  # already a sentence (e.g. a device or pipe that must not be replaced)
    except OSError as error:
        raise PartnerDirectoryError("cannot_write", path=out, reason=error.strerror or error) from error
    placed = int(table["lat"].notna().sum())
    offices = tn("count.placed_of", len(table), args.lang, placed=placed)
    print(t("cli.map_written", args.lang, path=out, offices=offices))
    return cli.EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    geocode = commands.add_parser("geocode", help="place every office; write coordinates, source and precision")
    geocode.add_argument("file")
    geocode.add_argument("--out", required=True, help="output file (.csv or .xlsx)")
    geocode.add_argument("--offline", action="store_true", help="never ask an online geocoder")
    geocode.set_defaults(run=_geocode)

    search = commands.add_parser("search", help="search the offices like the dashboard does")
    search.add_argument("file")
    search.add_argument("--q", help="free text (accent- and typo-tolerant)")
    search.add_argument("--country", action="append", help="country in any language or code (repeatable)")
    search.add_argument("--sector", action="append", help="sector (repeatable)")
    search.add_argument("--service", action="append", help="desk, meeting_room, internet, introductions, events")
    search.add_argument("--near", help="a city or country in any language")
    search.add_argument("--km", type=float, help="radius around --near in km (default 300)")
    search.add_argument("--format", choices=("table", "csv", "json"), default="table")
    search.set_defaults(run=_search)

    map_command = commands.add_parser("map", help="write the map as one self-contained HTML page")
    map_command.add_argument("file")
    map_command.add_argument("--out", required=True, help="output .html file")
    map_command.add_argument("--no-tiles", action="store_true", help="country outlines only, no tile server")
    map_command.set_defaults(run=_map)


cli._EXTENSIONS.append(register)


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from partner_directory.access.passwords import hash_password

    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass(t("cli.password", args.lang))
    if len(password) < 8:
        print(t("cli.password_short", args.lang), file=sys.stderr)
        return cli.EXIT_UNUSABLE
    print(hash_password(password))
    return cli.EXIT_OK


def register_hash_password(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser("hash-password", help="make the salted hash of a staff password for secrets.toml")
    command.add_argument("--stdin", action="store_true", help="read the password from standard input")
    command.set_defaults(run=_hash_password)


cli._EXTENSIONS.append(register_hash_password)
