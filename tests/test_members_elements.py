"""The members' search sends few elements per rerun (issue 22): the five filters are one row, not five columns."""

from __future__ import annotations

from tests.apptest import app, prepare

FILTER_KEYS = ["f_country", "f_continent", "f_sector", "f_service", "f_language"]


def _blocks(node):
    for child in getattr(node, "children", {}).values():
        if type(child).__name__ in ("Block", "Column"):
            yield child
        yield from _blocks(child)


def test_the_five_filters_are_one_horizontal_row_with_a_stable_key(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    assert not at.exception
    holders = [block for block in _blocks(at._tree) if any(c.type == "multiselect" for c in block.children.values())]
    assert len(holders) == 1, [type(block).__name__ for block in holders]  # one block, not a column each
    row = holders[0]
    assert row.proto.WhichOneof("type") == "flex_container"
    assert row.proto.flex_container.direction == row.proto.flex_container.HORIZONTAL
    assert row.proto.id.endswith("search_filters")  # style.PAGE_STYLE lays the row out by this key
    assert [child.key for child in row.children.values()] == FILTER_KEYS


def test_a_filter_in_the_row_still_filters(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    whole = len(at.dataframe[0].value)
    at.multiselect(key="f_country").select("PL").run()
    assert not at.exception
    assert 0 < len(at.dataframe[0].value) < whole


def _row_holding(at, element_type: str):
    holders = [block for block in _blocks(at._tree) if any(c.type == element_type for c in block.children.values())]
    assert len(holders) == 1, [type(block).__name__ for block in holders]
    return holders[0]


def test_the_words_place_and_radius_and_the_two_downloads_are_one_row_each(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    assert not at.exception
    words = _row_holding(at, "text_input")
    assert words.proto.WhichOneof("type") == "flex_container" and words.proto.id.endswith("search_words")
    assert [child.key for child in words.children.values()] == ["q", "near", "radius"]
    downloads = _row_holding(at, "download_button")
    assert downloads.proto.WhichOneof("type") == "flex_container" and downloads.proto.id.endswith("list_downloads")
    assert [child.type for child in downloads.children.values()] == ["download_button", "download_button"]


def test_the_sentence_and_the_clear_button_are_one_row_with_or_without_a_place(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    row = _row_holding(at, "button")
    assert row.proto.WhichOneof("type") == "flex_container" and row.proto.id.endswith("search_summary")
    assert [child.type for child in row.children.values()] == ["markdown", "button"]
    at.text_input(key="near").input("Berlin").run()
    assert not at.exception
    row = _row_holding(at, "button")
    sentence, button = row.children.values()
    assert button.key == "clear"
    assert [child.type for child in sentence.children.values()] == ["markdown", "caption"]  # "measured from …"
