from __future__ import annotations

import pytest

from partner_directory.sheet.schema import canonical_column, canonical_service, map_headers, split_list

HEADERS = [
    ("partner_name", "partner_name"),
    ("Partner Name", "partner_name"),
    ("PARTNER-NAME", "partner_name"),
    ("Nazwa", "partner_name"),
    ("Nazwa klastra", "partner_name"),
    ("nazwa_klastra", "partner_name"),
    ("Organisation", "partner_name"),
    ("organization", "partner_name"),
    ("Cluster", "partner_name"),
    ("Town", "city"),
    ("Miasto", "city"),
    ("Kraj", "country"),
    ("Państwo", "country"),
    ("PANSTWO", "country"),
    ("Street", "address"),
    ("Adres", "address"),
    ("Ulica", "address"),
    ("ZIP", "postal_code"),
    ("Postcode", "postal_code"),
    ("Kod pocztowy", "postal_code"),
    ("Email", "contact_email"),
    ("E-mail", "contact_email"),
    ("mail", "contact_email"),
    ("Phone", "contact_phone"),
    ("Tel", "contact_phone"),
    ("Telefon", "contact_phone"),
    ("Contact", "contact_name"),
    ("Contact person", "contact_name"),
    ("Osoba kontaktowa", "contact_name"),
    ("WWW", "website"),
    ("URL", "website"),
    ("Strona WWW", "website"),
    ("Strona", "website"),
    ("Sector", "sectors"),
    ("Branża", "sectors"),
    ("Branże", "sectors"),
    ("Usługi", "services"),
    ("Języki", "languages"),
    ("Opis", "description"),
    ("Lat", "latitude"),
    ("Szerokość", "latitude"),
    ("Lon", "longitude"),
    ("Lng", "longitude"),
    ("Długość", "longitude"),
    ("bra since", "bra_since"),
    ("Last verified", "last_verified"),
    ("Notatki", None),
    ("", None),
]


@pytest.mark.parametrize(("header", "column"), HEADERS)
def test_header_aliases(header, column):
    assert canonical_column(header) == column


def test_unknown_and_empty_headers_are_kept():
    mapping = map_headers(["Nazwa", "Moje uwagi", "", "Kraj", "Miasto"])
    assert mapping.columns == ("partner_name", "Moje uwagi", "column_3", "country", "city")
    assert mapping.extras == ("Moje uwagi", "column_3")
    assert mapping.missing == ()


def test_missing_required():
    assert map_headers(["name"]).missing == ("country", "city or address")


@pytest.mark.parametrize(("value", "items"), [("a; b|c", ["a", "b", "c"]), (" ; |", []), ("Robotics", ["Robotics"])])
def test_split_list(value, items):
    assert split_list(value) == items


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("desk", "desk"),
        ("Biurko", "desk"),
        ("meeting_room", "meeting_room"),
        ("Meeting room", "meeting_room"),
        ("sala konferencyjna", "meeting_room"),
        ("Wi-Fi", "internet"),
        ("Wprowadzenia", "introductions"),
        ("wydarzenia", "events"),
        ("parking", None),
    ],
)
def test_services(value, key):
    assert canonical_service(value) == key
