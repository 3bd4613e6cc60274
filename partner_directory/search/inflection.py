"""Polish inflection: a word as a member types it ("w Wiedniu", "z Niemiec", "robotyką") → its base forms.

Polish puts place and sector names in the locative, genitive or instrumental
after a preposition, and some stems change (Wiedeń → Wiedniu, Praga → Pradze).
:func:`base_forms` gives each word's nominative forms — keeping the word's
number and gender, so an adjective agrees with its noun ("Wielkiej Brytanii" →
"wielka brytania", "Stanach Zjednoczonych" → "stany zjednoczone") — and its
dictionary lemmas; :func:`phrase_variants` combines them for a phrase. Search
then looks the variants up wherever it looks up what was typed: places
(the gazetteer knows Polish exonyms in the nominative: "Wiedeń", "Monachium"),
named areas, countries and sector synonyms.

The analyser is Morfeusz 2 with the SGJP dictionary (package ``morfeusz2``),
chosen over ``simplemma`` on a table of 88 forms (``tests/search_tables.py``):
Morfeusz 100%, simplemma 93% (it misses "Niemiec", "Czech", "Włoch",
"Kolonii"); Morfeusz loads in 0.1 s with about 60 MB, simplemma in 5.5 s with
about 410 MB. Words it does not know ("offices", "Vienna") have no variants,
so other languages pass through unchanged.
"""

from __future__ import annotations

import itertools
import threading
from functools import lru_cache
from typing import Any

from partner_directory.text import fold

#: At most this many base forms are kept for one word (geographic names first).
MAX_WORD_FORMS = 6

#: Longest word analysed (Polish words are shorter; a longer one only costs time).
MAX_WORD_LENGTH = 40

#: Longest phrase whose variants are made (words): at most (1 + MAX_WORD_FORMS) ** 4 = 2,401 combinations.
MAX_PHRASE_WORDS = 4

#: At most this many variants of a phrase are looked up.
MAX_PHRASE_VARIANTS = 12

#: Parts of speech whose nominative is looked up: nouns, adjectives, participles used as adjectives.
_DECLINED = frozenset({"subst", "depr", "adj", "ppas", "pact"})

#: Dictionary labels, best first: a place's name before a common noun.
_LABEL_RANK = {"nazwa_geograficzna": 0, "człon_nazwy_geograficznej": 0, "nazwa_pospolita": 1}

#: Readings that only name a person are never a place's or a sector's: Morfeusz guesses them for
#: unknown names ("Saratowie" as the surname "Sarat"), which would send a search elsewhere.
_PERSONAL = frozenset({"nazwisko", "imię"})

#: For a word the dictionary does not know (many foreign places: "Abidżanie", "Aktiubińsku"):
#: case endings (locative, genitive, instrumental) → the nominative endings they may come from,
#: longest ending first. Candidates are only guesses; search keeps one only if the gazetteer knows it.
GUESSED_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("owie", ("ów", "ow")),
    ("ście", ("sta", "st")),
    ("dzie", ("d", "da")),
    ("śnie", ("sno",)),
    ("źnie", ("zno",)),
    ("dze", ("ga",)),
    ("sze", ("cha",)),
    ("rze", ("ra", "r")),
    ("cie", ("t", "ta")),
    ("nie", ("n", "na", "no")),
    ("wie", ("w", "wa")),
    ("mie", ("m", "ma")),
    ("bie", ("b", "ba")),
    ("pie", ("p", "pa")),
    ("sie", ("s", "sa")),
    ("zie", ("z", "za")),
    ("fie", ("f", "fa")),
    ("ce", ("ka",)),
    ("le", ("ł", "ła", "l")),
    ("niu", ("ń", "eń")),
    ("siu", ("ś",)),
    ("ciu", ("ć",)),
    ("ziu", ("ź",)),
    ("ach", ("y", "i", "a")),
    ("iem", ("",)),
    ("em", ("",)),
    ("ii", ("ia",)),
    ("ji", ("ja",)),
    ("li", ("la",)),
    ("czy", ("cza",)),
    ("szy", ("sza",)),
    ("rzy", ("rza",)),
    ("ży", ("ża",)),
    ("cy", ("ca",)),
    ("ku", ("k", "ek")),
    ("u", ("",)),
    ("ie", ("",)),
    ("ą", ("a",)),
    ("a", ("",)),
    ("i", ("a",)),
    ("y", ("a",)),
)

#: A preposition before a place's name ("w Wiedniu", "na Górnym Śląsku", "in Vienna") is not part of it.
LEADING_PREPOSITIONS = frozenset({"w", "we", "na", "z", "ze", "pod", "do", "przy", "kolo", "in", "near", "around"})

#: Shortest guessed base form (three letters could be a country code).
MIN_GUESS_LENGTH = 4

_lock = threading.Lock()
_analyser: Any = None


def _morfeusz() -> Any:
    """The shared analyser, created on first use (about 0.1 s)."""
    global _analyser
    if _analyser is None:
        import morfeusz2  # imported late: only a search with Polish words needs it

        _analyser = morfeusz2.Morfeusz(expand_tags=False)
    return _analyser


def _analyse(word: str) -> list[tuple[str, str, list[str]]]:
    """(lemma, tag, labels) of each reading of ``word``; Morfeusz is not safe across threads."""
    with _lock:
        readings = _morfeusz().analyse(word)
    return [(reading[2][1], reading[2][2], list(reading[2][3])) for reading in readings]


def _generate(lemma: str) -> list[tuple[str, str]]:
    with _lock:
        return [(form[0], form[2]) for form in _morfeusz().generate(lemma)]


@lru_cache(maxsize=20_000)
def _forms_of(lemma: str) -> tuple[tuple[str, str], ...]:
    return tuple(_generate(lemma))


def _agrees(tag: str, wanted: list[str]) -> bool:
    """Whether a generated form's tag is the nominative of the reading ``wanted`` (same number, gender, rest)."""
    parts = tag.split(":")
    if len(parts) < 4 or len(wanted) < 4 or parts[0] != wanted[0]:
        return False
    if "nom" not in parts[2].split("."):
        return False
    if not set(parts[1].split(".")) & set(wanted[1].split(".")):
        return False
    if not set(parts[3].split(".")) & set(wanted[3].split(".")):
        return False
    return parts[4:] == wanted[4:]


def base_forms(word: str, *, guess: bool = True) -> tuple[str, ...]:
    """The nominative forms and lemmas of a Polish ``word``, best first, without the word itself.

    Geographic names come first; readings that only name a person are left
    out; at most :data:`MAX_WORD_FORMS`. A word the dictionary does not know
    gets :func:`guessed_base_forms` when ``guess`` is true, else none.

    >>> base_forms("Wiedniu"), base_forms("Niemczech"), base_forms("robotyką")
    (('Wiedeń',), ('Niemcy',), ('robotyka',))
    >>> base_forms("offices"), base_forms("Abidżanie", guess=False)
    ((), ())
    """
    known, guessed = _dictionary_forms(word)
    return known or (guessed if guess else ())


@lru_cache(maxsize=50_000)
def _dictionary_forms(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(forms the dictionary gives, guessed forms when it gives none)."""
    if not word or len(word) > MAX_WORD_LENGTH or not any(character.isalpha() for character in word):
        return (), ()
    ranked: list[tuple[int, int, str]] = []
    readings = _analyse(word)
    if all(tag == "ign" for _, tag, _ in readings):
        return (), guessed_base_forms(word)
    for order, (lemma_tag, tag, labels) in enumerate(readings):
        wanted = tag.split(":")
        if wanted[0] not in _DECLINED or (labels and set(labels) <= _PERSONAL):
            continue
        rank = min((_LABEL_RANK.get(label, 2) for label in labels), default=2)
        lemma = lemma_tag.split(":")[0]
        nominatives = [form for form, form_tag in _forms_of(lemma_tag) if _agrees(form_tag, wanted)]
        for form in [*nominatives, lemma] if wanted[0] != "ppas" else nominatives:
            ranked.append((rank, order, form))
    if not ranked:  # only a person's name, or a word that is not declined: guess as for an unknown word
        return (), guessed_base_forms(word) if all(tag.split(":")[0] != "prep" for _, tag, _ in readings) else ()
    forms: list[str] = []
    for _, _, form in sorted(ranked):
        if form.casefold() != word.casefold() and form.casefold() not in (kept.casefold() for kept in forms):
            forms.append(form)
    return tuple(forms[:MAX_WORD_FORMS]), ()


def guessed_base_forms(word: str) -> tuple[str, ...]:
    """Possible nominatives of a word the dictionary does not know, by :data:`GUESSED_ENDINGS`.

    >>> guessed_base_forms("Abidżanie"), guessed_base_forms("Saratowie")[:1]
    (('Abidżan', 'Abidżana', 'Abidżano'), ('Saratów',))
    """
    if not word.isalpha():
        return ()
    lower = word.lower()
    guesses: list[str] = []
    for ending, replacements in GUESSED_ENDINGS:
        if lower.endswith(ending):
            stem = word[: len(word) - len(ending)]
            for replacement in replacements:
                guess = stem + replacement
                if len(guess) >= MIN_GUESS_LENGTH and guess not in guesses:
                    guesses.append(guess)
    return tuple(guesses[:MAX_WORD_FORMS])


def phrase_variants(text: str, *, guess: bool = True) -> tuple[str, ...]:
    """The phrase with its words put in their base forms, best first, without the phrase itself.

    Words without base forms stay as typed; at most :data:`MAX_PHRASE_VARIANTS`;
    ``guess`` as for :func:`base_forms`.

    >>> "górny Śląsk" in phrase_variants("Górnym Śląsku"), phrase_variants("Tel Awiwie")
    (True, ('Tel Awiw',))
    >>> "Stany zjednoczone" in phrase_variants("Stanach Zjednoczonych")
    True
    """
    return _phrase_variants(" ".join(text.split()), guess)


@lru_cache(maxsize=10_000)
def _phrase_variants(text: str, guess: bool) -> tuple[str, ...]:
    typed = text.split()
    if not typed or len(typed) > MAX_PHRASE_WORDS:  # no place or sector name is longer; bounds the work
        return ()
    choices = [(word, *base_forms(word, guess=guess)) for word in typed]
    # Every word in a base form first (the typical case: preposition dropped, the name inflected).
    ordered = sorted(itertools.product(*(range(len(options)) for options in choices)), key=_variant_order)
    variants: list[str] = []
    for picks in ordered:
        if not any(picks):
            continue
        variant = " ".join(options[pick] for options, pick in zip(choices, picks, strict=True))
        if variant not in variants:
            variants.append(variant)
        if len(variants) >= MAX_PHRASE_VARIANTS:
            break
    return tuple(variants)


def without_leading_preposition(text: str) -> str:
    """The text without a leading preposition (:data:`LEADING_PREPOSITIONS`): "w Wiedniu" → "Wiedniu"."""
    words = text.split()
    if len(words) > 1 and fold(words[0]) in LEADING_PREPOSITIONS:
        words = words[1:]
    return " ".join(words)


def _variant_order(picks: tuple[int, ...]) -> tuple[int, int]:
    """Variants using more base forms, and earlier (better) ones, first."""
    return (sum(1 for pick in picks if pick == 0), sum(picks))
