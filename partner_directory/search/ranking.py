"""The Overview's "most offices" lists: sorted by count, and no tie cut arbitrarily.

A "top 15" that cuts through fifteen countries with two offices each would
show some of them and not others, chosen by nothing but the order of names in
one language, so English and Polish would show different countries. Here the
group tied at the cut is shown whole when that stays readable, and otherwise
left out whole, with the cut stated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from partner_directory.text import fold


@dataclass(frozen=True)
class Ranking:
    """Keys with their counts, most first, and what was left out.

    ``shown`` is ``(key, count)`` by count (most first), ties by name; ``hidden``
    is how many keys were left out, each with at most ``hidden_most``.
    """

    shown: tuple[tuple[str, int], ...]
    hidden: int = 0
    hidden_most: int = 0


def rank_counts(
    values: Iterable[str], *, limit: int, name: Callable[[str], str] = str, stretch: int | None = None
) -> Ranking:
    """Count ``values`` and keep the ``limit`` most frequent, never cutting through a tie.

    Args:
        values: one key per item (e.g. the country code of every office); empty keys are not counted.
        limit: how many keys to show at least (when there are that many).
        name: the key's display name, to order ties (the result's keys do not depend on it).
        stretch: how many more than ``limit`` may be shown to keep the tie at the cut whole
            (default: ``limit``); beyond that the tied group is left out whole.

    >>> rank_counts(["PL", "PL", "DE", "DE", "JP", "FR"], limit=2)
    Ranking(shown=(('DE', 2), ('PL', 2)), hidden=2, hidden_most=1)
    >>> rank_counts(["PL", "PL", "DE", "JP", "FR"], limit=2)
    Ranking(shown=(('PL', 2), ('DE', 1), ('FR', 1), ('JP', 1)), hidden=0, hidden_most=0)
    """
    counts = Counter(value for value in values if value)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], fold(name(item[0])), item[0]))
    if len(ordered) <= limit:
        return Ranking(tuple(ordered))
    at_cut = ordered[limit - 1][1]
    through_tie = sum(1 for _, count in ordered if count >= at_cut)
    if through_tie <= limit + (limit if stretch is None else stretch):
        keep = through_tie
    else:
        # Every key tied at the cut and too many to show: all are shown (there is no fair cut).
        keep = sum(1 for _, count in ordered if count > at_cut) or through_tie
    hidden = ordered[keep:]
    return Ranking(tuple(ordered[:keep]), len(hidden), hidden[0][1] if hidden else 0)
