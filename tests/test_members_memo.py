"""What the members' page keeps per published list (dashboard.members.memo): per owner object, bounded, never stale."""

from __future__ import annotations

import gc

from dashboard.members.memo import PerObject


class Owner:
    """Stands for a published list's search index or table (any object that can be weakly referenced)."""


def test_a_value_is_made_once_per_owner_and_key():
    made: list[str] = []
    memo = PerObject[str](max_entries=4)
    owner = Owner()
    for _ in range(3):
        assert memo.get(owner, ("q", "en"), lambda: made.append("x") or "found") == "found"
    assert made == ["x"]


def test_another_owner_never_sees_the_first_ones_values():
    memo = PerObject[str](max_entries=4)
    first, second = Owner(), Owner()
    memo.get(first, "key", lambda: "first list")
    assert memo.get(second, "key", lambda: "second list") == "second list"


def test_the_least_recently_used_value_is_dropped_first():
    memo = PerObject[int](max_entries=2)
    owner = Owner()
    memo.get(owner, "a", lambda: 1)
    memo.get(owner, "b", lambda: 2)
    memo.get(owner, "a", lambda: -1)  # "a" used again: "b" is now the oldest
    memo.get(owner, "c", lambda: 3)
    assert memo.get(owner, "a", lambda: -1) == 1
    assert memo.get(owner, "b", lambda: 20) == 20
    assert len(memo) == 2


def test_an_owner_no_longer_used_takes_its_values_with_it():
    memo = PerObject[bytes](max_entries=4)
    owner = Owner()
    memo.get(owner, "whole list", lambda: b"x" * 1000)
    assert len(memo) == 1
    del owner
    gc.collect()
    assert len(memo) == 0


def test_a_new_owner_at_a_reused_address_starts_empty():
    memo = PerObject[str](max_entries=4)
    owners = [Owner() for _ in range(200)]
    for owner in owners:
        memo.get(owner, "key", lambda: "old")
    addresses = {id(owner) for owner in owners}
    del owners, owner
    gc.collect()
    fresh = [Owner() for _ in range(400)]
    reused = [owner for owner in fresh if id(owner) in addresses]
    assert reused  # CPython hands out freed addresses again
    assert all(memo.get(owner, "key", lambda: "new") == "new" for owner in reused)


def test_a_value_not_to_keep_is_made_again_at_the_next_call():
    made: list[str] = []
    memo = PerObject[str | None](max_entries=4)
    owner = Owner()
    answers = iter([None, None, "made"])

    def make() -> str | None:
        made.append("x")
        return next(answers)

    found = [memo.get(owner, "key", make, keep=lambda value: value is not None) for _ in range(4)]
    assert found == [None, None, "made", "made"]
    assert len(made) == 3


def test_a_map_file_that_could_not_be_written_is_asked_for_again(monkeypatch):
    """The version's map file is kept beside its index once written; ``None`` (a read-only install) is not
    kept there, so that the maker's own cache may write it when it tries again."""
    from dashboard.members import results

    answers = [None, None, "written"]
    asked: list[object] = []

    def make(view, lang, index):
        asked.append(index)
        return answers[len(asked) - 1]

    monkeypatch.setattr(results, "_make_office_file", make)
    index = Owner()
    assert results._office_file(("v1", False), "en", index) is None
    assert results._office_file(("v1", False), "en", index) is None
    assert results._office_file(("v1", False), "en", index) == "written"
    assert results._office_file(("v1", False), "en", index) == "written"  # kept now: not asked again
    assert len(asked) == 3
