"""Settings from the environment: what an empty value means."""

from __future__ import annotations

import pytest

from partner_directory.config import OSM_TILES, Settings
from partner_directory.errors import ConfigurationError


@pytest.mark.parametrize(
    ("environment", "field", "expected"),
    [
        ({}, "tile_url", OSM_TILES),
        ({"PARTNER_DIRECTORY_TILE_URL": ""}, "tile_url", ""),  # documented: empty for outlines only
        ({"PARTNER_DIRECTORY_TILE_URL": "  "}, "tile_url", ""),
        ({"PARTNER_DIRECTORY_TILE_URL": " /tiles/{z}/{x}/{y}.png "}, "tile_url", "/tiles/{z}/{x}/{y}.png"),
        ({"PARTNER_DIRECTORY_DATA_FILE": ""}, "data_file", Settings().data_file),  # empty: the default
        ({"PARTNER_DIRECTORY_UPLOAD_MAX_MB": " "}, "upload_max_mb", Settings().upload_max_mb),
        ({"PARTNER_DIRECTORY_ACCESS": ""}, "access", "public"),
    ],
)
def test_an_empty_value_is_the_default_except_where_empty_means_something(environment, field, expected):
    assert getattr(Settings.from_env(environment), field) == expected


@pytest.mark.parametrize(
    ("environment", "code"),
    [
        ({"PARTNER_DIRECTORY_OFFICE_LANGUAGE": "de"}, "config_language"),
        ({"PARTNER_DIRECTORY_OFFICE_LANGUAGE": "polski"}, "config_language"),
        ({"PARTNER_DIRECTORY_HOST_REMINDER_DAYS": "-1"}, "config_negative"),  # a day count is never negative
        ({"PARTNER_DIRECTORY_OFFICE_REMINDER_DAYS": "five"}, "config_number"),
    ],
)
def test_a_bad_value_is_named_in_a_sentence(environment, code):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env(environment)
    assert raised.value.code == code
    name = next(iter(environment))
    assert name in raised.value.message("en") and name in raised.value.message("pl")


@pytest.mark.parametrize(("raw", "expected"), [("", "pl"), ("en", "en"), (" EN ", "en"), ("pl", "pl")])
def test_the_office_language_is_polish_unless_set(raw, expected):
    assert Settings.from_env({"PARTNER_DIRECTORY_OFFICE_LANGUAGE": raw}).office_language == expected


def test_every_setting_has_a_row_in_the_readme_configuration_table():
    import dataclasses
    from pathlib import Path

    from partner_directory.config import PREFIX

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n\n**", 1)[
        0
    ]  # the table, up to the first paragraph after it
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    missing = [
        PREFIX + field.name.upper()
        for field in dataclasses.fields(Settings)
        if not any(row.startswith(f"| `{PREFIX}{field.name.upper()}` |") for row in rows)
    ]
    assert not missing, missing
    names = [row.split("`")[1] for row in rows]
    assert len(names) == len(set(names)), "a variable has two rows"
