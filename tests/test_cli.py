"""The command line, run as a real process the way staff scripts run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partner_directory", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def test_validate_clean_file_exits_0(files):
    result = run("validate", str(files / "polish_cp1250_semicolon.csv"))
    assert result.returncode == 0, result.stderr
    assert "2 rows, 0 errors" in result.stdout


def test_validate_json_lists_errors_with_rows(files):
    result = run("validate", str(files / "problems.csv"), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["rows"] == 17
    assert any(
        e["row"] == 7 and e["column"] == "website" and "javascript:alert(1)" in e["message"] for e in report["errors"]
    )
    assert any(w["row"] == 12 for w in report["warnings"])


def test_validate_in_polish(files):
    result = run("--lang", "pl", "validate", str(files / "problems.csv"))
    assert result.returncode == 1
    assert "wiersz 6, contact_email · Błąd: „not-an-email” nie jest poprawnym adresem e-mail." in result.stdout


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("nope.csv", "does not exist"),
        ("", "is a folder"),
        ("empty.csv", "is empty"),
        ("binary.csv", "binary data"),
        ("notes.pdf", "has the extension .pdf"),
    ],
)
def test_unusable_input_exits_2_with_one_sentence(files, name, sentence):
    result = run("validate", str(files / name))
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_columns_is_one_clear_message(files):
    result = run("validate", str(files / "missing_columns.csv"))
    assert result.returncode == 1
    assert (
        "lacks the required column(s) country, city or address; the columns found are: Nazwa, Telefon" in result.stdout
    )


def test_export_writes_canonical_csv(files, tmp_path):
    out = tmp_path / "out.csv"
    result = run("export", str(files / "polish_cp1250_semicolon.csv"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_bytes().decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("partner_id,partner_name,office_name,address,postal_code,city,country")
    assert "pomorski-klaster-ict-gdansk,Pomorski Klaster ICT" in first
    assert ",PL," in first and "https://klaster.example.org" in first
    assert "desk; meeting_room; internet" in first


def test_export_to_xlsx_and_to_a_folder(files, tmp_path):
    assert run("export", str(files / "polish.xlsx"), "--out", str(tmp_path / "o.xlsx")).returncode == 0
    result = run("export", str(files / "polish.xlsx"), "--out", str(tmp_path))
    assert result.returncode == 2 and "is a folder" in result.stderr


def test_usage_error_is_not_a_traceback():
    result = run("validate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_geocode_writes_places_and_lists_unresolved_rows(files, tmp_path):
    out = tmp_path / "placed.csv"
    result = run("geocode", str(files / "problems.csv"), "--out", str(out), "--offline")
    assert result.returncode == 1  # the file has errors; the places are written anyway
    assert "Not placed (spreadsheet rows): 4, 13." in result.stdout
    header = out.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header.endswith("geocode_source,geocode_precision")


def test_search_command_formats(files, root):
    table = run("search", str(root / "data" / "partners.csv"), "--q", "robtics", "--near", "Danzig", "--km", "1500")
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("4 partners in 4 countries")
    as_json = run("search", str(root / "data" / "partners.csv"), "--country", "Niemcy", "--format", "json")
    data = json.loads(as_json.stdout)
    assert {office["country"] for office in data["offices"]} == {"DE"}
    as_csv = run("search", str(root / "data" / "partners.csv"), "--service", "biurko", "--format", "csv")
    assert as_csv.stdout.startswith("partner_id,partner_name")
    nothing = run("search", str(root / "data" / "partners.csv"), "--q", "zzzzqqq")
    assert nothing.returncode == 1


def test_map_command_writes_one_self_contained_page(root, tmp_path):
    out = tmp_path / "map.html"
    result = run("--lang", "pl", "map", str(root / "data" / "partners.csv"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "<script src=" not in html and 'rel="stylesheet" href="http' not in html
    assert "new global.Supercluster(" in html
    assert oct(out.stat().st_mode & 0o777) != "0o600"  # readable by the web server that embeds it


def test_validate_names_the_files_own_headers(files):
    result = run("validate", str(files / "partnerzy_eksport_excel_cp1250.csv"))
    assert result.returncode == 1
    assert "row 5, e-mail kontaktowy · Error: “piotr(at)warta.example.org” is not a valid" in result.stdout
    assert "row 8, Strona WWW · Error:" in result.stdout
    assert "contact_email" not in result.stdout


# -- issue 11: the geocoder says when it is unsure; search is honest and speaks both languages --------


def test_geocode_prints_the_suggestions(files, tmp_path):
    out = tmp_path / "placed.csv"
    result = run("geocode", str(files / "geocoding_real_rows.csv"), "--out", str(out), "--offline")
    assert result.returncode == 0, result.stderr
    assert (
        "Row 14 (“Bydgosz”): Not a city name as written; placed at Bydgoszcz (Kujawsko-Pomorskie), "
        "the only city it can mean — please check." in result.stdout
    )
    assert "Row 29 (“Springfield”): Several cities have this name" in result.stdout
    assert "Springfield (Illinois)" in result.stdout
    assert "Row 19 (“Headquarters”): The city column holds no city name" in result.stdout
    polish = run("--lang", "pl", "geocode", str(files / "geocoding_real_rows.csv"), "--out", str(out), "--offline")
    assert (
        "Wiersz 31 („Lubln”): Nie znaleziono miasta o tej nazwie; umieszczono tylko w kraju. Czy chodzi o Lublin"
        in (polish.stdout)
    )
    placed = out.read_bytes().decode("utf-8-sig")
    assert "geocode_note" not in placed.splitlines()[0]  # doubts are for people, not for the file


def test_search_near_an_unknown_place_finds_nothing_and_exits_1(root):
    """Before: every office came back with exit 0, as if "near Xyzzy" meant "anywhere"."""
    result = run("search", str(root / "data" / "partners.csv"), "--near", "Xyzzyqwe", "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["offices"] == []
    assert "No place called “Xyzzyqwe” is known" in result.stderr


@pytest.mark.parametrize(
    ("query", "city"),
    [("Munich", "München"), ("Warsaw", "Warszawa"), ("Prague", "Praha"), ("Monachium", "München"),
     ("Wiedeń", "Wien"), ("Kopenhaga", "København"), ("Lizbona", "Lisboa"), ("Tel Awiw", "Tel Aviv"),
     ("Turyn", "Torino")],
)  # fmt: skip
def test_search_command_finds_cities_by_their_names_in_other_languages(root, query, city):
    """Before: the command built its index without the gazetteer and missed Munich, Warsaw and Prague."""
    result = run("search", str(root / "data" / "partners.csv"), "--q", query, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert city in {office["city"] for office in json.loads(result.stdout)["offices"]}


def test_search_command_json_carries_the_precision_and_honest_distances(root):
    result = run("search", str(root / "data" / "partners.csv"), "--near", "Gdańsk", "--km", "300", "--format", "json")
    offices = json.loads(result.stdout)["offices"]
    assert offices and all(office["geocode_precision"] in ("address", "city") for office in offices)
    city_only = [office for office in offices if office["geocode_precision"] == "city"]
    assert city_only and all(office["distance_km"] == round(office["distance_km"]) for office in city_only)
    table = run("search", str(root / "data" / "partners.csv"), "--near", "Gdańsk", "--km", "300")
    assert "(from the city centre)" in table.stdout and "city only" in table.stdout
