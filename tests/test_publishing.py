"""The office's path as pure steps: draft (upload or edit) → fix → check → compare → place → guard → publish."""

from __future__ import annotations

import math

import pytest

from partner_directory.errors import InvalidValueError, RiskyPublishError, UnreadableFileError
from partner_directory.geo.gazetteer.queries import default_gazetteer
from partner_directory.geo.geocoding.chain import Geocoder
from partner_directory.publication.publishing import (
    NOTE_COLUMNS,
    apply_edits,
    draft_from_published,
    draft_from_upload,
    evaluate,
    keep_published_values,
    missing_columns,
    needs_attention,
    place,
    place_by_hand,
    publish,
    published_table,
    rebase,
    restore,
    suggested_places,
    table_of,
)
from partner_directory.publication.store import Store
from partner_directory.sheet.compare import compare
from partner_directory.sheet.loading import load_bytes
from tests.stores import store_beside

PUBLISHED = (
    "partner_id,partner_name,city,country,latitude,longitude,geocode_source,geocode_precision,Notatki\r\n"
    "a,Alpha,Gdańsk,PL,54.35,18.65,manual,address,ręczne\r\n"
    "b,Beta,Kraków,PL,,,,,\r\n"
).encode()

POLISH_EXPORT = (
    "Nazwa klastra;Miasto;Kraj;e-mail kontaktowy;Strona WWW\r\n"
    "Pomorski Klaster ICT;Gdańsk;Polska;biuro@pomorski.example.org;pomorski.example.org\r\n"
    "Zły Klaster;Sopot;Polska;to-nie-email;https://zly.example.org\r\n"
).encode("cp1250")


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_bytes(PUBLISHED)
    return store_beside(path, tmp_path / "history")


@pytest.fixture(scope="module")
def geocoder():
    return Geocoder.offline(gazetteer=default_gazetteer())


def upload(data: bytes, store: Store, name: str = "new.csv"):
    draft, report = draft_from_upload(data, name, base_version=store.current_version(), max_bytes=1_000_000)
    assert draft is not None, [p.message() for p in report.errors]
    return draft


def positions(candidate) -> dict[str, int]:
    return {partner_id: i for i, partner_id in enumerate(candidate.table["partner_id"])}


def test_edit_in_place_validates_compares_and_publishes(store, geocoder):
    draft = draft_from_published(store)
    assert list(draft.rows.columns)[-5:] == ["Notatki", "geocode_source", "geocode_precision", *NOTE_COLUMNS]
    draft = apply_edits(
        draft,
        edited={1: {"city": "Wrocław"}},
        added=[{"partner_name": "Gamma", "city": "Sopot", "country": "Polska"}],
    )
    assert draft.row_numbers == (2, 3, 4)
    candidate = evaluate(draft, store)
    assert candidate.report.ok and candidate.base_version == store.current_version()
    assert candidate.diff.counts() == (1, 1, 0)
    assert candidate.diff.changed[0].fields == {"city": ("Kraków", "Wrocław")}
    assert candidate.unplaced == (1, 2) and not candidate.publishable
    candidate = evaluate(place(candidate, geocoder), store)
    assert candidate.publishable and not candidate.risks.any
    placed = candidate.table.set_index("partner_id")
    assert placed.loc["a", "geocode_source"] == "manual"  # kept from then on
    assert placed.loc["b", "geocode_precision"] == "city"
    assert float(placed.loc["b", "latitude"]) == pytest.approx(51.1, abs=0.1)
    publish(candidate, store, author="anna")
    again, _ = published_table(store)
    assert list(again["partner_name"]) == ["Alpha", "Beta", "Gamma"]
    assert list(again["Notatki"]) == ["ręczne", "", ""]
    assert list(again["geocode_source"]) == ["manual", "gazetteer", "gazetteer"]


def test_a_one_cell_text_edit_needs_no_placing(store):
    candidate = evaluate(apply_edits(draft_from_published(store), edited={1: {"Notatki": "nowe"}}), store)
    assert candidate.diff.counts() == (0, 1, 0)
    assert candidate.unplaced == () and candidate.publishable


def test_an_uploaded_file_is_fixed_in_the_draft_and_publishes_without_uploading_again(store):
    draft = upload(POLISH_EXPORT, store, "partnerzy.csv")
    candidate = evaluate(draft, store)
    errors = candidate.report.errors
    assert [(p.row, p.column) for p in errors] == [(3, "contact_email")]
    # The report names the file's own header, not the canonical column.
    frame = candidate.report.to_frame("pl")
    assert list(frame["Kolumna"]) == ["Strona WWW", "e-mail kontaktowy"]
    fixed = apply_edits(draft, edited={1: {"contact_email": "biuro@zly.example.org"}})
    candidate = evaluate(fixed, store)
    assert candidate.report.ok
    assert list(candidate.report.to_frame("en")["Column"]) == ["Strona WWW"]
    assert candidate.diff.counts() == (2, 0, 2)
    assert candidate.risks.removes_too_many and candidate.risks.any
    with pytest.raises(UnreadableFileError, match="not yet placed"):
        publish(candidate, store, author="anna", confirmed=True)


def test_a_long_row_error_goes_once_that_row_is_edited(store):
    data = b"name,city,country\r\nA,Gdynia,PL,extra\r\nB,Sopot,PL\r\n"
    draft = upload(data, store)
    assert [p.code for p in evaluate(draft, store).report.errors] == ["long_row"]
    assert evaluate(apply_edits(draft, edited={1: {"city": "Sopot "}}), store).report.errors
    assert evaluate(apply_edits(draft, edited={0: {"city": "Gdynia"}}), store).report.ok


def test_a_changed_city_drops_computed_coordinates_but_keeps_typed_ones(store, geocoder):
    draft = apply_edits(draft_from_published(store), edited={1: {"city": "Wrocław"}})
    draft = place(evaluate(draft, store), geocoder)
    assert draft.rows.loc[1, "geocode_source"] == "gazetteer"
    moved = apply_edits(draft, edited={1: {"city": "Poznań"}})
    assert moved.rows.loc[1, ["latitude", "geocode_source"]].tolist() == ["", ""]
    typed = apply_edits(draft, edited={1: {"city": "Poznań", "latitude": "52.4", "longitude": "16.9"}})
    assert typed.rows.loc[1, ["latitude", "geocode_source"]].tolist() == ["52.4", "manual"]
    manual = apply_edits(draft_from_published(store), edited={0: {"city": "Gdynia"}})
    assert manual.rows.loc[0, "latitude"] == "54.35"  # coordinates a person gave stay


def test_unchanged_offices_keep_their_places_and_moved_ones_lose_them(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_bytes(
        b"partner_id,partner_name,city,country,latitude,longitude,geocode_source,geocode_precision\r\n"
        b"a,Alpha,Gdansk,PL,54.35,18.65,gazetteer,city\r\n"
    )
    store = store_beside(path, tmp_path / "history")
    same = evaluate(upload(b"partner_id,name,city,country\r\na,Alpha,Gdansk,PL\r\n", store), store)
    assert same.table.loc[0, "latitude"] == "54.35" and same.unplaced == ()
    moved = evaluate(upload(b"partner_id,name,city,country\r\na,Alpha,Sopot,PL\r\n", store), store)
    assert moved.table.loc[0, "latitude"] == "" and moved.unplaced == (0,)


def test_a_partial_file_is_guarded_and_can_keep_the_published_values(tmp_path):
    rows = "".join(
        f"p{i},Partner {i},City {i},PL,{50 + i / 10},{18 + i / 10},2019-0{1 + i % 9}-01,2026-01-01\r\n"
        for i in range(10)
    )
    path = tmp_path / "partners.csv"
    path.write_bytes(
        ("partner_id,partner_name,city,country,latitude,longitude,bra_since,last_verified\r\n" + rows).encode()
    )
    store = store_beside(path, tmp_path / "history")
    # Two offices only, without ids, dates or coordinates; one has lost its city.
    partial = b"Nazwa;Miasto;Kraj\r\nPartner 1;City 1;PL\r\nPartner 2;;PL\r\n"
    draft, _ = draft_from_upload(partial, "p.csv", base_version=store.current_version(), max_bytes=10_000)
    assert draft is not None
    draft = apply_edits(draft, edited={1: {"city": "City 2"}})
    candidate = evaluate(draft, store)
    assert candidate.diff.counts() == (0, 2, 8)
    risks = candidate.risks
    assert risks.removes_too_many and (risks.removed, risks.published) == (8, 10)
    assert set(missing_columns(candidate)) == {"partner_id", "latitude", "longitude", "bra_since", "last_verified"}
    assert risks.missing == {"partner_id": 2, "latitude": 2, "longitude": 2, "bra_since": 2, "last_verified": 2}
    with pytest.raises(RiskyPublishError):
        publish(candidate, store, author="anna")
    kept = evaluate(keep_published_values(candidate), store)
    assert kept.risks.missing == {} and kept.risks.blanked == {}
    assert kept.diff.counts() == (0, 0, 8)
    assert list(kept.table["partner_id"]) == ["p1", "p2"] and kept.table.loc[1, "bra_since"] == "2019-03-01"
    assert kept.unplaced == ()  # the same places: their coordinates are kept
    version = publish(kept, store, author="anna", confirmed=True)
    assert (version.added, version.changed, version.removed, version.rows) == (0, 0, 8, 2)


def test_blanking_values_is_a_risk(store):
    candidate = evaluate(apply_edits(draft_from_published(store), edited={0: {"Notatki": ""}}), store)
    assert candidate.risks.blanked == {"Notatki": 1} and not candidate.risks.removes_too_many
    with pytest.raises(RiskyPublishError, match="confirm"):
        publish(candidate, store, author="anna")
    assert publish(candidate, store, author="anna", confirmed=True).changed == 1


def test_an_edit_with_errors_cannot_be_published(store):
    candidate = evaluate(apply_edits(draft_from_published(store), edited={0: {"partner_name": ""}}), store)
    assert not candidate.report.ok and not candidate.publishable
    with pytest.raises(UnreadableFileError):
        publish(candidate, store, author="anna", confirmed=True)


def test_a_draft_started_before_someone_else_published_is_compared_again(store):
    draft = apply_edits(draft_from_published(store), edited={0: {"Notatki": "anna"}})
    other = apply_edits(draft_from_published(store), edited={1: {"Notatki": "piotr"}})
    publish(evaluate(other, store), store, author="piotr")
    stale = evaluate(draft, store)
    assert stale.diff.counts() == (0, 1, 0)  # against the version it started from
    fresh = evaluate(rebase(draft, store), store)
    assert fresh.base_version == store.current_version()
    assert fresh.risks.blanked == {"Notatki": 1}  # it would empty what piotr typed: asked first


def test_manual_coordinates_and_needs_attention(store, geocoder):
    draft = upload(b"name,city,country\r\nX,Nowhere Town,PL\r\n", store)
    candidate = evaluate(place(evaluate(draft, store), geocoder), store)
    attention = needs_attention(candidate.table)
    assert list(attention["geocode_precision"]) == ["country"]
    fixed = evaluate(place_by_hand(candidate.draft, {0: (54.5, 18.5)}), store)
    assert needs_attention(fixed.table).empty
    assert fixed.table["geocode_source"][0] == "manual" and fixed.table["latitude"][0] == "54.5"
    with pytest.raises(InvalidValueError, match="not valid coordinates"):
        place_by_hand(candidate.draft, {0: (91.0, 0.0)})
    assert place_by_hand(candidate.draft, {0: (math.nan, 1.0)}).rows["geocode_source"][0] != "manual"


def test_upload_size_limit(store):
    with pytest.raises(UnreadableFileError) as raised:
        draft_from_upload(b"x" * 2 * 1024 * 1024, "big.csv", base_version=None, max_bytes=1024 * 1024)
    assert raised.value.message("pl") == "big.csv ma 2.0 MB; limit to 1 MB."  # MB as Streamlit counts them
    assert load_bytes(PUBLISHED, filename="p.csv").frame.shape[0] == 2


def test_a_file_without_required_columns_makes_no_draft(store):
    draft, report = draft_from_upload(b"Nazwa,Telefon\r\nA,1\r\n", "c.csv", base_version=None, max_bytes=10_000)
    assert draft is None and report.errors[0].code == "missing_columns"


def test_suggested_places_for_a_misspelt_city(store):
    candidate = evaluate(upload(b"name,city,country\r\nX,Gdnask,PL\r\n", store), store)
    places = suggested_places(candidate.table.iloc[0].to_dict(), default_gazetteer())
    assert places and places[0].name == "Gdańsk"
    assert all(place.country == "PL" for place in places)


def test_restore_records_its_true_counts_and_rows(store):
    first = store.current_version()
    publish(
        evaluate(apply_edits(draft_from_published(store), deleted=[0], edited={1: {"Notatki": "x"}}), store),
        store,
        author="anna",
        confirmed=True,
    )
    initial = next(v for v in store.versions() if v.summary == "initial")
    assert (initial.added, initial.rows) == (2, 2)
    restored = restore(store, initial, author="piotr", base_version=store.current_version(), confirmed=True)
    assert store.current_version() == first
    assert (restored.added, restored.changed, restored.removed, restored.rows) == (1, 1, 0, 2)
    assert restored.restored_from == initial.file
    # One current entry although two entries hold the same content.
    assert store.current_record().file != initial.file
    assert store.current_record().created == restored.created


def test_the_change_log_agrees_with_the_history(store):
    publish(evaluate(apply_edits(draft_from_published(store), edited={1: {"Notatki": "x"}}), store), store, author="a")
    initial = next(v for v in store.versions() if v.summary == "initial")
    restore(store, initial, author="b", base_version=store.current_version(), confirmed=True)  # it empties a note
    log = store.change_log()
    history = [{k: v for k, v in vars(version).items() if k != "file"} for version in reversed(store.versions())]
    assert log == history
    previous = ""
    for entry in log:  # each counts against the version it replaced
        assert entry["previous"] == previous
        previous = entry["id"]
    for version in store.versions():
        table = table_of(store.read_version(version.id))
        assert version.rows == len(table)
        before = table_of(store.read_version(version.previous)) if version.previous else table_of(None)
        assert (version.added, version.changed, version.removed) == compare(before, table).counts()
