"""The members' downloads: the list they searched, as people read it.

Unlike the canonical CSV of :mod:`partner_directory.sheet.export` (field names,
country codes, service keys, comma: a file that loads back exactly), a
member's file has headers in the page's language, country and language names,
services in words and, for a search near a place, the distance in km.

* **Excel** (the main download): one sheet, header row frozen, every cell text
  except the distance, a number of kilometres as exactly as the office is placed
  (``geo.distance.shown_distance_km``: 0.2 stays 0.2; whole km for a city), so it sorts.
  The "Placed by" column says how each office was placed, in the page's words.
* **CSV**: UTF-8 with a byte-order mark, **semicolon**-separated, CRLF,
  formula-guarded, a distance's decimal written with a comma. Excel with Polish (and most European) regional settings
  splits on the semicolon, because there the comma is the decimal sign; the
  byte-order mark makes it read Polish letters. Excel with English settings
  should open the Excel file instead.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping

import pandas as pd

from partner_directory.geo.countries import country_name
from partner_directory.geo.distance import shown_distance_km
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t, tables, tn
from partner_directory.sheet.export import csv_encoded, text_cell
from partner_directory.sheet.guard import guard_cell
from partner_directory.sheet.schema import SERVICES, sector_name, split_list
from partner_directory.text import fold

#: The members' CSV separator: the list separator of Excel with Polish regional settings.
MEMBER_CSV_DELIMITER = ";"

#: The columns of a member's file, in order: (table column, header key). ``distance_km`` only near a place.
MEMBER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("partner_name", "listing.col.partner"),
    ("office_name", "listing.col.office"),
    ("address", "listing.col.address"),
    ("postal_code", "listing.col.postal_code"),
    ("city", "listing.col.city"),
    ("country", "listing.col.country"),
    ("distance_km", "listing.col.distance"),
    ("geocode_precision", "listing.col.placed"),
    ("sectors", "listing.col.sectors"),
    ("services", "listing.col.services"),
    ("languages", "listing.col.languages"),
    ("contact_name", "listing.col.contact"),
    ("contact_email", "listing.col.email"),
    ("contact_phone", "listing.col.phone"),
    ("website", "listing.col.website"),
    ("description", "listing.col.description"),
    ("last_verified", "listing.col.last_verified"),
)


def member_table(rows: pd.DataFrame, *, language: str = "en", with_distance: bool = False) -> pd.DataFrame:
    """The rows as a member reads them: headers in ``language``, names and words instead of codes.

    ``with_distance`` adds the distance column (km as :func:`shown_distance_km`
    shows them; empty for an office without coordinates or placed only at its
    country). Missing columns are written empty.
    """

    def text(column: str) -> list[str]:
        if column not in rows.columns:
            return [""] * len(rows)
        return ["" if value is None or value != value else str(value) for value in rows[column]]

    def words(value: str, name: object) -> str:
        return ", ".join(str(name(item)) for item in split_list(value) if item)  # type: ignore[operator]

    columns: dict[str, list[object]] = {}
    for column, key in MEMBER_COLUMNS:
        header = t(key, language)
        if column == "distance_km":
            if with_distance:
                distances = rows["distance_km"] if "distance_km" in rows.columns else [math.nan] * len(rows)
                precisions = text("geocode_precision")
                columns[header] = [
                    _km(value, precision) for value, precision in zip(distances, precisions, strict=True)
                ]
            continue
        if column == "geocode_precision":
            columns[header] = [
                placed_by(precision, source, language)
                for precision, source in zip(text(column), text("geocode_source"), strict=True)
            ]
            continue
        values = text(column)
        if column == "country":
            columns[header] = [country_name(code, language) if code else "" for code in values]
        elif column == "services":
            columns[header] = [
                words(value, lambda s: t(f"service.{s}", language) if s in SERVICES else s) for value in values
            ]
        elif column == "languages":
            columns[header] = [words(value, lambda code: language_name(code, language)) for value in values]
        elif column == "sectors":
            columns[header] = [words(value, lambda sector: sector_name(sector, language)) for value in values]
        else:
            columns[header] = list(values)
    return pd.DataFrame(columns, dtype=object)  # whole km stay whole numbers, not floats


#: Sources whose coordinates came with the row (typed, or set by staff on the map), not from a geocoder.
GIVEN_SOURCES = frozenset({"input", "manual"})


def placed_by(precision: str, source: str, language: str) -> str:
    """How an office was placed, in the page's words: "address", "city centre", "coordinates in the file" …

    >>> placed_by("city", "gazetteer", "pl"), placed_by("address", "input", "en"), placed_by("", "", "en")
    ('centrum miasta', 'coordinates in the file', 'not placed')
    """
    precision = (precision or "").strip().lower() or "none"
    if source.strip().lower() in GIVEN_SOURCES and precision == "address":
        return t("listing.placed.coordinates", language)
    key = f"listing.placed.{precision}"
    return t(key, language) if key in tables() else precision


def _km(value: object, precision: str) -> int | float | None:
    """A distance as the list shows it: whole km as an int (0.2 km stays 0.2); ``None`` when not known."""
    shown = shown_distance_km(value, (precision or "").strip().lower())
    if shown is None:
        return None
    return int(shown) if shown.is_integer() else shown


def member_csv(table: pd.DataFrame) -> bytes:
    """``table`` (from :func:`member_table`) as a CSV Polish Excel opens in columns.

    UTF-8 with BOM, ``;`` between fields, CRLF, every text cell formula-guarded.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=MEMBER_CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([guard_cell(str(c)) for c in table.columns])
    for values in table.itertuples(index=False):
        writer.writerow([_csv_cell(v) for v in values])
    return csv_encoded(buffer.getvalue())


def _csv_cell(value: object) -> str:
    if value is None or value != value:
        return ""
    if isinstance(value, float):  # a distance: the decimal comma of the Excel this file is for
        return str(value).replace(".", ",")
    return guard_cell(str(value))


def member_xlsx(table: pd.DataFrame, *, sheet_title: str = "Partners") -> bytes:
    """``table`` (from :func:`member_table`) as an Excel workbook.

    Text cells are stored as text (never a formula); numbers (the
    distance) as numbers. The header row is frozen and columns are wide enough to read.
    """
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(table.columns, start=1):
        longest = max([len(str(column)), *(len(str(v)) for v in table[column] if v is not None and v == v)])
        sheet.column_dimensions[get_column_letter(number)].width = min(max(longest + 2, 8), 60)

    def cell(value: object, *, bold: bool = False) -> Cell:
        if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
            return WriteOnlyCell(sheet, value=value)
        return text_cell(sheet, "" if value is None or value != value else value, bold=bold)

    sheet.append([cell(c, bold=True) for c in table.columns])
    for values in table.itertuples(index=False):
        sheet.append([cell(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def office_place(office: Mapping[str, object] | pd.Series, language: str) -> str:
    """An office's place in one line: name, address, postal code and city, country -- each said once.

    A postal code or city the address already holds is not repeated
    ("ul. Przykładowa 3, 81-300 Gdynia", never "…, 81-300 Gdynia, 81-300").

    >>> office_place({"office_name": "HQ", "address": "Rynek 1", "postal_code": "50-001", "city": "Wrocław",
    ...               "country": "PL"}, "en")
    'HQ, Rynek 1, 50-001 Wrocław, Poland'
    """

    def value(field: str) -> str:
        item = office.get(field)
        return "" if item is None or item != item else str(item).strip()

    address = value("address")
    held = fold(address)
    postal_code, city = value("postal_code"), value("city")
    postal_code = "" if postal_code and fold(postal_code) in held else postal_code
    city = "" if city and fold(city) in held else city
    country = value("country")
    parts = [value("office_name"), address, " ".join(p for p in (postal_code, city) if p)]
    parts.append(country_name(country, language) if country else "")
    return ", ".join(part for part in parts if part)


def offices_heading(count: int, language: str) -> str:
    """The heading over a partner's offices: "Both offices of this partner" for two ("Oba biura", never "Wszystkie 2").

    >>> offices_heading(2, "pl"), offices_heading(3, "pl"), offices_heading(5, "pl")
    ('Oba biura tego partnera', 'Wszystkie 3 biura tego partnera', 'Wszystkie 5 biur tego partnera')
    """
    return t("words.both_offices", language) if count == 2 else tn("ui.all_offices", count, language)
