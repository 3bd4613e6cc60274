"""What an upload would change in the published list: rows added, removed and changed.

Rows are matched by ``partner_id``; rows whose id has no partner on the other
side are then matched by partner name and city (folded), so a file that lost
its id column still compares sensibly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from partner_directory.sheet.schema import COLUMNS, COMPUTED_COLUMNS, DERIVED_COLUMNS, GEOCODE_COLUMNS
from partner_directory.text import fold

_IGNORED = set(DERIVED_COLUMNS) | set(COMPUTED_COLUMNS) | set(GEOCODE_COLUMNS)


@dataclass(frozen=True)
class RowChange:
    """One changed row: its id, name, and each changed field as ``(old, new)``."""

    partner_id: str
    partner_name: str
    fields: dict[str, tuple[str, str]]


@dataclass
class Diff:
    """The difference between the published table and a new one.

    ``added`` and ``removed`` are tables of whole rows; ``changed`` lists
    :class:`RowChange`; ``changed_positions`` are the positions in the new
    table of changed rows, ``added_positions`` those of added rows (to geocode them);
    ``matches`` pairs each matched row as ``(position in old, position in new)``.
    """

    added: pd.DataFrame
    removed: pd.DataFrame
    changed: list[RowChange] = field(default_factory=list)
    added_positions: list[int] = field(default_factory=list)
    changed_positions: list[int] = field(default_factory=list)
    matches: list[tuple[int, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.added.empty and self.removed.empty and not self.changed

    def counts(self) -> tuple[int, int, int]:
        """``(added, changed, removed)``."""
        return len(self.added), len(self.changed), len(self.removed)


def _columns(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    extras = [c for c in [*old.columns, *new.columns] if c not in COLUMNS and c not in _IGNORED]
    return [*(c for c in COLUMNS if c != "partner_id"), *dict.fromkeys(extras)]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def compare(old: pd.DataFrame, new: pd.DataFrame, *, fields: Sequence[str] | None = None) -> Diff:
    """Compare two checked tables (old = published, new = upload or edit)."""
    columns = list(fields or _columns(old, new))
    old_records = old.to_dict("records")
    new_records = new.to_dict("records")
    old_by_id = {_text(r.get("partner_id")): i for i, r in enumerate(old_records) if _text(r.get("partner_id"))}
    matched_old: set[int] = set()
    pairs: list[tuple[int, int]] = []
    unmatched_new: list[int] = []
    for position, record in enumerate(new_records):
        index = old_by_id.get(_text(record.get("partner_id")))
        if index is not None and index not in matched_old:
            matched_old.add(index)
            pairs.append((index, position))
        else:
            unmatched_new.append(position)

    def name_city(record: dict[str, object]) -> tuple[str, str]:
        return fold(_text(record.get("partner_name"))), fold(_text(record.get("city")) or _text(record.get("address")))

    old_by_name: dict[tuple[str, str], int] = {}
    for index, record in enumerate(old_records):
        if index not in matched_old:
            old_by_name.setdefault(name_city(record), index)
    added_positions: list[int] = []
    for position in unmatched_new:
        index = old_by_name.pop(name_city(new_records[position]), None)
        if index is None:
            added_positions.append(position)
        else:
            matched_old.add(index)
            pairs.append((index, position))

    changed: list[RowChange] = []
    changed_positions: list[int] = []
    for index, position in sorted(pairs, key=lambda pair: pair[1]):
        before, after = old_records[index], new_records[position]
        differences = {
            column: (_text(before.get(column)), _text(after.get(column)))
            for column in columns
            if _text(before.get(column)) != _text(after.get(column))
        }
        if differences:
            changed.append(RowChange(_text(after.get("partner_id")), _text(after.get("partner_name")), differences))
            changed_positions.append(position)
    removed = [i for i in range(len(old_records)) if i not in matched_old]
    return Diff(
        added=new.iloc[added_positions].reset_index(drop=True),
        removed=old.iloc[removed].reset_index(drop=True),
        changed=changed,
        added_positions=added_positions,
        changed_positions=changed_positions,
        matches=sorted(pairs, key=lambda pair: pair[1]),
    )
