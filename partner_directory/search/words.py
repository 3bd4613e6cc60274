"""How text becomes searchable words, and what a query's words mean before any table is consulted.

Both the index (for the table) and the query use :func:`words`, so the two
fold and split alike. A query also drops joining words (:data:`QUERY_STOP_WORDS`),
may name a country (:func:`country_in_query`), and may use a word of a synonym
group (:func:`synonym_groups`, from ``translations/synonyms.json``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from partner_directory.geo.countries import resolve_country
from partner_directory.i18n import tables
from partner_directory.text import fold, fold_compact

#: Shortest query word matched as the beginning of a longer word.
MIN_PREFIX_LENGTH = 3

#: Shortest query word (and row word) matched with typos.
MIN_FUZZY_LENGTH = 4

#: Joining words ignored in a query that has other words (English and Polish), folded.
#: Also the prepositions before a place ("pod Krakowem", "ze Szwecji", "near Lyon") and the words
#: for what every row is ("biura w Wiedniu", "offices in Vienna").
QUERY_STOP_WORDS = frozenset(
    {"and", "or", "the", "of", "in", "a", "an", "near", "around", "office", "offices", "partners"}
    | {"i", "oraz", "lub", "w", "we", "z", "ze", "na", "pod", "przy", "kolo", "obok", "niedaleko", "okolicach"}
    | {"biuro", "biura", "biur", "biurach", "partnerzy", "partnerow", "partnerach"}
)

#: Country abbreviations that count in lower case too (other short codes need capitals).
LOWERCASE_COUNTRY_ABBREVIATIONS = frozenset({"usa", "uk", "uae"})

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def allowed_edits(length: int) -> int:
    """How many typos a query word of ``length`` characters may have and still match.

    >>> [allowed_edits(n) for n in (2, 3, 4, 7, 8, 12)]
    [0, 0, 1, 1, 2, 2]
    """
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 8 else 2


def words(text: str) -> list[str]:
    """Split folded ``text`` into words (letters and digits; CJK runs stay whole).

    >>> words("Pomeranian ICT; meeting_room, Łódź")
    ['pomeranian', 'ict', 'meeting', 'room', 'lodz']
    """
    return _WORD.findall(fold(text))


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean letters (written without spaces between words).

    >>> has_cjk("東京"), has_cjk("Tokyo")
    (True, False)
    """
    return bool(_CJK.search(text))


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Folded term → every term of its group, English and Polish (``translations/synonyms.json``).

    Each ``synonyms.*`` key lists, per language, the words for one sector or
    service separated by ``;``. A query naming any of them finds rows naming any.
    """
    groups: dict[str, tuple[str, ...]] = {}
    for key, texts in tables().items():
        if not key.startswith("synonyms."):
            continue
        terms = tuple(
            dict.fromkeys(" ".join(words(term)) for text in texts.values() for term in text.split(";") if words(term))
        )
        for term in terms:
            groups[term] = tuple(dict.fromkeys((*groups.get(term, ()), *terms)))
    return groups


def query_words(text: str) -> list[tuple[str, str]]:
    """(folded, as typed) for each word of a query, joining words left out unless alone."""
    query = [(folded, typed) for typed in _WORD.findall(text) for folded in words(typed)]
    meaningful = [(folded, typed) for folded, typed in query if folded not in QUERY_STOP_WORDS]
    return meaningful or query


def country_in_query(typed: str) -> str | None:
    """The country a query (or a word of it) names; short codes only in capitals."""
    compact = fold_compact(typed)
    if not compact:
        return None
    is_code = len(compact) <= 3 and compact.isascii()  # 日本 is a name, not a code
    if is_code and compact not in LOWERCASE_COUNTRY_ABBREVIATIONS and not typed.strip().isupper():
        return None
    return resolve_country(typed)
