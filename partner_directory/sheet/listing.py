"""The members' downloads: the list they searched, as people read it.

Unlike the canonical CSV of :mod:`partner_directory.sheet.export` (field names,
country codes, service keys, comma: a file that loads back exactly), a
member's file has headers in the page's language, country and language names,
services in words and, for a search near a place, the distance in km.

* **Excel** (the main download): one sheet, header row frozen, every cell text
  except the distance, which is a whole number of kilometres (so it sorts).
* **CSV**: UTF-8 with a byte-order mark, **semicolon**-separated, CRLF,
  formula-guarded. Excel with Polish (and most European) regional settings
  splits on the semicolon, because there the comma is the decimal sign; the
  byte-order mark makes it read Polish letters. Excel with English settings
  should open the Excel file instead.
"""

from __future__ import annotations

import csv
import io
import math

import pandas as pd

from partner_directory.geo.countries import country_name
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t
from partner_directory.sheet.export import csv_encoded, text_cell
from partner_directory.sheet.guard import guard_cell
from partner_directory.sheet.schema import SERVICES, split_list

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

    ``with_distance`` adds the distance column (whole km; empty for an office
    without coordinates). Missing columns are written empty.
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
                columns[header] = [_whole_km(value) for value in distances]
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
            columns[header] = [words(value, str) for value in values]
        else:
            columns[header] = list(values)
    return pd.DataFrame(columns, dtype=object)  # whole km stay whole numbers, not floats


def _whole_km(value: object) -> int | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(number) if math.isfinite(number) else None


def member_csv(table: pd.DataFrame) -> bytes:
    """``table`` (from :func:`member_table`) as a CSV Polish Excel opens in columns.

    UTF-8 with BOM, ``;`` between fields, CRLF, every text cell formula-guarded.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=MEMBER_CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([guard_cell(str(c)) for c in table.columns])
    for values in table.itertuples(index=False):
        writer.writerow(["" if v is None or v != v else guard_cell(str(v)) for v in values])
    return csv_encoded(buffer.getvalue())


def member_xlsx(table: pd.DataFrame, *, sheet_title: str = "Partners") -> bytes:
    """``table`` (from :func:`member_table`) as an Excel workbook.

    Text cells are stored as text (never a formula); whole numbers (the
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
        if isinstance(value, int) and not isinstance(value, bool):
            return WriteOnlyCell(sheet, value=value)
        return text_cell(sheet, "" if value is None or value != value else value, bold=bold)

    sheet.append([cell(c, bold=True) for c in table.columns])
    for values in table.itertuples(index=False):
        sheet.append([cell(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
