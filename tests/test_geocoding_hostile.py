"""The online geocoder against a hostile server on 127.0.0.1: a total deadline, a size cap, no wrapped coordinates."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import pytest

from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.geo.geocoding.base import Query
from partner_directory.geo.geocoding.cache import GeocodeCache
from tests.conftest import ROOT
from tests.nominatim_server import NominatimServer, place
from tests.test_geocoding import online

GDANSK = Query(address="Mariacka 1", city="Gdańsk", country="PL")


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


def test_an_answer_trickling_one_byte_every_two_seconds_is_given_up_at_the_deadline(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.mode, server.behaviour.delay = "trickle", 2.0
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite", timeout=3.0)
        started = time.monotonic()
        result = geocoder.geocode(GDANSK)
        elapsed = time.monotonic() - started
    assert elapsed < 3.0 + 2.5, elapsed  # the deadline, plus at most one byte's wait; was: still running at 200 s
    assert (result.source, result.precision) == ("gazetteer", "city")  # fell back
    assert geocoder.online.warnings


@pytest.mark.parametrize("with_length", [True, False])
def test_a_huge_answer_is_refused_at_the_cap_without_reading_it(gazetteer, tmp_path, with_length):
    with NominatimServer() as server:
        server.behaviour.mode, server.behaviour.huge_mb, server.behaviour.with_length = "huge", 300, with_length
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite", timeout=20.0)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        result = geocoder.geocode(GDANSK)
        elapsed = time.monotonic() - started
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        time.sleep(0.5)
        sent = server.behaviour.bytes_sent
    assert result.source == "gazetteer"
    assert elapsed < 10, elapsed
    assert grown_mb < 50, grown_mb  # was: 300 MB accepted, 2 GB of memory
    assert sent < 100 * 1024 * 1024, sent  # the client hung up long before the end


def test_coordinates_out_of_range_are_refused_never_wrapped_nor_cached(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.places = {"mariacka": place(54.35, 999.0, "Mariacka 1, Gdańsk", "PL")}
        geocoder = online(server.domain, gazetteer, tmp_path / "c.sqlite")
        result = geocoder.geocode(GDANSK)
    assert result.source == "gazetteer" and -180 <= result.longitude <= 180  # was: online, longitude -81
    assert result.longitude != pytest.approx(-81.0)
    cached = GeocodeCache(tmp_path / "c.sqlite").get(GDANSK.key)
    assert cached is None or cached.source != "online"


def test_out_of_range_latitude_too(gazetteer, tmp_path):
    with NominatimServer() as server:
        server.behaviour.places = {"mariacka": place(123.0, 18.6, "Mariacka 1, Gdańsk", "PL")}
        result = online(server.domain, gazetteer, tmp_path / "c.sqlite").geocode(GDANSK)
    assert result.source == "gazetteer"


# The command as `python -m partner_directory` runs it, with a file handler on the package's
# logger only: a record that escaped the package's log would still reach stderr by Python's last resort.
COMMAND_WITH_PACKAGE_LOG = """
import logging, sys
handler = logging.FileHandler(sys.argv[1], encoding="utf-8")
handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
logging.getLogger("partner_directory").addHandler(handler)
from partner_directory.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_geopys_warnings_go_to_the_log_not_stderr(tmp_path):
    data = tmp_path / "p.csv"
    data.write_text(
        "partner_name,address,city,country\nA,Mariacka 1,Gdańsk,PL\nB,Długa 5,Gdańsk,PL\n", encoding="utf-8"
    )
    log_file = tmp_path / "package.log"
    with NominatimServer() as server:
        # A latitude of 95 makes geopy warn about latitude normalization before it refuses the point.
        server.behaviour.places = {"mariacka": place(95.0, 18.6, "Mariacka 1, Gdańsk", "PL")}
        environment = {
            **os.environ,
            "PARTNER_DIRECTORY_ONLINE_GEOCODING": "true",
            "PARTNER_DIRECTORY_GEOCODER_DOMAIN": server.domain,
            "PARTNER_DIRECTORY_GEOCODER_SCHEME": "http",
            "PARTNER_DIRECTORY_GEOCODER_MIN_DELAY": "0",
            "PARTNER_DIRECTORY_GEOCODE_CACHE": str(tmp_path / "c.sqlite"),
            "PARTNER_DIRECTORY_LANGUAGE": "en",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                COMMAND_WITH_PACKAGE_LOG,
                str(log_file),
                "geocode",
                str(data),
                "--out",
                str(tmp_path / "o.csv"),
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "geopy" not in done.stderr, done.stderr  # was: geopy's UserWarning
    assert "normalization" not in done.stderr
    logged = log_file.read_text(encoding="utf-8").splitlines()
    geopy_warnings = [line for line in logged if line.startswith("WARNING partner_directory.") and "geopy: " in line]
    assert any("Latitude normalization" in line for line in geopy_warnings), logged
    assert (tmp_path / "o.csv").exists()
