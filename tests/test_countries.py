from __future__ import annotations

import pytest

from partner_directory.geo.countries import continent_of, country_name, resolve_country

RECOGNISED = [
    ("PL", "PL"),
    ("pl", "PL"),
    ("POL", "PL"),
    ("Poland", "PL"),
    ("Republic of Poland", "PL"),
    ("Polska", "PL"),
    ("Polen", "PL"),
    ("Pologne", "PL"),
    ("Deutschland", "DE"),
    ("Niemcy", "DE"),
    ("Federal Republic of Germany", "DE"),
    ("Suomi", "FI"),
    ("日本", "JP"),
    ("Україна", "UA"),
    ("Россия", "RU"),
    ("대한민국", "KR"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("Stany Zjednoczone", "US"),
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("Wielka Brytania", "GB"),
    ("UAE", "AE"),
    ("Zjednoczone Emiraty Arabskie", "AE"),
    ("South Korea", "KR"),
    ("Korea Południowa", "KR"),
    ("Czech Republic", "CZ"),
    ("Czechia", "CZ"),
    ("Czechy", "CZ"),
    ("the Netherlands", "NL"),
    ("Holandia", "NL"),
    ("Nederland", "NL"),
    ("España", "ES"),
    ("Espana", "ES"),
    ("Brasil", "BR"),
    ("México", "MX"),
    ("Sverige", "SE"),
    ("Schweiz", "CH"),
    ("Österreich", "AT"),
    ("Taiwan", "TW"),
    ("台灣", "TW"),
    ("Côte d'Ivoire", "CI"),
    ("Ivory Coast", "CI"),
    ("Türkiye", "TR"),
    ("Turkey", "TR"),
    ("  polska  ", "PL"),
]


@pytest.mark.parametrize(("text", "code"), RECOGNISED)
def test_recognised(text, code):
    assert resolve_country(text) == code


@pytest.mark.parametrize("text", ["Atlantis", "", "   ", "Narnia", "XX"])
def test_not_recognised(text):
    assert resolve_country(text) is None


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        ("DE", "en", "Germany"),
        ("DE", "pl", "Niemcy"),
        ("KR", "en", "South Korea"),
        ("KR", "pl", "Korea Południowa"),
        ("TW", "en", "Taiwan"),
        ("TW", "pl", "Tajwan"),
        ("GB", "pl", "Wielka Brytania"),
        ("ZZ", "pl", "ZZ"),
    ],
)
def test_country_name(code, language, name):
    assert country_name(code, language) == name


@pytest.mark.parametrize(
    ("code", "continent"),
    [("PL", "EU"), ("JP", "AS"), ("US", "NA"), ("BR", "SA"), ("KE", "AF"), ("AU", "OC"), ("ZZ", "")],
)
def test_continent(code, continent):
    assert continent_of(code) == continent
