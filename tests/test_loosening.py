"""Zero results say which one filter to loosen, with counts."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from partner_directory.search.criteria import Criteria
from partner_directory.search.loosening import Loosening, loosening_sentence, loosenings


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    latitude: float
    longitude: float
    kind: str = "city"


PLACES = {
    "gdańsk": Place("Gdańsk", "PL", 54.352, 18.6466),
    "tokio": Place("Tokyo", "JP", 35.6762, 139.6503),
    "polska": Place("Poland", "PL", 52.2297, 21.0122, "country"),
}


def resolve(name: str) -> Place | None:
    return PLACES.get(name.casefold())


def office(partner_id, name, city, country, lat, lon, sectors, services, languages):
    return {
        "partner_id": partner_id,
        "partner_name": name,
        "city": city,
        "country": country,
        "latitude": lat,
        "longitude": lon,
        "sectors": sectors,
        "services": services,
        "languages": languages,
        "continent": "",
    }


TABLE = pd.DataFrame(
    [
        office("gdansk", "Baltic Robotics", "Gdańsk", "PL", "54.352", "18.6466", "Robotics", "desk; events", "pl; en"),
        office("gdynia", "Baltic Robotics", "Gdynia", "PL", "54.5189", "18.5305", "Maritime", "desk", "pl"),
        office("warszawa", "Vistula Soft", "Warszawa", "PL", "52.2297", "21.0122", "Software", "desk", "pl; en"),
        office("berlin", "Spree Digital", "Berlin", "DE", "52.52", "13.405", "Robotics", "desk; events", "de; en"),
        office("tokyo", "Kanto Bridge", "東京", "JP", "35.6762", "139.6503", "Gaming", "desk", "ja; en"),
        office("osaka", "Kansai Games", "Osaka", "JP", "34.6937", "135.5023", "Gaming", "events", "ja"),
    ],
    dtype=object,
)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        # Something matches: nothing to loosen.
        (Criteria(sectors=("Robotics",)), ()),
        # Robotics within 300 km of Gdańsk is only Gdańsk; Gaming there is nothing.
        (
            Criteria(sectors=("Gaming",), near="Gdańsk", radius_km=300),
            (Loosening("sectors", 3), Loosening("near", 2)),
        ),
        (
            Criteria(text="robotics", countries=("JP",)),
            (Loosening("text", 2), Loosening("countries", 3)),  # "Baltic Robotics" in Gdynia too
        ),
        (
            Criteria(services=("events",), languages=("ja",), countries=("DE",)),
            (Loosening("countries", 1), Loosening("languages", 1)),
        ),
        (Criteria(languages=("de",), near="Tokio", radius_km=500), (Loosening("languages", 2), Loosening("near", 1))),
        # Two filters both to blame: no single one helps.
        (Criteria(sectors=("Gaming",), languages=("de",), countries=("PL",)), ()),
        # A place that is not known finds nothing: only dropping (or correcting) it can help.
        (Criteria(sectors=("Gaming",), countries=("PL",), near="Atlantis", radius_km=50), ()),
        (Criteria(sectors=("Gaming",), near="Atlantis", radius_km=50), (Loosening("place", 2),)),
    ],
)
def test_loosenings(criteria, expected):
    assert loosenings(TABLE, criteria, resolve_place=resolve) == expected


@pytest.mark.parametrize(
    ("found", "criteria", "language", "sentence"),
    [
        (
            (Loosening("sectors", 4), Loosening("near", 12)),
            Criteria(near="Gdańsk", radius_km=300),
            "en",
            "No offices match. Without the sector filter: 4; without the 300 km radius: 12.",
        ),
        (
            (Loosening("sectors", 4), Loosening("near", 12)),
            Criteria(near="Gdańsk", radius_km=12.5),
            "pl",
            "Żadne biuro nie pasuje. Bez filtra branży: 4; bez promienia 12,5 km: 12.",
        ),
        (
            (Loosening("text", 1), Loosening("services", 3), Loosening("languages", 2)),
            Criteria(text="  robotics   ai "),
            "en",
            "No offices match. Without the search text “robotics ai”: 1; without the service filter: 3; "
            "without the language filter: 2.",
        ),
        ((Loosening("near", 5),), Criteria(near="Polska"), "pl", "Żadne biuro nie pasuje. Bez miejsca „Polska”: 5."),
        ((Loosening("countries", 1), Loosening("continents", 7)), Criteria(), "pl",
         "Żadne biuro nie pasuje. Bez filtra kraju: 1; bez filtra kontynentu: 7."),
        ((), Criteria(), "en", "No offices match, and removing any one filter alone would not help; try “Clear the search”."),
        ((), Criteria(), "pl", "Żadne biuro nie pasuje, a usunięcie jednego filtra też by nie pomogło; spróbuj „Wyczyść”."),
    ],
)  # fmt: skip
def test_loosening_sentence(found, criteria, language, sentence):
    assert loosening_sentence(found, criteria, language=language) == sentence
