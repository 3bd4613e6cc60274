"""What a member asked for and the URL that carries it (``search/criteria.py``)."""

from __future__ import annotations

import pytest

from partner_directory.search.criteria import MAX_RADIUS_KM, Criteria, parse_radius

# -- URL query parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(),
        Criteria(text="robotics gdańsk"),
        Criteria(countries=("PL",), continents=("EU", "AS"), sectors=("AI", "Creative Industries")),
        Criteria(services=("desk", "meeting_room"), languages=("pl", "en")),
        Criteria(near="東京", radius_km=12.5),
        Criteria(text="AI", countries=("DE", "PL"), near="Danzig", radius_km=300.0),
    ],
)
def test_query_params_round_trip(criteria):
    params = criteria.to_query_params()
    assert all(isinstance(value, str | list) for value in params.values())
    assert Criteria.from_query_params(params) == criteria


def test_query_params_names():
    params = Criteria(text="x", countries=("PL",), services=("desk",), near="Gdańsk", radius_km=300).to_query_params()
    assert params == {"q": "x", "country": ["PL"], "service": ["desk"], "near": "Gdańsk", "radius": "300"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Criteria()),
        ({"radius": "abc"}, Criteria()),
        ({"radius": "-5"}, Criteria()),
        ({"radius": "0"}, Criteria()),
        ({"radius": "nan"}, Criteria()),
        ({"radius": "inf"}, Criteria()),
        ({"radius": "1e999"}, Criteria()),
        ({"radius": "300km"}, Criteria(radius_km=300.0)),
        ({"radius": " 12,5 km "}, Criteria(radius_km=12.5)),
        ({"radius": "99999"}, Criteria(radius_km=MAX_RADIUS_KM)),
        ({"radius": ["abc", "50"]}, Criteria(radius_km=50.0)),
        ({"service": ["desk", "parking", "sala konferencyjna", "desk"]}, Criteria(services=("desk", "meeting_room"))),
        ({"country": ["Polska", "XX", "de", ""]}, Criteria(countries=("PL", "DE"))),
        ({"country": "PL,DE"}, Criteria(countries=("PL", "DE"))),
        ({"continent": ["eu", "Atlantis"]}, Criteria(continents=("EU",))),
        ({"language": ["English", "klingon", "pl"]}, Criteria(languages=("en", "pl"))),
        ({"sector": ["  AI ", "", "AI"]}, Criteria(sectors=("AI",))),
        ({"q": ["first", "  second  "]}, Criteria(text="second")),
        ({"q": "x" * 5000}, Criteria(text="x" * 200)),
        ({"q": None, "near": 42, "country": 7}, Criteria(near="42")),
        ({"q": b"caf\xc3\xa9"}, Criteria(text="café")),
        ({"unknown": "value", "near": "   "}, Criteria()),
        ({"country": ["PL"] * 500}, Criteria(countries=("PL",))),
    ],
)
def test_query_params_junk(params, expected):
    assert Criteria.from_query_params(params) == expected


class QueryParams(dict):
    """Shaped like ``st.query_params``: item access gives the last value, ``get_all`` every value."""

    def __getitem__(self, key):
        return super().__getitem__(key)[-1]

    def get(self, key, default=None):
        values = super().get(key)
        return values[-1] if values else default

    def get_all(self, key):
        return list(super().get(key, []))


def test_query_params_from_streamlit_shaped_mapping():
    params = QueryParams(country=["PL", "DE"], q=["robotics"], radius=["100"], near=["Gdańsk"])
    assert Criteria.from_query_params(params) == Criteria(
        text="robotics", countries=("PL", "DE"), near="Gdańsk", radius_km=100.0
    )


@pytest.mark.parametrize(
    ("text", "radius"),
    [
        ("300", 300.0),
        ("300 km", 300.0),
        ("300KM", 300.0),
        ("0.5", 0.5),
        (",5", 0.5),
        ("12,5", 12.5),
        ("", None),
        ("km", None),
        ("-1", None),
        ("1e3", None),
        ("300 miles", None),
        ("20041", MAX_RADIUS_KM),
    ],
)
def test_parse_radius(text, radius):
    assert parse_radius(text) == radius
