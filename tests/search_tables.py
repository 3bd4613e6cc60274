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


#: Polish forms a member types → the base form a search must understand, and kind:case (88 forms).
#: Also the table on which Morfeusz 2 (100%) was chosen over simplemma (93%): see search/inflection.py.
POLISH_FORMS: list[tuple[str, str, str]] = [
    # cities, locative
    ("Wiedniu", "Wiedeń", "city:loc"),
    ("Pradze", "Praga", "city:loc"),
    ("Sztokholmie", "Sztokholm", "city:loc"),
    ("Kopenhadze", "Kopenhaga", "city:loc"),
    ("Mediolanie", "Mediolan", "city:loc"),
    ("Monachium", "Monachium", "city:loc"),
    ("Rzymie", "Rzym", "city:loc"),
    ("Lizbonie", "Lizbona", "city:loc"),
    ("Krakowie", "Kraków", "city:loc"),
    ("Gdańsku", "Gdańsk", "city:loc"),
    ("Warszawie", "Warszawa", "city:loc"),
    ("Berlinie", "Berlin", "city:loc"),
    ("Paryżu", "Paryż", "city:loc"),
    ("Londynie", "Londyn", "city:loc"),
    ("Brukseli", "Bruksela", "city:loc"),
    ("Wilnie", "Wilno", "city:loc"),
    ("Poznaniu", "Poznań", "city:loc"),
    ("Wrocławiu", "Wrocław", "city:loc"),
    ("Łodzi", "Łódź", "city:loc"),
    ("Kolonii", "Kolonia", "city:loc"),
    ("Lipsku", "Lipsk", "city:loc"),
    ("Dreźnie", "Drezno", "city:loc"),
    ("Atenach", "Ateny", "city:loc"),
    ("Budapeszcie", "Budapeszt", "city:loc"),
    ("Madrycie", "Madryt", "city:loc"),
    ("Genewie", "Genewa", "city:loc"),
    # cities, genitive
    ("Berlina", "Berlin", "city:gen"),
    ("Wiednia", "Wiedeń", "city:gen"),
    ("Pragi", "Praga", "city:gen"),
    ("Krakowa", "Kraków", "city:gen"),
    ("Mediolanu", "Mediolan", "city:gen"),
    ("Paryża", "Paryż", "city:gen"),
    ("Madrytu", "Madryt", "city:gen"),
    ("Kopenhagi", "Kopenhaga", "city:gen"),
    ("Sztokholmu", "Sztokholm", "city:gen"),
    # cities, instrumental
    ("Krakowem", "Kraków", "city:ins"),
    ("Warszawą", "Warszawa", "city:ins"),
    ("Wiedniem", "Wiedeń", "city:ins"),
    ("Paryżem", "Paryż", "city:ins"),
    ("Sztokholmem", "Sztokholm", "city:ins"),
    ("Lizboną", "Lizbona", "city:ins"),
    # countries
    ("Niemczech", "Niemcy", "country:loc"),
    ("Francji", "Francja", "country:loc"),
    ("Włoszech", "Włochy", "country:loc"),
    ("Hiszpanii", "Hiszpania", "country:loc"),
    ("Czechach", "Czechy", "country:loc"),
    ("Austrii", "Austria", "country:loc"),
    ("Szwecji", "Szwecja", "country:loc"),
    ("Danii", "Dania", "country:loc"),
    ("Polsce", "Polska", "country:loc"),
    ("Węgrzech", "Węgry", "country:loc"),
    ("Holandii", "Holandia", "country:loc"),
    ("Norwegii", "Norwegia", "country:loc"),
    ("Niemiec", "Niemcy", "country:gen"),
    ("Czech", "Czechy", "country:gen"),
    ("Włoch", "Włochy", "country:gen"),
    ("Finlandii", "Finlandia", "country:gen"),
    ("Niemcami", "Niemcy", "country:ins"),
    ("Francją", "Francja", "country:ins"),
    ("Hiszpanią", "Hiszpania", "country:ins"),
    # sectors
    ("robotyką", "robotyka", "sector:ins"),
    ("robotyki", "robotyka", "sector:gen"),
    ("robotyce", "robotyka", "sector:loc"),
    ("biotechnologii", "biotechnologia", "sector:gen"),
    ("biotechnologią", "biotechnologia", "sector:ins"),
    ("logistyce", "logistyka", "sector:loc"),
    ("logistyką", "logistyka", "sector:ins"),
    ("energetyce", "energetyka", "sector:loc"),
    ("energetyki", "energetyka", "sector:gen"),
    ("spożywczej", "spożywczy", "sector:loc"),
    ("branży", "branża", "sector:loc"),
    ("cyberbezpieczeństwie", "cyberbezpieczeństwo", "sector:loc"),
    ("cyberbezpieczeństwem", "cyberbezpieczeństwo", "sector:ins"),
    ("motoryzacji", "motoryzacja", "sector:gen"),
    ("motoryzacją", "motoryzacja", "sector:ins"),
    ("turystyce", "turystyka", "sector:loc"),
    ("medycyną", "medycyna", "sector:ins"),
    ("rolnictwie", "rolnictwo", "sector:loc"),
    ("rolnictwem", "rolnictwo", "sector:ins"),
    ("edukacji", "edukacja", "sector:loc"),
    ("lotnictwie", "lotnictwo", "sector:loc"),
    ("chemii", "chemia", "sector:gen"),
    ("sztucznej", "sztuczny", "sector:gen"),
    ("inteligencji", "inteligencja", "sector:gen"),
    ("Górnym", "górny", "area:loc"),
    ("Śląsku", "Śląsk", "area:loc"),
    ("Trójmieście", "Trójmiasto", "area:loc"),
    ("Zagłębiu", "Zagłębie", "area:loc"),
]


#: Offices placed by coordinates in cities Polish names differently, for the grammar tests.
GRAMMAR_TABLE = frame(
    office("wien", city="Wien", country="AT", sectors="Robotics", latitude="48.2082", longitude="16.3738"),
    office(
        "praha",
        partner_name="Prague Cluster",
        city="Praha",
        country="CZ",
        sectors="ICT",
        latitude="50.0755",
        longitude="14.4378",
    ),
    office(
        "muenchen",
        city="München",
        country="DE",
        sectors="Robotics; Automotive",
        latitude="48.1351",
        longitude="11.5820",
    ),
    office("berlin", city="Berlin", country="DE", sectors="Biotech", latitude="52.5200", longitude="13.4050"),
    office("stockholm", city="Stockholm", country="SE", sectors="Fintech", latitude="59.3293", longitude="18.0686"),
    office("kobenhavn", city="København", country="DK", sectors="Health", latitude="55.6761", longitude="12.5683"),
    office("malmo", city="Malmö", country="SE", sectors="Agrifood", latitude="55.6050", longitude="13.0038"),
    office("milano", city="Milano", country="IT", sectors="Agrifood; Fashion", latitude="45.4642", longitude="9.1900"),
    office("krakow", city="Kraków", country="PL", sectors="Gaming", latitude="50.0647", longitude="19.9450"),
    office("katowice", city="Katowice", country="PL", sectors="Energy", latitude="50.2649", longitude="19.0238"),
    office("gliwice", city="Gliwice", country="PL", sectors="Robotics", latitude="50.2945", longitude="18.6714"),
    office("gdynia", city="Gdynia", country="PL", sectors="Maritime", latitude="54.5189", longitude="18.5305"),
    office("utrecht", city="Utrecht", country="NL", sectors="Health", latitude="52.0907", longitude="5.1214"),
    office("amersfoort", city="Amersfoort", country="NL", sectors="Health", latitude="52.1561", longitude="5.3878"),
    office("essen", city="Essen", country="DE", sectors="Energy", latitude="51.4556", longitude="7.0116"),
)
