"""The members' page layout with AppTest: what the list shows, where sentences stand, the card's words."""

from __future__ import annotations

from tests.apptest import app, behind, dialog_titles, prepare, texts
from tests.stores import store_beside


def _main_order(at) -> list[str]:
    """The main area's elements in page order, as ``type: text``."""
    order: list[str] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            kind = getattr(child, "type", type(child).__name__)
            value = getattr(child, "value", "")
            order.append(f"{kind}: {value if isinstance(value, str) else ''}")
            walk(child)

    walk(at.main)
    return order


def test_list_columns(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    assert list(at.dataframe[0].proto.column_order) == ["partner", "city", "country", "services"]
    listing = at.dataframe[0].value
    assert list(listing.columns) == ["partner", "city", "country", "services"]  # the list receives what it shows
    gdansk = listing[listing["city"] == "Gdańsk"].iloc[0]
    # Services in words, in the page's language.
    assert "desk" in gdansk["services"] and "_" not in "".join(listing["services"])
    at.button_group(key="language_switch").set_value("pl").run()
    assert "biurko" in " ".join(at.dataframe[0].value["services"])


def test_a_near_search_adds_the_distance_and_says_where_it_is_measured_from(monkeypatch, tmp_path):
    data_file = prepare(monkeypatch, tmp_path)
    at = app().run()
    at.text_input(key="near").input("Munich").run()
    at.number_input(key="radius").set_value(400).run()
    assert list(at.dataframe[0].proto.column_order) == ["partner", "city", "country", "distance", "services"]
    listing = at.dataframe[0].value
    # Offices placed only at their city are never shown with an exact-looking "0 km".
    assert list(listing.columns) == ["partner", "city", "country", "distance", "services"]  # and nothing more
    approximate = listing[(behind(listing, data_file)["geocode_precision"] == "city").to_numpy()]
    assert len(approximate) >= 1
    assert all(text.startswith(("≈", "under")) for text in approximate["distance"])
    assert all(text.endswith(" km") for text in approximate["distance"])
    # The sentence stands right under the result sentence, before the map and the list.
    order = _main_order(at)
    sentence = next(i for i, item in enumerate(order) if "Distances are measured from" in item)
    result = next(i for i, item in enumerate(order) if "within 400 km of" in item)
    first_map_or_list = next(i for i, item in enumerate(order) if item.startswith(("component_instance", "dataframe")))
    assert result < sentence < first_map_or_list


def test_the_long_introduction_comes_after_the_results(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app().run()
    order = _main_order(at)
    intro = next(i for i, item in enumerate(order) if "Under the Business Roaming Agreement" in item)
    listing = next(i for i, item in enumerate(order) if item.startswith("dataframe"))
    assert listing < intro
    # And the page says how to open a card without a mouse.
    assert "Shift+Space" in texts(at)


def test_the_card_names_offered_and_missing_services_in_words(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["partner"] = "pomeranian-ict-gdansk"
    at.run()
    assert dialog_titles(at) == ["Pomeranian ICT Cluster"]
    said = texts(at)
    assert "Offered:" in said
    offered_line = next(line for line in said.splitlines() if "Offered:" in line)
    assert "desk" in offered_line


def test_an_unknown_partner_in_a_link_opens_no_card(monkeypatch, tmp_path):
    prepare(monkeypatch, tmp_path)
    at = app()
    at.query_params["partner"] = "no-such-partner"
    at.run()
    assert not at.exception
    assert dialog_titles(at) == []


def test_members_asking_the_same_share_one_view_until_the_list_changes(monkeypatch, tmp_path):
    """What two sessions searching the same show is made once; a new version of the file shows at the next click."""
    from dashboard.members import results

    data_file = prepare(monkeypatch, tmp_path)
    views = []

    def found(*args, **kwargs):
        view = original(*args, **kwargs)
        views.append(view)
        return view

    original = results.found
    monkeypatch.setattr(results, "found", found)  # the page asks the module at every run
    first, second = app(), app()
    for at in (first, second):
        at.query_params["q"] = "robotics"
        at.run()
    assert first.dataframe[0].value.equals(second.dataframe[0].value)
    assert len(views) == 2 and views[0] is views[1], "one view object, shared by both sessions"
    names = set(first.dataframe[0].value["partner"])
    assert len(names) >= 3
    # The office renames a robotics partner: both sessions see the new name at their next rerun.
    old = sorted(names)[0]
    text = data_file.read_text(encoding="utf-8-sig")
    assert old in text
    store = store_beside(data_file)  # the office publishes (through another process: the database is shared)
    store.publish(
        text.replace(old, "Renamed Robotics Partner").encode(),
        author="office",
        base_version=store.current_version(),
        summary="upload",
    )
    store.database.dispose()
    for at in (first, second):
        at.run()
        shown = set(at.dataframe[0].value["partner"])
        assert "Renamed Robotics Partner" in shown and old not in shown
