"""The rows' protocol with the map's browser code, ``static/map/offices.js``: what it reads and how it travels.

All offices travel as ONE compact JSON array, ``[texts, rows]``: each row holds
the values named in :data:`ROW_FIELDS` -- latitude, longitude, a number of
flags (:data:`PRECISION_CODES` in the lowest two bits, then
:data:`FLAG_WEBSITE_LINK`, :data:`FLAG_WEBSITE_ADD_SCHEME` and
:data:`FLAG_EMAIL_LINK`), then the office's texts, each a position in
``texts``, where every distinct text is stored once (:func:`pack_rows`). The
script finds each value by the field names it is given (:data:`ROW_FIELDS`,
:data:`SCRIPT_FLAGS`, :data:`SCRIPT_PRECISIONS`), so this module and the script
change together.

Office data is hostile until proven otherwise. The array is serialised so it
cannot leave its ``<script>`` (``<``, ``>``, ``&``, U+2028, U+2029 escaped) nor
be read as a Jinja template (``{`` and ``}`` escaped: folium re-parses every
element's output as a template, so a ``{{ … }}`` in a partner name would
otherwise run on the server) -- :func:`script_json`. The script builds popups
with ``textContent`` only, and a link gets its ``href`` only when both Python
(:mod:`partner_directory.links`, carried in the flags) and the browser agree
that it is http(s) or a plain e-mail address.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from partner_directory.i18n import normalise_language, t
from partner_directory.links import email_href, website_href
from partner_directory.sheet.schema import OFFICE_COLUMNS, SERVICES, sector_name, split_list

# Coordinates are sent with 6 decimals (about 0.1 m).
COORDINATE_DECIMALS: Final = 6

# Precision codes carried in the lowest two bits of a row's flags.
PRECISION_CODES: Final = {"address": 0, "city": 1, "country": 2, "postal": 4}
PRECISION_UNKNOWN: Final = 3
FLAG_PRECISION_MASK: Final = 7  # bit 4 was the selection (now an option of the map); it holds `postal`
FLAG_WEBSITE_LINK: Final = 8
FLAG_WEBSITE_ADD_SCHEME: Final = 16
FLAG_EMAIL_LINK: Final = 32

#: The flags and precision codes as the script's options name them.
SCRIPT_FLAGS: Final = {
    "precisionMask": FLAG_PRECISION_MASK,
    "websiteLink": FLAG_WEBSITE_LINK,
    "websiteAddScheme": FLAG_WEBSITE_ADD_SCHEME,
    "emailLink": FLAG_EMAIL_LINK,
}
SCRIPT_PRECISIONS: Final = {name: PRECISION_CODES[name] for name in ("city", "country", "postal")}

# The script names an office's country by its name; every other office column by itself.
_FIELD_OF_COLUMN: Final = {"country": "country_name"}

ROW_FIELDS: Final = ("latitude", "longitude", "flags", *(_FIELD_OF_COLUMN.get(name, name) for name in OFFICE_COLUMNS))
"""Order of the values in each row of the data array sent to the browser: the office columns after three numbers."""

# City names from the gazetteer, shown under the tiles (so only when no tiles
# load) from LABELS_MIN_ZOOM on; smaller cities only from deeper zooms.
LABELS_MIN_ZOOM: Final = 5
LABEL_ZOOM_BY_POPULATION: Final = ((1_000_000, 5), (200_000, 6), (50_000, 7), (0, 8))

_SCRIPT_ESCAPES: Final = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_JSON_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*"')


class PlaceLabel(Protocol):
    """A named place to write on the map (a gazetteer ``Place`` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def latitude(self) -> float: ...
    @property
    def longitude(self) -> float: ...
    @property
    def population(self) -> int: ...


@dataclass(frozen=True)
class OfficeData:
    """The offices one map shows, as its browser code reads them: made once, reusable by any number of maps.

    Two ways to travel, one value:

    * ``json`` -- ``[texts, rows]`` (see :func:`office_rows` and :func:`pack_rows`)
      safe inside ``<script>``, put into the map's page (:func:`office_data`);
    * ``url`` -- a file with the points of every office of the published list
      (:func:`point_columns`), under ``static/`` and relative to it, fetched once
      and cached by the browser; ``texts_url``, the file with the same rows' texts
      (``[texts, rows]``), fetched only when the map needs a text; and ``shown``,
      which of its rows this map shows (base64 of a little-endian bitmap; ``None``
      for all). See :mod:`partner_directory.maps.office_file`.

    ``id`` changes with what is shown (streamlit-folium mounts a new map when
    the script changes); ``bounds`` are ``[[south, west], [north, east]]`` or
    ``None``. Preparing 10,000 offices inline takes a fifth of a second and
    1.9 MB in every rerun's message; by file, a bitmap of 1.7 KB.
    """

    id: str
    bounds: list[list[float]] | None
    json: str | None = None
    url: str | None = None
    shown: str | None = None
    texts_url: str | None = None


def office_data(offices: pd.DataFrame, *, language: str = "en") -> OfficeData:
    """Prepare ``offices`` (columns as for :func:`build_map`) for one or more maps, inside the map's page.

    >>> import pandas as pd
    >>> office_data(pd.DataFrame()).bounds is None
    True
    """
    rows, bounds = office_rows(offices, language=normalise_language(language))
    text = script_json(list(pack_rows(rows)), has_objects=False)
    return OfficeData(
        "partner-directory-offices-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20], bounds, json=text
    )


def placed_positions(offices: pd.DataFrame | None) -> npt.NDArray[np.intp]:
    """Positions (``iloc``) of the offices with a valid latitude and longitude: the ones a map can show.

    >>> import pandas as pd
    >>> placed_positions(pd.DataFrame({"latitude": [52.2, None, 91.0], "longitude": [21.0, 1.0, 0.0]})).tolist()
    [0]
    """
    if offices is None or offices.empty:
        return np.empty(0, dtype=np.intp)
    latitudes = numeric_column(offices, "latitude")
    longitudes = numeric_column(offices, "longitude")
    valid = np.isfinite(latitudes) & np.isfinite(longitudes) & (np.abs(latitudes) <= 90) & (np.abs(longitudes) <= 180)
    return np.flatnonzero(valid)


def office_rows(offices: pd.DataFrame, *, language: str = "en") -> tuple[list[list[Any]], list[list[float]] | None]:
    """Return the data array for the browser and the bounds of its offices.

    Each row holds the values named in :data:`ROW_FIELDS`; ``flags`` combines
    the precision code (:data:`PRECISION_CODES`, unknown = 3) with
    :data:`FLAG_WEBSITE_LINK`, :data:`FLAG_WEBSITE_ADD_SCHEME` and
    :data:`FLAG_EMAIL_LINK` (the selection is an option of the map, not part
    of its data). Services and known sectors are translated into ``language``; sectors and
    services are joined with ``", "``. Rows without valid coordinates
    (:func:`placed_positions`) are skipped. Bounds are
    ``[[south, west], [north, east]]``, or ``None`` with no rows.
    """
    keep = placed_positions(offices)
    if keep.size == 0:
        return [], None
    latitudes = numeric_column(offices, "latitude")
    longitudes = numeric_column(offices, "longitude")
    kept = keep.tolist()

    def column(name: str) -> list[str]:
        values = text_column(offices, name)
        return [values[index] for index in kept]

    shown: dict[str, list[str]] = {name: column(name) for name in OFFICE_COLUMNS}
    shown["country"] = [name or code for name, code in zip(column("country_name"), shown["country"], strict=True)]
    language = normalise_language(language)
    shown["sectors"] = [_joined_list(value, language) for value in shown["sectors"]]
    translate = _service_translator(language)
    shown["services"] = [translate(value) for value in shown["services"]]
    shown["website"] = [value.strip() for value in shown["website"]]
    shown["contact_email"] = [value.strip() for value in shown["contact_email"]]
    flags = [
        _row_flags(precision, website, email)
        for precision, website, email in zip(
            column("geocode_precision"), shown["website"], shown["contact_email"], strict=True
        )
    ]
    rows: list[list[Any]] = [
        [latitude, longitude, flag, *texts]
        for latitude, longitude, flag, *texts in zip(
            np.round(latitudes[keep], COORDINATE_DECIMALS).tolist(),
            np.round(longitudes[keep], COORDINATE_DECIMALS).tolist(),
            flags,
            *(shown[name] for name in OFFICE_COLUMNS),
            strict=True,
        )
    ]
    bounds = [
        [float(latitudes[keep].min()), float(longitudes[keep].min())],
        [float(latitudes[keep].max()), float(longitudes[keep].max())],
    ]
    return rows, bounds


def place_label_rows(places: Sequence[PlaceLabel]) -> list[list[Any]]:
    """Return ``[latitude, longitude, name, minimum zoom]`` for each place with a name and a position.

    The minimum zoom grows as the population falls
    (:data:`LABEL_ZOOM_BY_POPULATION`), so a wide view names only large cities. Largest
    city first: the map shows a label only where it overlaps none shown before it.

    >>> from types import SimpleNamespace as P
    >>> place_label_rows([P(name="Gdańsk", latitude=54.352, longitude=18.6466, population=461_865)])
    [[54.352, 18.6466, 'Gdańsk', 6]]
    """
    rows = []
    # Largest first: the map leaves out a label that would overlap one already shown (offices.js).
    for place in sorted(places, key=lambda place: -int(place.population or 0)):
        name = str(place.name or "").strip()
        latitude, longitude = float(place.latitude), float(place.longitude)
        if not name or not (math.isfinite(latitude) and math.isfinite(longitude)):
            continue
        population = int(place.population or 0)
        zoom = next(zoom for floor, zoom in LABEL_ZOOM_BY_POPULATION if population >= floor)
        rows.append([round(latitude, 4), round(longitude, 4), name, zoom])
    return rows


def point_columns(rows: list[list[Any]]) -> list[list[float] | list[int]]:
    """What the map's first view needs of ``rows`` (as :func:`office_rows` makes them): ``[latitudes, longitudes, flags]``.

    Clusters and markers need no text: names come with the texts, on demand.

    >>> point_columns([[54.35, 18.65, 1, "P1"], [52.23, 21.01, 0, "P2"]])
    [[54.35, 52.23], [18.65, 21.01], [1, 0]]
    """
    return [[row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]]


def pack_rows(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Store each distinct text once: return the texts and rows that point into them.

    The first three values of a row (latitude, longitude, flags) are kept;
    every text after them becomes its position in the returned list. Partner
    names, websites, cities, sectors and services repeat across offices, so
    this keeps 10,000 offices well under 2 MB of HTML.

    >>> pack_rows([[1.0, 2.0, 0, "P1", "Acme"], [3.0, 4.0, 0, "P1", ""]])
    (['', 'P1', 'Acme'], [[1.0, 2.0, 0, 1, 2], [3.0, 4.0, 0, 1, 0]])
    """
    positions: dict[str, int] = {"": 0}
    packed = []
    for row in rows:
        packed.append([*row[:3], *(positions.setdefault(value, len(positions)) for value in row[3:])])
    return list(positions), packed


def _row_flags(precision: str, website: str, email: str) -> int:
    """A row's flags: its precision code, and whether :mod:`~partner_directory.links` lets its website and e-mail be links."""
    flags = PRECISION_CODES.get(precision.strip().lower(), PRECISION_UNKNOWN)
    href = website_href(website)
    if href is not None:
        # The script adds "https://" to the raw value itself when told to.
        flags |= FLAG_WEBSITE_LINK | (FLAG_WEBSITE_ADD_SCHEME if href != website else 0)
    if email_href(email) is not None:
        flags |= FLAG_EMAIL_LINK
    return flags


def text_column(offices: pd.DataFrame, name: str) -> list[str]:
    """The column as plain strings: missing values become "", numbers their text."""
    if name not in offices.columns:
        return [""] * len(offices)
    return [str(value) for value in offices[name].astype("string").fillna("").tolist()]


def numeric_column(offices: pd.DataFrame, name: str) -> np.ndarray:
    """The column as floats: missing or unreadable values become NaN."""
    if name not in offices.columns:
        return np.full(len(offices), np.nan)
    return pd.to_numeric(offices[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@lru_cache(maxsize=4096)
def _joined_list(value: str, language: str) -> str:
    """``"Robotics; AI"`` -> ``"Robotyka, Sztuczna inteligencja"``: sectors in ``language``, one parser of lists."""
    return ", ".join(sector_name(item, language) for item in split_list(value))


def _service_translator(language: str) -> Callable[[str], str]:
    @lru_cache(maxsize=1024)
    def translate(value: str) -> str:
        names = []
        for key in split_list(value):
            names.append(t(f"map.service.{key}", language) if key in SERVICES else key)
        return ", ".join(names)

    return translate


def script_json(value: Any, *, has_objects: bool = True) -> str:
    """Serialise ``value`` as a JavaScript literal safe inside ``<script>``.

    ``<``, ``>``, ``&``, U+2028 and U+2029 become ``\\uXXXX`` escapes, so no
    text can close the script, open an HTML comment or end a JS line; ``{``
    and ``}`` inside strings are escaped too, so folium's Jinja re-parse
    never sees ``{{``, ``{%`` or ``{#``. ``has_objects=False`` promises that
    ``value`` holds only lists and scalars; then every brace is inside a
    string and the fast whole-text replacement is used.

    >>> script_json(["</script>{{x}}"], has_objects=False)
    '["\\\\u003c/script\\\\u003e\\\\u007b\\\\u007bx\\\\u007d\\\\u007d"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    if "{" not in text and "}" not in text:
        return text
    if has_objects:
        return _JSON_STRING.sub(_escape_braces, text)
    return _escape_braces_in(text)


def _escape_braces(match: re.Match[str]) -> str:
    return _escape_braces_in(match.group(0))


def _escape_braces_in(text: str) -> str:
    return text.replace("{", "\\u007b").replace("}", "\\u007d")
