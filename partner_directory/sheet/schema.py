"""The partner table's columns: names, aliases, list fields and services.

One row is one office of one partner; offices of the same partner share
``partner_name``. ``partner_id`` identifies the row (the office) and is
unique in a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from partner_directory.i18n import t, tables
from partner_directory.text import fold, fold_compact

#: Every column the schema knows, in the order the canonical CSV writes them.
COLUMNS: tuple[str, ...] = (
    "partner_id",
    "partner_name",
    "office_name",
    "address",
    "postal_code",
    "city",
    "country",
    "latitude",
    "longitude",
    "sectors",
    "services",
    "languages",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "description",
    "bra_since",
    "last_verified",
)

#: Columns the validated table adds that are not written back to the partner file.
DERIVED_COLUMNS: tuple[str, ...] = ("source_row", "continent")

#: Columns computed for the screen (coordinates as numbers, search scores); never written to files.
COMPUTED_COLUMNS: tuple[str, ...] = (
    "lat",
    "lon",
    "score",
    "distance_km",
    "geocode_note",
    "geocode_suggestions",
    "distance_text",
)

#: Columns geocoding adds; written by ``geocode`` and kept in the published file.
GEOCODE_COLUMNS: tuple[str, ...] = ("geocode_source", "geocode_precision")

#: What one office shows wherever offices are listed one by one -- the map's popups and the
#: command line's search results -- in this order (the map shows ``country`` by its name).
OFFICE_COLUMNS: tuple[str, ...] = (
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
)

#: Columns a file must have (``city`` or ``address`` is enough for the place).
REQUIRED_COLUMNS: tuple[str, ...] = ("partner_name", "country")
PLACE_COLUMNS: tuple[str, ...] = ("city", "address")

LIST_COLUMNS: tuple[str, ...] = ("sectors", "services", "languages")
#: Every one of these separates the items of a list cell: ``"Robotics; AI"``, ``"AI | IoT"``, ``"biurko, internet"``.
LIST_SEPARATORS: tuple[str, ...] = (";", "|", ",")
LIST_JOINER = "; "
DATE_COLUMNS: tuple[str, ...] = ("bra_since", "last_verified")
LINK_COLUMNS: tuple[str, ...] = ("website",)

#: What a host offers under the BRA, in display order.
SERVICES: tuple[str, ...] = ("desk", "meeting_room", "internet", "introductions", "events")

#: Other spellings of a service, English and Polish, folded.
SERVICE_ALIASES: Mapping[str, str] = {
    "desk": "desk",
    "desks": "desk",
    "hot desk": "desk",
    "coworking": "desk",
    "biurko": "desk",
    "stanowisko pracy": "desk",
    "miejsce do pracy": "desk",
    "meeting room": "meeting_room",
    "meeting rooms": "meeting_room",
    "meetingroom": "meeting_room",
    "conference room": "meeting_room",
    "sala": "meeting_room",
    "sala spotkan": "meeting_room",
    "sala konferencyjna": "meeting_room",
    "sala konferencyjne": "meeting_room",
    "salka": "meeting_room",
    "internet": "internet",
    "wifi": "internet",
    "wi fi": "internet",
    "dostep do internetu": "internet",
    "introductions": "introductions",
    "introduction": "introductions",
    "local introductions": "introductions",
    "wprowadzenia": "introductions",
    "przedstawienia": "introductions",
    "kontakty": "introductions",
    "kontakty lokalne": "introductions",
    "networking": "introductions",
    "events": "events",
    "event": "events",
    "wydarzenia": "events",
    "wydarzenie": "events",
}

#: Header spellings per column, English, Polish and some German; compared folded
#: and without spaces, underscores or hyphens (see :func:`header_key`).
HEADER_ALIASES: Mapping[str, tuple[str, ...]] = {
    "partner_id": ("partner id", "id", "identyfikator", "id partnera", "slug"),
    "partner_name": (
        "partner name",
        "partner",
        "name",
        "organisation",
        "organization",
        "cluster",
        "cluster name",
        "nazwa",
        "nazwa klastra",
        "nazwa partnera",
        "klaster",
        "organizacja",
        "partner nazwa",
    ),
    "office_name": ("office", "office name", "biuro", "oddzial", "nazwa biura", "siedziba", "buro"),
    "address": ("street", "adres", "ulica", "street address", "anschrift", "strasse", "adresse"),
    "postal_code": ("zip", "zip code", "postcode", "post code", "postal code", "kod pocztowy", "plz", "postleitzahl"),
    "city": ("town", "miasto", "miejscowosc", "stadt", "ort", "ville", "ciudad"),
    "country": ("kraj", "panstwo", "land", "pays", "pais", "country code", "kod kraju"),
    "latitude": ("lat", "szerokosc", "szerokosc geograficzna", "breite", "breitengrad"),
    "longitude": ("lon", "lng", "long", "dlugosc", "dlugosc geograficzna", "lange", "laengengrad", "langengrad"),
    "sectors": ("sector", "branza", "branze", "sektor", "sektory", "industries", "industry", "specjalizacja"),
    "services": ("service", "uslugi", "usluga", "oferta", "leistungen"),
    "languages": ("language", "jezyki", "jezyk", "sprachen"),
    "contact_name": ("contact", "contact person", "osoba kontaktowa", "kontakt", "ansprechpartner"),
    "contact_email": (
        "email",
        "e-mail",
        "mail",
        "email address",
        "adres email",
        "adres e-mail",
        "contact e-mail",
        "e-mail kontaktowy",
    ),
    "contact_phone": (
        "phone",
        "tel",
        "telefon",
        "telephone",
        "phone number",
        "numer telefonu",
        "nr telefonu",
        "telefon kontaktowy",
    ),
    "website": ("www", "url", "strona www", "strona", "web", "web site", "strona internetowa", "webseite", "homepage"),
    "description": ("opis", "notes", "uwagi", "beschreibung", "about"),
    "bra_since": ("bra since", "member since", "w bra od", "czlonek od", "since", "data przystapienia"),
    "last_verified": (
        "last verified",
        "verified",
        "zweryfikowano",
        "data weryfikacji",
        "ostatnia weryfikacja",
        "sprawdzono",
    ),
}


def header_key(header: str) -> str:
    """Fold a header for matching: case, spaces, underscores, hyphens and accents ignored."""
    return fold_compact(header)


_HEADER_LOOKUP: dict[str, str] = {}
for _column, _aliases in HEADER_ALIASES.items():
    for _spelling in (_column, *_aliases):
        _HEADER_LOOKUP[header_key(_spelling)] = _column


def canonical_column(header: str) -> str | None:
    """Return the schema column a header names, or ``None`` for an unknown column.

    >>> canonical_column("Nazwa klastra"), canonical_column("E-mail"), canonical_column("Notes 2")
    ('partner_name', 'contact_email', None)
    """
    return _HEADER_LOOKUP.get(header_key(header))


@dataclass(frozen=True)
class HeaderMapping:
    """How a file's headers map onto the schema.

    ``columns`` has one entry per header in file order: the canonical name for
    a known column, the header itself (stripped) for an extra one.
    ``duplicates`` lists ``(header, canonical)`` pairs naming the same column twice.
    """

    headers: tuple[str, ...]
    columns: tuple[str, ...]
    duplicates: tuple[tuple[str, str], ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Required columns the file lacks; ``("city or address",)`` when neither is there."""
        missing = [column for column in REQUIRED_COLUMNS if column not in self.columns]
        if not any(column in self.columns for column in PLACE_COLUMNS):
            missing.append(" or ".join(PLACE_COLUMNS))
        return tuple(missing)

    @property
    def extras(self) -> tuple[str, ...]:
        """Columns the schema does not know, kept and written back unchanged."""
        return tuple(c for c in self.columns if c not in COLUMNS)


def map_headers(headers: Iterable[str]) -> HeaderMapping:
    """Match each header to a schema column (see :data:`HEADER_ALIASES`).

    An empty header becomes ``column_N`` (its 1-based position) so that the
    data under it is kept.
    """
    headers = tuple(headers)
    columns: list[str] = []
    duplicates: list[tuple[str, str]] = []
    seen: set[str] = set()
    seen_keys: set[str] = set()  # folded, so "Notes" and "notes" are one column; one set keeps this linear
    for position, header in enumerate(headers, start=1):
        clean = header.strip()
        column = canonical_column(clean) if clean else None
        name = column or clean or f"column_{position}"
        key = header_key(name)
        if name in seen or (column is None and key in seen_keys):
            duplicates.append((clean, name))
        seen.add(name)
        seen_keys.add(key)
        columns.append(name)
    return HeaderMapping(headers=headers, columns=tuple(columns), duplicates=tuple(duplicates))


def split_list(value: str) -> list[str]:
    """Split a list cell on ``;``, ``|`` or ``,`` (:data:`LIST_SEPARATORS`); items are stripped, empty ones dropped.

    The one parser of list cells: validation and every reader of the published
    list use it (see :mod:`partner_directory.sheet.contract`).

    >>> split_list("Robotics; AI | IoT;")
    ['Robotics', 'AI', 'IoT']
    >>> split_list("biurko, internet,, ")
    ['biurko', 'internet']
    """
    for separator in LIST_SEPARATORS[1:]:
        value = value.replace(separator, LIST_SEPARATORS[0])
    return [item.strip() for item in value.split(LIST_SEPARATORS[0]) if item.strip()]


def join_list(items: Iterable[str]) -> str:
    """Join list items the way the canonical CSV writes them (``"a; b"``)."""
    return LIST_JOINER.join(items)


def canonical_service(value: str) -> str | None:
    """Return the service key for a spelling (English or Polish), or ``None``.

    >>> canonical_service("Sala konferencyjna"), canonical_service("Wi-Fi"), canonical_service("parking")
    ('meeting_room', 'internet', None)
    """
    key = fold(value).replace("_", " ").replace("-", " ")
    return SERVICE_ALIASES.get(" ".join(key.split()))


#: Translation keys of the sector vocabulary: ``sector.<folded name>`` (``translations/words_layout.json``).
SECTOR_KEY_PREFIX = "sector."


def sector_key(value: str) -> str:
    """The translation key of a sector as the data spells it: case, accents and spacing folded.

    >>> sector_key("  Smart   CITY "), sector_key("Cybersecurity")
    ('sector.smart city', 'sector.cybersecurity')
    """
    return SECTOR_KEY_PREFIX + " ".join(fold(value).split())


def sector_name(value: str, language: str) -> str:
    """A sector named in ``language`` -- the one place the sector vocabulary is read.

    A sector the vocabulary knows is named in the page's language ("Robotics" →
    "Robotyka"); any other keeps the data's own spelling, never a key.

    >>> sector_name("robotics", "pl"), sector_name("Robotics", "en"), sector_name("Quantum stuff", "pl")
    ('Robotyka', 'Robotics', 'Quantum stuff')
    """
    key = sector_key(value)
    return t(key, language) if key in tables() else value.strip()
