"""Checking and normalising a loaded partner table, without touching any file.

:func:`check` returns the normalised table and a :class:`Report` of errors
(which block publishing) and warnings (which do not), each naming the
spreadsheet row (header = row 1), the column and the bad value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from partner_directory.geo import countries
from partner_directory.i18n import t
from partner_directory.links import check_website, is_email
from partner_directory.sheet.contract import KEY_COLUMNS, published_list, text_kind
from partner_directory.sheet.schema import (
    COLUMNS,
    DATE_COLUMNS,
    DERIVED_COLUMNS,
    LIST_COLUMNS,
    SERVICES,
    HeaderMapping,
)
from partner_directory.sheet.table import LoadedTable
from partner_directory.text import clean_text, fold, slugify

ERROR = "error"
WARNING = "warning"

#: How old ``last_verified`` may be before a warning, in months.
STALE_AFTER_MONTHS = 18


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y.%m.%d", "%Y-%m", "%m/%Y", "%Y")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file or one of its rows.

    ``row`` is the spreadsheet row (``None`` for the whole file); ``code``
    names the kind (a key of ``translations/validation.json``); ``params``
    fills in the sentence.
    """

    severity: str
    code: str
    row: int | None
    column: str | None
    value: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def message(self, language: str = "en", *, headers: Mapping[str, str] | None = None) -> str:
        """The problem as one plain sentence in ``language``.

        ``headers`` maps a column to the file's own header for it, so a
        sentence names the column as the person's file does.
        """
        column = column_label(self.column, language, headers) if self.column else ""
        params = dict(self.params)
        if "country_code" in params:  # a country is named in the sentence's language ("Niemcy", not "Germany")
            params["country"] = countries.country_name(str(params.pop("country_code")), language)
        return t(f"validation.{self.code}", language, value=self.value, column=column, **params)


def column_label(column: str, language: str = "en", headers: Mapping[str, str] | None = None) -> str:
    """How a column is named to a person: the file's own header, else the field's translated name.

    >>> column_label("contact_email", "pl", {"contact_email": "e-mail kontaktowy"})
    'e-mail kontaktowy'
    >>> column_label("contact_email", "en")
    'Contact e-mail'
    """
    if headers and headers.get(column):
        return headers[column]
    label = t(f"field.{column}", language)
    return column if label == f"field.{column}" else label


@dataclass
class Report:
    """All problems found in one file, in row order."""

    rows: int
    problems: list[Problem]
    #: The file's own header of each column whose header differs from the column's name.
    headers: dict[str, str] = field(default_factory=dict)

    def column_label(self, column: str | None, language: str = "en") -> str:
        """The column as the file names it (its own header), or the field's translated name."""
        return column_label(column, language, self.headers) if column else ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when nothing blocks publishing."""
        return not self.errors

    def to_dict(self, language: str = "en") -> dict[str, Any]:
        """The report as ``{"rows": N, "errors": [...], "warnings": [...]}`` for JSON."""

        def entry(problem: Problem) -> dict[str, Any]:
            return {
                "row": problem.row,
                "column": problem.column,
                "message": problem.message(language, headers=self.headers),
            }

        return {
            "rows": self.rows,
            "errors": [entry(p) for p in self.errors],
            "warnings": [entry(p) for p in self.warnings],
        }

    def to_frame(self, language: str = "en") -> pd.DataFrame:
        """The report as a table: severity, row, column, value, message (headers translated)."""
        records = [
            {
                t("validation.header.severity", language): t(f"validation.severity.{p.severity}", language),
                t("validation.header.row", language): p.row,
                t("validation.header.column", language): self.column_label(p.column, language),
                t("validation.header.value", language): p.value,
                t("validation.header.message", language): p.message(language, headers=self.headers),
            }
            for p in self.problems
        ]
        headers = [t(f"validation.header.{h}", language) for h in ("severity", "row", "column", "value", "message")]
        return pd.DataFrame(records, columns=headers)


@dataclass
class CheckedTable:
    """The normalised table with its report.

    ``table`` has every schema column (empty where the file had none), the
    file's extra columns unchanged, and :data:`DERIVED_COLUMNS`.
    ``extras`` names the extra columns in file order.
    """

    table: pd.DataFrame
    report: Report
    extras: tuple[str, ...]


def check(loaded: LoadedTable, *, today: dt.date | None = None) -> CheckedTable:
    """Normalise every row of ``loaded`` and report what is wrong.

    Normalising means: values stripped; ``country`` as ISO alpha-2 where
    recognised; list fields in the published-row contract
    (:mod:`partner_directory.sheet.contract`: split on ``;``, ``|`` or ``,``,
    joined with ``"; "``, services as their keys — an unknown service is an
    error —, languages as ISO 639-1 codes where recognised); websites with a scheme;
    coordinates with a decimal point; dates as ``YYYY-MM-DD``; a generated
    ``partner_id`` where the file had none; control characters removed from
    every value (:func:`partner_directory.text.clean_text`: line breaks and
    tabs become spaces in one-line columns, others are dropped), each removal
    a warning naming the characters as ``U+000B`` -- and an error in
    ``partner_id``, whose value names the office elsewhere. Values that fail
    a check are otherwise kept as they were, so nothing typed by a person is lost.
    """
    today = today or dt.date.today()
    mapping = loaded.mapping
    problems: list[Problem] = []
    extras = tuple(c for c in loaded.frame.columns if c not in COLUMNS)

    for header, column in mapping.duplicates:
        others = [h for h, c in zip(mapping.headers, mapping.columns, strict=True) if c == column]
        problems.append(Problem(ERROR, "duplicate_header", None, column, header, {"headers": ", ".join(others)}))
    missing = mapping.missing
    if missing:
        found = ", ".join(h for h in mapping.headers if h.strip()) or "—"
        problems.append(
            Problem(ERROR, "missing_columns", None, None, "", {"missing": ", ".join(missing), "found": found})
        )
    if loaded.frame.empty:
        problems.append(Problem(ERROR, "no_rows", None, None))
    for row, count in loaded.long_rows:
        problems.append(Problem(ERROR, "long_row", row, None, "", {"count": count, "width": len(mapping.headers)}))
    for note in loaded.notes:  # what reading noticed: a row in another encoding, a quote that swallowed rows
        problems.append(Problem(WARNING, note.code, note.row, note.column, "", dict(note.params)))

    headers = file_headers(mapping)
    table = _empty_table(loaded.frame, extras)
    if missing or loaded.frame.empty:
        report = Report(rows=len(loaded.frame), problems=problems, headers=headers)
        return CheckedTable(table=table, report=report, extras=extras)

    records: list[dict[str, Any]] = []
    source = loaded.frame.to_dict("records")
    for row_number, raw in zip(loaded.row_numbers, source, strict=True):
        record, row_problems = _check_row(raw, row_number, today)
        records.append(record)
        problems.extend(row_problems)
    problems.extend(_check_across_rows(records))
    problems.sort(key=lambda p: (p.row or 0, p.severity != ERROR))
    table = pd.DataFrame(records, columns=[*COLUMNS, *extras, *DERIVED_COLUMNS], dtype=object)
    report = Report(rows=len(records), problems=problems, headers=headers)
    return CheckedTable(table=table, report=report, extras=extras)


def file_headers(mapping: HeaderMapping) -> dict[str, str]:
    """Each known column whose header in the file is not its own name, with that header."""
    return {
        column: header.strip()
        for header, column in zip(mapping.headers, mapping.columns, strict=True)
        if column in COLUMNS and header.strip() and header.strip() != column
    }


def _empty_table(frame: pd.DataFrame, extras: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*COLUMNS, *extras, *DERIVED_COLUMNS], dtype=object)


def _check_row(raw: Mapping[str, Any], row: int, today: dt.date) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []

    def problem(severity: str, code: str, column: str | None, value: str = "", **params: Any) -> None:
        problems.append(Problem(severity, code, row, column, value, params))

    def without_controls(column: str, value: object, *, strip: bool) -> str:
        # Invisible characters that break Excel, calendars and line-based readers never reach a published value.
        text = "" if value is None else str(value)
        if text.isprintable():  # nearly every cell: no control can be in it (see clean_text)
            return text.strip() if strip else text
        cleaned = clean_text(text, kind=text_kind(column))
        text = cleaned.text.strip() if strip else cleaned.text
        if cleaned.found:
            code = "control_in_key" if column in KEY_COLUMNS else "control_removed"
            problem(ERROR if column in KEY_COLUMNS else WARNING, code, column, text, characters=cleaned.code_points)
        return text

    record: dict[str, Any] = {column: without_controls(column, raw.get(column) or "", strip=True) for column in COLUMNS}
    for column, value in raw.items():
        if column not in COLUMNS:  # the file's own columns are written back as they were, but for controls
            record[column] = without_controls(column, value, strip=False)
    record["source_row"] = row

    if not record["partner_name"]:
        problem(ERROR, "missing_name", "partner_name")
    if not record["city"] and not record["address"] and not record.get("postal_code"):
        problem(ERROR, "missing_place", "city")  # a postal code with the country places an office too

    _check_country(record, problem)
    _check_coordinates(record, problem)

    email = record["contact_email"]
    if email.lower().startswith("mailto:"):
        email = record["contact_email"] = email[len("mailto:") :].strip()
    if email and not is_email(email):
        problem(ERROR, "bad_email", "contact_email", email)

    if record["website"]:
        website = check_website(record["website"])
        if website.problem == "bad_scheme":
            problem(ERROR, "bad_scheme", "website", record["website"], scheme=website.scheme)
        elif website.problem == "malformed":
            problem(ERROR, "malformed_url", "website", record["website"])
        else:
            if website.problem == "added_scheme":
                problem(WARNING, "added_scheme", "website", record["website"], url=website.url)
            record["website"] = website.url

    for column in LIST_COLUMNS:  # into the published-row contract, or an error that names the item
        cell = published_list(column, record[column])
        for item in cell.refused:
            problem(ERROR, "unknown_service", column, item, known=", ".join(SERVICES))
        record[column] = cell.as_typed

    for column in DATE_COLUMNS:
        if record[column]:
            parsed = parse_date(record[column])
            if parsed is None:
                problem(WARNING, "bad_date", column, record[column])
                continue
            record[column] = parsed.isoformat()
            if column == "last_verified" and _months_between(parsed, today) > STALE_AFTER_MONTHS:
                problem(WARNING, "stale", column, record[column], months=STALE_AFTER_MONTHS)
    return record, problems


def _check_country(record: dict[str, Any], problem: Any) -> None:
    text = record["country"]
    if text:
        code = countries.resolve_country(text)
        if code is None:
            states = countries.states_named(text)
            if states:  # "Texas": kept as typed, so that the geocoder reads it with the city and sets the country
                problem(WARNING, "country_is_state", "country", text, country_code=states[0][0])
            else:
                problem(WARNING, "unknown_country", "country", text)
            record["continent"] = ""
            return
    else:
        code = _country_from_place(record)
        if code is None:
            problem(ERROR, "missing_country", "country")
            record["continent"] = ""
            return
        problem(WARNING, "country_inferred", "country", "", country_code=code)
    record["country"] = code
    record["continent"] = countries.continent_of(code)


#: A city named without a country is taken to be in the country of the most
#: populous place of that name only when that place has at least this many inhabitants.
INFER_COUNTRY_MIN_POPULATION = 100_000


def _country_from_place(record: Mapping[str, Any]) -> str | None:
    # "Hauptstraße 1, 10115 Berlin, Germany" — a country usually closes an address.
    for column in ("address", "city"):
        for part in reversed(re.split(r"[,\n]", record[column])):
            words = re.sub(r"\d", " ", part).strip()
            if words and (code := countries.resolve_country(words)) and len(words) > 3:
                return code
    # "Łódź" alone: a well-known city says where it is (the gazetteer is loaded only for such rows).
    if record["city"]:
        from partner_directory.geo.gazetteer.queries import default_gazetteer

        place = default_gazetteer().find_city(record["city"])
        if place is not None and place.population >= INFER_COUNTRY_MIN_POPULATION:
            return place.country
    return None


def parse_number(text: str) -> float | None:
    """Parse ``"54.352"`` or ``"54,352"`` (Polish decimal comma); ``None`` if not a number."""
    compact = text.strip().replace(" ", "").replace("\u2212", "-")
    if not _NUMBER.fullmatch(compact):
        return None
    return float(compact.replace(",", "."))


def _check_coordinates(record: dict[str, Any], problem: Any) -> None:
    latitude_text, longitude_text = record["latitude"], record["longitude"]
    if not latitude_text and not longitude_text:
        return
    if bool(latitude_text) != bool(longitude_text):
        present = "latitude" if latitude_text else "longitude"
        problem(ERROR, "half_coordinates", present, latitude_text or longitude_text)
        return
    for column, limit in (("latitude", 90.0), ("longitude", 180.0)):
        number = parse_number(record[column])
        if number is None:
            problem(ERROR, "bad_coordinate", column, record[column])
        elif not -limit <= number <= limit:
            problem(ERROR, f"{column}_range", column, record[column])
        else:
            record[column] = repr(number)


def parse_date(text: str) -> dt.date | None:
    """Parse a date as people write it (ISO, ``27.11.2026``, ``27/11/2026``, ``2026``); ``None`` if not."""
    text = text.strip().split(" ")[0].split("T")[0]
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _check_across_rows(records: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    first_row_of_id: dict[str, int] = {}
    for record in records:
        given = record["partner_id"]
        if not given:
            continue
        if given in first_row_of_id:
            problems.append(
                Problem(
                    ERROR, "duplicate_id", record["source_row"], "partner_id", given, {"other": first_row_of_id[given]}
                )
            )
        else:
            first_row_of_id[given] = record["source_row"]

    first_row_of_office: dict[tuple[str, str], int] = {}
    for record in records:
        key = (fold(record["partner_name"]), fold(record["city"] or record["address"]))
        if not key[0]:
            continue
        if key in first_row_of_office:
            problems.append(
                Problem(
                    WARNING,
                    "duplicate_office",
                    record["source_row"],
                    "partner_name",
                    record["partner_name"],
                    {"other": first_row_of_office[key]},
                )
            )
        else:
            first_row_of_office[key] = record["source_row"]

    # Generated ids: from name and city, made unique with -2, -3 … without
    # taking an id that another row gave explicitly.
    taken = set(first_row_of_id)
    for record in records:
        if record["partner_id"]:
            continue
        base = slugify(f"{record['partner_name']} {record['city'] or record['address']}") or "partner"
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate)
        record["partner_id"] = candidate
    return problems
