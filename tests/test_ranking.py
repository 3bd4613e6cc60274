"""The Overview's ranking: most first, ties at the cut kept whole or the cut stated."""

from __future__ import annotations

import pytest

from partner_directory.search.ranking import Ranking, rank_counts


def items(spec: str) -> list[str]:
    """ "PL3 DE2" → ["PL", "PL", "PL", "DE", "DE"]."""
    return [word[:2] for word in spec.split() for _ in range(int(word[2:]))]


@pytest.mark.parametrize(
    ("values", "limit", "expected"),
    [
        ("", 3, Ranking(())),
        ("PL3 DE2 JP1", 5, Ranking((("PL", 3), ("DE", 2), ("JP", 1)))),
        ("PL3 DE2 JP1", 2, Ranking((("PL", 3), ("DE", 2)), 1, 1)),
        # The cut falls inside the tie DE/FR/IT: the whole group is kept (5 ≤ 2 + 2).
        ("PL3 DE2 FR2 IT2 JP1", 2, Ranking((("PL", 3), ("DE", 2), ("FR", 2), ("IT", 2)), 1, 1)),
        # Too many tied at the cut (2 + 2 allowed): the whole group is left out, and said so.
        ("PL3 AT1 BE1 CZ1 DE1 FR1", 2, Ranking((("PL", 3),), 5, 1)),
        # Everything tied: there is no fair cut, so everything is shown.
        ("AT1 BE1 CZ1 DE1 FR1 IT1", 2, Ranking((("AT", 1), ("BE", 1), ("CZ", 1), ("DE", 1), ("FR", 1), ("IT", 1)))),
        # Ties are ordered by name, and the order of the input does not matter.
        ("JP2 DE2 PL5", 3, Ranking((("PL", 5), ("DE", 2), ("JP", 2)))),
    ],
)
def test_rank_counts(values, limit, expected):
    assert rank_counts(items(values), limit=limit) == expected


def test_the_kept_keys_do_not_depend_on_the_language_of_the_names():
    twos = "BE2 CZ2 DK2 EE2 FR2 DE2 IN2 JP2 LT2 MX2 NL2 PT2 SE2 CH2 GB2"
    ones = "AR1 AU1 AT1 BR1 CL1 CN1 CO1 EG1 IE1 IL1 IT1 KE1 KR1 NZ1 NO1 SG1 ES1"
    values = items(f"PL6 CA3 FI3 US3 {twos} {ones}")
    english = rank_counts(values, limit=15, name=lambda code: {"DE": "Germany", "GB": "United Kingdom"}.get(code, code))
    polish = rank_counts(values, limit=15, name=lambda code: {"DE": "Niemcy", "GB": "Wielka Brytania"}.get(code, code))
    assert {k for k, _ in english.shown} == {k for k, _ in polish.shown}
    assert len(english.shown) == 19 and (english.hidden, english.hidden_most) == (17, 1)
    counts = [n for _, n in english.shown]
    assert counts == sorted(counts, reverse=True)


def test_empty_keys_are_not_counted():
    assert rank_counts(["", "PL", ""], limit=3) == Ranking((("PL", 1),))
