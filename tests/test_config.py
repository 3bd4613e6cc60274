"""Settings from the environment: what an empty value means."""

from __future__ import annotations

import pytest

from partner_directory.config import OSM_TILES, Settings


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
