"""Small partner tables and places shared by the search tests (``tests/test_search_*.py``), and what their fixtures load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.sheet.reading import check_file
from partner_directory.sheet.schema import COLUMNS


def office(partner_id: str, **fields: str) -> dict[str, str]:
    """One office row: every schema column, empty unless given."""
    row = dict.fromkeys((*COLUMNS, "continent"), "")
    row.update(partner_id=partner_id, partner_name=fields.pop("partner_name", partner_id.title()), **fields)
    return row


def frame(*offices: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(offices), dtype=object)


def found(result) -> list[str]:
    return list(result.rows["partner_id"])


TEXT_TABLE = frame(
    office(
        "baltic",
        partner_name="Baltic Robotics Hub",
        city="Gdańsk",
        country="PL",
        continent="EU",
        sectors="Robotics; AI",
        services="desk; meeting_room",
        languages="pl; en",
        contact_name="Ola Nowak",
        description="Coworking next to the shipyard.",
    ),
    office(
        "textile",
        partner_name="Łódź Textile Cluster",
        city="Łódź",
        country="PL",
        continent="EU",
        sectors="Textiles; Fashion",
        services="events",
        languages="pl",
    ),
    office(
        "bavaria",
        partner_name="Bavarian Automotive Network",
        city="München",
        country="DE",
        continent="EU",
        sectors="Automotive; Manufacturing",
        services="desk; internet; events",
        languages="de; en",
    ),
    office(
        "spree",
        partner_name="Spree Digital",
        city="Berlin",
        country="DE",
        continent="EU",
        sectors="Software; Fintech",
        services="internet",
        languages="de; en",
    ),
    office(
        "dubai",
        partner_name="Dubai Air Logistics",
        city="Dubai",
        country="AE",
        continent="AS",
        sectors="Logistics; Aviation",
        services="meeting_room",
        languages="ar; en",
        description="Air cargo hub, said to be the busiest.",
    ),
    office(
        "kanto",
        partner_name="Kanto Bridge",
        city="東京",
        country="JP",
        continent="AS",
        sectors="Gaming",
        services="introductions",
        languages="ja; en",
    ),
    office(
        "ciudad",
        partner_name="Ciudad Software",
        city="Ciudad de México",
        country="MX",
        continent="NA",
        sectors="Software",
        services="desk",
        languages="es",
    ),
    office(
        "aurora",
        partner_name="Aurora Health",
        city="Helsinki",
        country="FI",
        continent="EU",
        sectors="Health; AI",
        services="desk; events",
        languages="fi; en",
    ),
)


def demo_table(root: Path) -> pd.DataFrame:
    """The checked demo file ``data/partners.csv`` under the repository ``root``."""
    return check_file(root / "data" / "partners.csv").table


def gazetteer_lookup() -> Callable[[str], object]:
    """The real offline gazetteer's lookup (built into the user cache on first use)."""
    return default_gazetteer().find_place


NEAR_TABLE = frame(
    office(
        "gdansk",
        partner_name="Baltic Robotics",
        city="Gdańsk",
        country="PL",
        latitude="54.352",
        longitude="18.6466",
        sectors="Robotics",
    ),
    office(
        "gdynia",
        partner_name="Baltic Robotics",
        city="Gdynia",
        country="PL",
        latitude="54.5189",
        longitude="18.5305",
        sectors="Maritime",
    ),
    office(
        "warszawa",
        partner_name="Vistula Software",
        city="Warszawa",
        country="PL",
        latitude="52.2297",
        longitude="21.0122",
        sectors="Software; Robotics",
    ),
    office("poznan", partner_name="Warta Hub", city="Poznań", country="PL", sectors="Robotics"),  # no coordinates
    office(
        "berlin",
        partner_name="Spree Digital",
        city="Berlin",
        country="DE",
        latitude="52.52",
        longitude="13.405",
        sectors="Robotics",
    ),
    office(
        "muenchen",
        partner_name="Bavarian Robotics",
        city="München",
        country="DE",
        latitude="48.1374",
        longitude="11.5755",
        sectors="Robotics",
    ),
    office(
        "tokyo",
        partner_name="Kanto Bridge",
        city="東京",
        country="JP",
        latitude="35.6762",
        longitude="139.6503",
        sectors="Gaming",
    ),
)


class Place:
    """A place of known coordinates, shaped like the gazetteer's."""

    def __init__(self, name: str, country: str, latitude: float, longitude: float, kind: str) -> None:
        self.name, self.country, self.latitude, self.longitude, self.kind = name, country, latitude, longitude, kind


def known_places(name: str) -> Place | None:
    places = {"Gdańsk": Place("Gdańsk", "PL", 54.35227, 18.64912, "city")}
    return places.get(name)


PRECISION_TABLE = frame(
    office("street", city="Gdańsk", country="PL", latitude="54.3497", longitude="18.6536", geocode_precision="address"),
    office("city", city="Gdańsk", country="PL", latitude="54.35227", longitude="18.64912", geocode_precision="city"),
    office("far", city="Gdynia", country="PL", latitude="54.51889", longitude="18.53188", geocode_precision="city"),
    # placed at Poland's reference point (Warsaw) because its city was not known
    office("vague", city="Headquarters", country="PL", latitude="52.22977", longitude="21.01178",
           geocode_precision="country"),
)  # fmt: skip


def gdansk(name):
    return Place("Gdańsk", "PL", 54.35227, 18.64912, "city") if name == "Gdańsk" else None
