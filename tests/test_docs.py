"""The README stays honest: every setting, CSV column and command it should name, it names."""

from __future__ import annotations

from dataclasses import fields

import pytest

from partner_directory.cli import build_parser
from partner_directory.config import PREFIX, Settings
from partner_directory.sheet.schema import COLUMNS, HEADER_ALIASES, SERVICES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [PREFIX + field.name.upper() for field in fields(Settings)])
def test_every_setting_is_documented(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("column", COLUMNS)
def test_every_csv_column_is_documented(column):
    assert f"`{column}`" in README


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_documented(service):
    assert f"`{service}`" in README


def test_every_command_is_documented():
    parser = build_parser()
    names = next(a for a in parser._actions if a.dest == "command").choices
    for name in names:
        assert f"partner_directory {name}" in README, name


def test_the_two_commands_and_polish_headers_are_documented():
    assert "make run" in README and "make test" in README
    for alias in ("nazwa klastra", "miasto", "kraj", "kod pocztowy", "osoba kontaktowa"):
        assert alias in README
        assert any(alias in aliases for aliases in HEADER_ALIASES.values())


def test_template_has_every_column():
    header = (ROOT / "data" / "partners_template.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(COLUMNS)
