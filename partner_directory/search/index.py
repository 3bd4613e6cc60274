"""The partner table prepared for searching: built once per published version, then queried many times.

:class:`SearchIndex` holds, for every row, its words with the weight of the
field they came from, its country, continent, sectors, services and spoken
languages, and its coordinates. :meth:`SearchIndex.text_scores` scores every
row against free text; :meth:`SearchIndex.filter_mask` selects rows by a
filter; :meth:`SearchIndex.facets` lists the filter options present.

How free text matches
---------------------
* The query and the table are folded (:func:`~partner_directory.text.fold`):
  case, accents and Polish letters do not matter ("lodz" finds "Łódź").
* The query is split into words; every word must match somewhere in the row
  (AND). Very common joining words ("and", "i", "oraz" …, :data:`~partner_directory.search.words.QUERY_STOP_WORDS`)
  are ignored unless the query has nothing else.
* A word matches a word of the row exactly; or as its beginning when it has
  at least :data:`~partner_directory.search.words.MIN_PREFIX_LENGTH` characters ("Gda" finds Gdańsk); or with
  typos when it has at least :data:`~partner_directory.search.words.MIN_FUZZY_LENGTH` characters, within
  :func:`~partner_directory.search.words.allowed_edits` insertions, deletions, substitutions or swaps of two
  neighbouring letters ("Robtics" finds Robotics, "Gdnask" finds Gdańsk).
  Typos are tried only for a word found nowhere as typed, so "Germany" does
  not also find "German". So "AI" finds the sector AI but not "Dubai" or
  "air", and "zzzz" finds nothing. (An edit budget rather than a rapidfuzz
  ratio: the ratio of "Gdnask" to "gdansk" is 83, below any safe threshold.)
* Searched: partner, office and city names, the country (its English and
  Polish names; any other spelling pycountry knows through
  :func:`~partner_directory.geo.countries.resolve_country`), sectors, services
  (their keys, English and Polish names and the aliases of
  :data:`~partner_directory.sheet.schema.SERVICE_ALIASES`: "biurko" finds desk),
  spoken languages (English and Polish names, any name
  :func:`~partner_directory.geo.languages.resolve_language` knows), the
  description and the contact person.
* Two- and three-letter country codes ("DE", "POL") count only when typed in
  capitals, so the word "de" in "Ciudad de México" is not Germany. "usa", "uk"
  and "uae" count in any case.
* Ranking: each word scores its best match, weighted by the field it matched
  (:data:`FIELD_WEIGHTS`): exact 100, beginning 80–90, typo at most 75; naming
  the office's country scores 100. A row's score is the mean over the words
  times :data:`WORDS_SHARE`; a query equal to a whole partner, office or city
  name, or naming the country as a whole, scores 100.

Tables are treated as immutable: the index built for a table is cached by
identity (and shape and columns) in :func:`index_for`; build a new table, or
pass a fresh :meth:`SearchIndex.build`, after changing values in place.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import OSA

from partner_directory.geo.countries import CONTINENTS, continent_of, country_name, resolve_country
from partner_directory.geo.distance import great_circle_km
from partner_directory.geo.geocoding.base import UNLOCATED
from partner_directory.geo.languages import language_name, resolve_language
from partner_directory.i18n import t
from partner_directory.search.areas import Area, resolve_searched_place
from partner_directory.search.inflection import base_forms, phrase_variants
from partner_directory.search.places import PlaceResolver, default_resolver
from partner_directory.search.words import (
    MIN_FUZZY_LENGTH,
    MIN_PREFIX_LENGTH,
    allowed_edits,
    country_in_query,
    has_cjk,
    query_words,
    synonym_groups,
    words,
)
from partner_directory.sheet.contract import partner_key
from partner_directory.sheet.schema import SERVICE_ALIASES, SERVICES, canonical_service, split_list
from partner_directory.text import fold, fold_compact

#: How much a match in each field counts (1.0 = the partner's own name).
FIELD_WEIGHTS: Mapping[str, float] = {
    "partner_name": 1.0,
    "city": 0.95,
    "office_name": 0.9,
    "country": 0.9,
    "sectors": 0.9,
    "services": 0.8,
    "languages": 0.8,
    "contact_name": 0.8,
    "description": 0.6,
}

#: Fields whose whole value, typed as the query, scores 100.
PHRASE_FIELDS: tuple[str, ...] = ("partner_name", "office_name", "city")

#: Share of the score earned word by word; the rest is for a query equal to a whole name.
WORDS_SHARE = 0.95

#: Match qualities before the field weight: exact, beginning (range by length covered), best typo.
EXACT_QUALITY = 100.0
PREFIX_QUALITY: tuple[float, float] = (80.0, 90.0)
FUZZY_QUALITY = 75.0

#: A query word naming a city (in any language: "Monachium", "Rzym") finds the offices
#: placed within this many km of it, in its country.
PLACE_MATCH_KM = 15.0

#: A match through a synonym ("robotyka" → Robotics) counts this share of a direct match,
#: so the word as typed ranks first.
SYNONYM_QUALITY = 0.85

#: Longest run of query words looked up as one synonym or place ("sztuczna inteligencja", "Tel Awiw").
MAX_QUERY_PHRASE_WORDS = 4

_SERVICE_NAME_LANGUAGES = ("en", "pl")
_NAME_LANGUAGES = ("en", "pl")


@dataclass(frozen=True)
class _QueryUnit:
    """Query words that match together: alternatives of (folded, typed) words, and rows of a named place."""

    alternatives: tuple[tuple[tuple[str, str], ...], ...]
    synonyms: tuple[tuple[tuple[str, str], ...], ...] = ()
    place_rows: npt.NDArray[np.int64] | None = None


@dataclass(frozen=True)
class _Posting:
    rows: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float64]


class SearchIndex:
    """The partner table prepared for fast searching.

    A query's Polish case forms are understood (:mod:`~partner_directory.search.inflection`):
    "w Wiedniu", "z Niemiec", "robotyką", "na Górnym Śląsku" find what
    "Wiedeń", "Niemcy", "robotyka", "Górny Śląsk" find. Each base form is
    consulted only where the word or phrase as typed finds nothing of its
    kind (:attr:`use_polish_forms` turns this off, for comparison).

    Building takes about 0.3 s for 10,000 offices; each search then takes a
    few milliseconds (``bench/bench_search.py``).

    Build one with :meth:`build` and pass it to :func:`search` and
    :func:`facet_values` instead of the table; both also accept the table and
    then use an index cached for it. An app builds it once per table (e.g.
    with ``st.cache_resource``).
    """

    #: Whether query words are also looked up in their Polish base forms and named areas.
    use_polish_forms = True

    def __init__(self, table: pd.DataFrame) -> None:
        """Prepare ``table``; use :meth:`build` instead of calling this."""
        self.table = table
        self.size = len(table)
        # Each distinct cell is read once, and what it gives is spread over its rows by array indexing:
        # offices repeat their countries, cities, partners and lists, so at 100,000 offices this is
        # a tenth of a second instead of a second of Python per row.
        country_codes, countries = _distinct(table, "country")
        country_keys = [_country_key(value) for value in countries]
        key_codes, keys = pd.factorize(np.array(country_keys, dtype=object)[country_codes])
        self._country_key_array: npt.NDArray[np.object_] = np.asarray(keys, dtype=object)[key_codes]
        self.country_ids = _ids([key or None for key in keys], key_codes)
        partner_codes, partners = _distinct(table, "partner_name")
        self.partner_ids = _ids([key or None for key in _partner_keys(partners)], partner_codes)
        self.latitudes, self.longitudes = _coordinates(table)
        precision_codes, precisions = _distinct(table, "geocode_precision")
        folded_precisions = [value.strip().lower() for value in precisions]
        self.precisions: npt.NDArray[np.object_] = np.array(folded_precisions, dtype=object)[precision_codes]
        unlocated = np.array([value in UNLOCATED for value in folded_precisions], dtype=bool)[precision_codes]
        # The country's reference point is no place to measure a distance from.
        self.latitudes[unlocated] = np.nan
        self.longitudes[unlocated] = np.nan
        self._resolve_place: PlaceResolver | None = None
        self._place_cache: dict[str, npt.NDArray[np.int64] | None] = {}
        # Each row's folded name, office and city as a number into the field's sorted distinct values:
        # a query equal to a whole name is a look-up and a comparison of numbers (with the words, prepare_text).
        self._phrases: dict[str, tuple[list[str], npt.NDArray[np.int32]]] = {}

        self._country_rows = _rows_by_key(key_codes, [[key] if key else [] for key in keys])
        continent_codes, continent_cells = _distinct(table, "continent")
        written = np.array([cell.strip().upper() for cell in continent_cells], dtype=object)[continent_codes]
        by_country = np.array([continent_of(key) for key in keys], dtype=object)[key_codes]
        continent_codes, continents = pd.factorize(np.where(written != "", written, by_country))
        self._continent_rows = _rows_by_key(continent_codes, [[code] if code else [] for code in continents])
        sector_codes, sector_cells = _distinct(table, "sectors")
        sectors = [[(fold(sector), sector) for sector in split_list(cell)] for cell in sector_cells]
        self._sector_rows = _rows_by_key(sector_codes, [[folded for folded, _ in pairs] for pairs in sectors])
        sector_forms: dict[str, Counter[str]] = {}
        for pairs, count in zip(sectors, np.bincount(sector_codes, minlength=len(sectors)).tolist(), strict=True):
            for folded, sector in pairs:
                sector_forms.setdefault(folded, Counter())[sector] += count
        self._sector_display = {folded: forms.most_common(1)[0][0] for folded, forms in sector_forms.items()}
        # Each row's services and spoken languages: the distinct cell's list, by the row's code.
        self._service_codes, service_cells = _distinct(table, "services")
        self._services_of = [[canonical_service(item) or item for item in split_list(cell)] for cell in service_cells]
        self._service_rows = _rows_by_key(self._service_codes, self._services_of)
        self._language_codes, language_cells = _distinct(table, "languages")
        self._languages_of = [
            [resolve_language(item) or fold(item) for item in split_list(cell)] for cell in language_cells
        ]
        self._language_rows = _rows_by_key(self._language_codes, self._languages_of)
        # Every word's rows and weights, one word after another in the vocabulary's order: word i's are at
        # [_posting_starts[i], _posting_starts[i + 1]). Two arrays instead of two per word: at 100,000
        # offices (half a million words) a few hundred MB less, and built in a fraction of the time.
        self._posting_rows: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        # Each entry's field, as its number in _field_weights (a byte, not the weight's eight).
        self._posting_fields: npt.NDArray[np.uint8] = np.empty(0, dtype=np.uint8)
        self._field_weights: npt.NDArray[np.float64] = np.empty(0, dtype=np.float64)
        self._posting_starts: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
        self._vocabulary: list[str] = []
        self._fuzzy_vocabulary: dict[int, list[str]] = {}  # by length: typos change it by at most the edits
        self._cjk_vocabulary: list[str] = []
        self._text_lock = threading.Lock()
        self._text_ready = False

    @classmethod
    def build(
        cls, table: pd.DataFrame, *, resolve_place: PlaceResolver | str | None = "gazetteer", text_later: bool = False
    ) -> SearchIndex:
        """Prepare ``table`` (one row per office, text columns) for :func:`search`.

        Args:
            table: the checked (optionally geocoded) partner table. Missing
                columns count as empty; float columns ``lat``/``lon`` are used
                for distance when present, else ``latitude``/``longitude`` text.
            resolve_place: optional place resolver (e.g. the gazetteer's
                ``find_place``). When given, each distinct city is looked up and
                the found place's name becomes searchable too, so "Munich" finds
                an office in "München" — but only when the place lies in the
                office's country. Costs one lookup per distinct city. The
                default, ``"gazetteer"``, is the offline gazetteer's
                ``find_place``, so the dashboard and the ``search`` command build
                the same index; ``None`` leaves places out. The resolver is also
                kept for queries: a query word naming a city in any language
                ("Monachium", "Mediolan", "Tel Awiw") finds the offices placed
                within :data:`PLACE_MATCH_KM` of it.
            text_later: leave the free-text part (every word and its rows: most of the
                building) for :meth:`prepare_text`, which the first search with words
                calls itself; filters, facets and distances are ready at once. A server
                calls ``prepare_text`` in the background, so its first page does not wait.
        """
        resolver = default_resolver() if resolve_place == "gazetteer" else resolve_place
        index = cls(table)
        index._resolve_place = resolver if callable(resolver) else None
        if not text_later:
            index.prepare_text()
        return index

    def prepare_text(self) -> None:
        """Build the free-text part if it is not built yet (once, whichever thread asks first; the others wait)."""
        if self._text_ready:
            return
        with self._text_lock:
            if not self._text_ready:
                self._build_text(self._resolve_place)
                self._text_ready = True

    @property
    def place_resolver(self) -> PlaceResolver | None:
        """The resolver given to :meth:`build`, which :func:`~partner_directory.search.engine.search` also uses."""
        return self._resolve_place

    # -- building the text index ---------------------------------------------------------

    def _build_text(self, resolve_place: PlaceResolver | None) -> None:
        # Each field's distinct cells are read once (a description, a city with its country, a list of
        # services) and their words spread over the cells' rows by array indexing.
        self._phrases = {}
        for name in PHRASE_FIELDS:
            codes, values = _distinct(self.table, name)
            folded = [fold(value) for value in values]
            distinct = sorted(set(folded))
            numbers = {value: position for position, value in enumerate(distinct)}
            self._phrases[name] = (distinct, np.array([numbers[value] for value in folded], dtype=np.int32)[codes])
        key_codes, keys = pd.factorize(self._country_key_array)
        numbering: dict[str, int] = {}
        found_words, found_rows, found_fields = [], [], []
        # By falling weight: the first field a row holds a word in is its best (:data:`FIELD_WEIGHTS`).
        fields = sorted(FIELD_WEIGHTS, key=lambda name: -FIELD_WEIGHTS[name])
        for number, field_name in enumerate(fields):
            codes, cells = self._field_cells(field_name, key_codes, list(keys), resolve_place)
            lengths = np.array([len(cell) for cell in cells], dtype=np.int64)
            ids = np.array(
                [numbering.setdefault(word, len(numbering)) for cell in cells for word in cell], dtype=np.int32
            )
            del cells
            per_row = lengths[codes]
            rows = np.repeat(np.arange(self.size, dtype=np.int32), per_row)
            # Row r's words are its cell's: ids[offset of the cell + 0 … its length - 1].
            offsets = np.concatenate(([0], np.cumsum(lengths)))[:-1]
            before = np.cumsum(per_row) - per_row
            found_words.append(ids[np.repeat(offsets[codes] - before, per_row) + np.arange(len(rows))])
            found_rows.append(rows)
            found_fields.append(np.full(len(rows), number, dtype=np.int64))
        self._vocabulary = sorted(numbering)
        rank = np.empty(len(numbering), dtype=np.int64)
        rank[[numbering[word] for word in self._vocabulary]] = np.arange(len(numbering), dtype=np.int64)
        del numbering
        # One sortable number per (word, row, field): by word, then row, the best field first; then each
        # row once per word, with its best field's weight.
        size, count = max(self.size, 1), len(fields)
        order = (rank[np.concatenate(found_words)] * size + np.concatenate(found_rows)) * count
        order += np.concatenate(found_fields)
        del found_words, found_rows, found_fields
        order.sort()
        entry = order // count
        first = np.ones(len(order), dtype=bool)
        first[1:] = entry[1:] != entry[:-1]
        entry, best = entry[first], order[first] % count
        del order, first
        self._field_weights = np.array([FIELD_WEIGHTS[name] for name in fields], dtype=np.float64)
        self._posting_rows = np.ascontiguousarray(entry % size, dtype=np.int32)
        self._posting_fields = np.ascontiguousarray(best, dtype=np.uint8)
        counts = np.bincount(entry // size, minlength=len(self._vocabulary))
        self._posting_starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._fuzzy_vocabulary = {}
        for word in self._vocabulary:
            if len(word) >= MIN_FUZZY_LENGTH and not word.isdigit():
                self._fuzzy_vocabulary.setdefault(len(word), []).append(word)
        self._cjk_vocabulary = [w for w in self._vocabulary if has_cjk(w)]

    def _field_cells(
        self,
        field_name: str,
        key_codes: npt.NDArray[np.intp],
        keys: list[str],
        resolve_place: PlaceResolver | None,
    ) -> tuple[npt.NDArray[np.intp], list[list[str]]]:
        """Each row's cell of ``field_name`` and each cell's searchable words (see the module's docstring)."""
        if field_name == "services":
            return self._service_codes, [
                [w for s in services for w in _service_words(s)] for services in self._services_of
            ]
        if field_name == "languages":
            return self._language_codes, [
                [w for c in codes for w in _language_words(c)] for codes in self._languages_of
            ]
        codes, values = _distinct(self.table, field_name)
        if field_name not in ("country", "city"):
            return codes, [words(value) for value in values]
        # The country's names, or a city with its name in the gazetteer: the value and the row's country.
        pairs, combined = pd.factorize(codes.astype(np.int64) * max(len(keys), 1) + key_codes)
        cells = [(values[pair // max(len(keys), 1)], keys[pair % max(len(keys), 1)]) for pair in combined.tolist()]
        if field_name == "country":
            return pairs, [_country_words(value, key) for value, key in cells]
        aliases = _city_aliases(cells, resolve_place) if resolve_place is not None else {}
        return pairs, [
            words(value) + words(aliases[(value, key)]) if (value, key) in aliases else words(value)
            for value, key in cells
        ]

    # -- matching -------------------------------------------------------------------------

    def text_scores(self, text: str) -> npt.NDArray[np.float64] | None:
        """Score every row against free ``text`` (0 = no match, else up to 100); ``None`` if no words."""
        query = query_words(text)
        if not query:
            return None
        self.prepare_text()
        units = self._query_units(query)
        total = np.zeros(self.size)
        matched = np.ones(self.size, dtype=bool)
        for unit in units:
            scores = self._unit_scores(unit)
            matched &= scores > 0
            total += scores
            if not matched.any():  # every word must match: no need to look at the rest
                break
        result = np.where(matched, WORDS_SHARE * total / len(units), 0.0)
        code = country_in_query(text)
        if code is not None:  # "Stany Zjednoczone", "Vereinigte Staaten": the whole query names a country
            self._raise_scores(result, self._country_rows.get(code), EXACT_QUALITY)
        phrase = fold(text)
        for name in PHRASE_FIELDS:
            distinct, numbers = self._phrases[name]
            position = bisect.bisect_left(distinct, phrase)
            if position < len(distinct) and distinct[position] == phrase:
                result[numbers == position] = EXACT_QUALITY
        return result

    def _query_units(self, query: list[tuple[str, str]]) -> list[_QueryUnit]:
        """Group query words into units: a synonym phrase or a place name of several words is one unit.

        Each unit matches a row when any of its alternatives does (all words of
        an alternative must match), or when the row lies in the place it names.
        """
        units: list[_QueryUnit] = []
        position = 0
        while position < len(query):
            for length in range(min(MAX_QUERY_PHRASE_WORDS, len(query) - position), 0, -1):
                part = query[position : position + length]
                phrase = " ".join(folded for folded, _ in part)
                typed = " ".join(typed for _, typed in part)
                group = _synonym_group(phrase, typed, polish=self.use_polish_forms)
                rows = self._place_rows(typed) if length > 1 or len(phrase) >= MIN_PREFIX_LENGTH else None
                if length == 1 or group is not None or rows is not None:
                    synonyms = tuple(
                        tuple((word, word) for word in term.split()) for term in group or () if term != phrase
                    )
                    alternatives = (tuple(part), *self._base_form_alternatives(part))
                    units.append(_QueryUnit(alternatives, synonyms, rows))
                    position += length
                    break
        return units

    def _base_form_alternatives(self, part: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str], ...], ...]:
        """The Polish base form of a single query word the table does not hold as typed ("klastry" → "klaster").

        A word found as typed (exactly or as a beginning) keeps its matches
        alone, so a query in another language whose words are in the table is unchanged.
        """
        if not self.use_polish_forms or len(part) != 1:
            return ()
        folded, typed = part[0]
        if self._matching_words(folded) or country_in_query(typed) is not None:
            return ()
        forms = dict.fromkeys(word for form in base_forms(typed) for word in words(form) if word != folded)
        return tuple(((word, word),) for word in forms)

    def _unit_scores(self, unit: _QueryUnit) -> npt.NDArray[np.float64]:
        scores = np.zeros(self.size)
        for alternatives, quality in ((unit.alternatives, 1.0), (unit.synonyms, SYNONYM_QUALITY)):
            for alternative in alternatives:
                found = None
                for folded, typed in alternative:
                    word_scores = self._word_scores(folded, typed)
                    found = word_scores if found is None else np.minimum(found, word_scores)
                if found is not None:
                    scores = np.maximum(scores, quality * found)
        if unit.place_rows is not None:
            self._raise_scores(scores, unit.place_rows, EXACT_QUALITY * FIELD_WEIGHTS["city"])
        return scores

    def _place_rows(self, typed: str) -> npt.NDArray[np.int64] | None:
        """Rows placed in the city ``typed`` names (any language), or ``None``."""
        if self._resolve_place is None:
            return None
        key = fold(typed)
        if key in self._place_cache:
            return self._place_cache[key]
        rows = None
        if len(fold_compact(typed)) >= MIN_PREFIX_LENGTH and country_in_query(typed) is None:
            resolver = self._resolve_place
            try:
                # With named areas and Polish case forms ("Wiedniu", "Górnym Śląsku"):
                if self.use_polish_forms:
                    guess = not any(self._matching_words(word) for word in words(typed))
                    place = resolve_searched_place(typed, resolver, guess=guess)
                else:
                    place = resolver(typed)
            except (LookupError, ValueError, OSError):
                place = None
            cities = place.cities if isinstance(place, Area) else (place,) if place is not None else ()
            found_mask = np.zeros(self.size, dtype=bool)
            for city in cities:
                if city.kind == "city":
                    distances = great_circle_km(city.latitude, city.longitude, self.latitudes, self.longitudes)
                    found_mask |= (distances <= PLACE_MATCH_KM) & (self._country_key_array == city.country)
                elif city.kind == "country" and self.use_polish_forms:
                    # Only a case form gets here ("Niemczech"): a country as typed is matched word by word.
                    country = self._country_rows.get(city.country)
                    if country is not None:
                        found_mask[country] = True
            found = np.flatnonzero(found_mask)
            rows = found if len(found) else None
        if len(self._place_cache) < 10_000:
            self._place_cache[key] = rows
        return rows

    def _word_scores(self, folded: str, typed: str) -> npt.NDArray[np.float64]:
        scores = np.zeros(self.size)
        code = country_in_query(typed)
        if code is not None:  # naming the country is an exact match, whichever language it was named in
            self._raise_scores(scores, self._country_rows.get(code), EXACT_QUALITY)
        spoken = resolve_language(folded) if len(folded) >= MIN_FUZZY_LENGTH else None
        if spoken is not None:
            self._raise_scores(scores, self._language_rows.get(spoken), EXACT_QUALITY * FIELD_WEIGHTS["languages"])
        matches = self._matching_words(folded)
        if not matches and code is None and spoken is None:
            # Typos are only considered for a word found nowhere as typed, so
            # "Germany" does not also bring in every German-speaking office.
            matches = self._fuzzy_words(folded)
        for word, quality in matches.items():
            posting = self._posting(word)  # rows are distinct within a posting
            scores[posting.rows] = np.maximum(scores[posting.rows], quality * posting.weights)
        return scores

    def _word_id(self, word: str) -> int | None:
        """The position of ``word`` in the sorted vocabulary, or ``None`` if no office has it."""
        position = bisect.bisect_left(self._vocabulary, word)
        return position if position < len(self._vocabulary) and self._vocabulary[position] == word else None

    def _posting(self, word: str) -> _Posting:
        """The rows that hold ``word`` (a view of the shared array) and its weight in each; none for an unknown word."""
        position = self._word_id(word)
        if position is None:
            return _Posting(rows=np.empty(0, dtype=np.int32), weights=np.empty(0, dtype=np.float64))
        start, end = int(self._posting_starts[position]), int(self._posting_starts[position + 1])
        return _Posting(
            rows=self._posting_rows[start:end], weights=self._field_weights[self._posting_fields[start:end]]
        )

    @staticmethod
    def _raise_scores(scores: npt.NDArray[np.float64], rows: npt.NDArray[np.int64] | None, value: float) -> None:
        if rows is not None:
            scores[rows] = np.maximum(scores[rows], value)

    def _matching_words(self, word: str) -> dict[str, float]:
        """Words of the table that ``word`` equals or begins, with the quality of each match."""
        found: dict[str, float] = {}
        if self._word_id(word) is not None:
            found[word] = EXACT_QUALITY
        cjk = has_cjk(word)
        if len(word) >= MIN_PREFIX_LENGTH or cjk:
            low, high = PREFIX_QUALITY
            start = bisect.bisect_left(self._vocabulary, word)
            # By position: islice would walk the vocabulary from its start (a millisecond per word at 100,000 offices).
            for position in range(start, len(self._vocabulary)):
                candidate = self._vocabulary[position]
                if not candidate.startswith(word):
                    break
                if candidate != word:
                    found[candidate] = low + (high - low) * len(word) / len(candidate)
        if cjk:  # CJK text has no spaces: a name may sit inside a longer run
            for candidate in self._cjk_vocabulary:
                if word in candidate and candidate not in found:
                    found[candidate] = PREFIX_QUALITY[0]
        return found

    def _fuzzy_words(self, word: str) -> dict[str, float]:
        """Words of the table within :func:`allowed_edits` typos of ``word``, with match quality."""
        edits = allowed_edits(len(word))
        if not edits or word.isdigit() or has_cjk(word):
            return {}
        found: dict[str, float] = {}
        for length in range(len(word) - edits, len(word) + edits + 1):
            choices = self._fuzzy_vocabulary.get(length)
            if not choices:
                continue
            for candidate, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                found[candidate] = FUZZY_QUALITY * (1 - distance / max(len(word), len(candidate)))
        return found

    def filter_mask(self, values: Iterable[str], kind: str) -> npt.NDArray[np.bool_]:
        """Rows holding ANY of ``values`` of ``kind`` (country, continent, sector, service, language)."""
        rows_by_value = {
            "country": self._country_rows,
            "continent": self._continent_rows,
            "sector": self._sector_rows,
            "service": self._service_rows,
            "language": self._language_rows,
        }[kind]
        mask = np.zeros(self.size, dtype=bool)
        for value in values:
            rows = rows_by_value.get(fold(value) if kind == "sector" else value)
            if rows is not None:
                mask[rows] = True
        return mask

    def sector_display(self, sector: str) -> str:
        """The sector as the table writes it most often, else as given."""
        return self._sector_display.get(fold(sector), sector.strip())

    def facets(self, language: str) -> Facets:
        """The filter options present in the table, named in ``language``."""
        codes = [code for code in self._country_rows if len(code) == 2 and country_name(code) != code]
        countries = sorted(((code, country_name(code, language)) for code in codes), key=lambda pair: fold(pair[1]))
        continents = [
            (code, t(f"search.continent.{code}", language)) for code in CONTINENTS if code in self._continent_rows
        ]
        sectors = sorted(self._sector_display.values(), key=lambda name: (fold(name), name))
        services = [
            (key, _capitalised(t(f"search.service.{key}", language))) for key in SERVICES if key in self._service_rows
        ]
        known = [code for code in self._language_rows if language_name(code) != code]
        languages = sorted(((code, language_name(code, language)) for code in known), key=lambda pair: fold(pair[1]))
        return Facets(
            countries=tuple(countries),
            continents=tuple(continents),
            sectors=tuple(sectors),
            services=tuple(services),
            languages=tuple(languages),
        )


def _synonym_group(phrase: str, typed: str, *, polish: bool) -> tuple[str, ...] | None:
    """The synonym group of a query phrase as typed, else of its Polish base forms ("robotyką", "branży spożywczej")."""
    groups = synonym_groups()
    group = groups.get(phrase)
    if group is not None or not polish:
        return group
    for variant in phrase_variants(typed):
        group = groups.get(" ".join(words(variant)))
        if group is not None:
            return group
    return None


def _country_words(value: str, country_key: str) -> list[str]:
    """The searchable words of a row's country: its names in English and Polish, else the value as written."""
    if len(country_key) == 2 and country_name(country_key) != country_key:
        return [word for language in _NAME_LANGUAGES for word in words(country_name(country_key, language))]
    return words(value)


def _city_aliases(cities: list[tuple[str, str]], resolve_place: PlaceResolver) -> dict[tuple[str, str], str]:
    """The gazetteer's name of each distinct (city, country key) where it differs ("München": "Munich")."""
    aliases: dict[tuple[str, str], str] = {}
    for city, country in dict.fromkeys(cities):
        if not city.strip():
            continue
        place = resolve_place(city)
        if place is not None and place.kind == "city" and place.country == country and fold(place.name) != fold(city):
            aliases[(city, country)] = place.name
    return aliases


def _distinct(table: pd.DataFrame, name: str) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Each row's code and the column's distinct values as text ("" for a missing cell), in order of first appearance."""
    if name not in table.columns:
        return np.zeros(len(table), dtype=np.intp), [""]
    codes, uniques = pd.factorize(table[name], use_na_sentinel=True)
    values = [value if isinstance(value, str) else str(value) for value in uniques.tolist()]
    if (codes < 0).any():  # missing cells: one more value, the empty text
        codes = np.where(codes < 0, len(values), codes)
        values.append("")
    return np.asarray(codes, dtype=np.intp), values


#: What Python's ``str.isspace`` counts as space among ASCII characters (``re``'s ``\\s``, ``str.strip``).
_ASCII_SPACES = "[\t\n\v\f\r\x1c-\x1f ]+"


def _partner_keys(names: list[str]) -> list[str]:
    """``[partner_key(name) for name in names]``, the ASCII names folded by Arrow in one pass each.

    At 100,000 offices every partner name is its own: folding them one by one in Python was
    most of the index's building before the first page. An ASCII name folds as :func:`~partner_directory.text.fold`
    folds it (its special letters: only the backtick; lower case; each run of spaces one space;
    stripped); any other name by ``partner_key`` itself.
    """
    texts = pa.array(names, type=pa.string())
    ascii_only = pc.string_is_ascii(texts)
    folded = pc.replace_substring(texts, "`", "'")
    folded = pc.replace_substring_regex(pc.ascii_lower(folded), _ASCII_SPACES, " ")
    keys: list[str] = pc.utf8_trim(folded, " ").to_pylist()
    for position in np.flatnonzero(~ascii_only.to_numpy(zero_copy_only=False)).tolist():
        keys[position] = partner_key(names[position])
    return keys


def _ids(keys: list[str | None], codes: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """Each row's number of its key (``keys[code]``; -1 for ``None``), numbered in order of first appearance."""
    numbers, _ = pd.factorize(np.array(keys, dtype=object))
    return np.asarray(numbers, dtype=np.int64)[codes]


def _rows_by_key(codes: npt.NDArray[np.intp], keys_of: list[list[str]]) -> dict[str, npt.NDArray[np.int64]]:
    """Each key's rows, ascending: the rows whose distinct value (``codes``) lists it in ``keys_of``.

    Keys in order of their first row, as a loop over the rows would find them.
    """
    holders: dict[str, list[int]] = {}
    for distinct, keys in enumerate(keys_of):
        for key in dict.fromkeys(keys):
            holders.setdefault(key, []).append(distinct)
    found: dict[str, npt.NDArray[np.int64]] = {}
    for key, distincts in holders.items():
        member = np.zeros(len(keys_of), dtype=bool)
        member[distincts] = True
        rows = np.flatnonzero(member[codes]).astype(np.int64)
        if len(rows):
            found[key] = rows
    return dict(sorted(found.items(), key=lambda item: int(item[1][0])))


def _country_key(value: str) -> str:
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return resolve_country(text) or fold(text)


def _coordinates(table: pd.DataFrame) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Latitudes and longitudes as floats: ``lat``/``lon`` where placed, else the text columns."""

    def numbers(name: str, rows: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.float64]:
        if name not in table.columns:
            return np.full(len(table) if rows is None else int(rows.sum()), np.nan)
        series = table[name] if rows is None else table[name][rows]
        if not pd.api.types.is_numeric_dtype(series):
            series = series.astype(object).where(series.notna(), "").astype(str).str.strip().str.replace(",", ".")
        return np.array(pd.to_numeric(series, errors="coerce"), dtype=np.float64)  # a writable copy

    if "lat" not in table.columns or "lon" not in table.columns:
        latitudes, longitudes = numbers("latitude"), numbers("longitude")
    else:
        latitudes, longitudes = numbers("lat"), numbers("lon")
        # The text columns only where the office is not placed (parsing every row's text took a tenth of a second).
        unplaced = np.isnan(latitudes) | np.isnan(longitudes)
        if unplaced.any():
            latitudes[unplaced], longitudes[unplaced] = numbers("latitude", unplaced), numbers("longitude", unplaced)
    bad = ~((np.abs(latitudes) <= 90) & (np.abs(longitudes) <= 180))  # also true for NaN
    latitudes[bad] = np.nan
    longitudes[bad] = np.nan
    return latitudes, longitudes


def _service_words(service: str) -> list[str]:
    return _service_vocabulary().get(service) or words(service)


@lru_cache(maxsize=1)
def _service_vocabulary() -> dict[str, list[str]]:
    """The searchable words of each service: its key, aliases, English and Polish names."""
    spellings: dict[str, list[str]] = {key: [key.replace("_", " ")] for key in SERVICES}
    for alias, key in SERVICE_ALIASES.items():
        spellings[key].append(alias)
    for key in SERVICES:
        spellings[key].extend(t(f"search.service.{key}", language) for language in _SERVICE_NAME_LANGUAGES)
    return {
        key: list(dict.fromkeys(word for text in texts for word in words(text))) for key, texts in spellings.items()
    }


_LANGUAGE_WORDS: dict[str, list[str]] = {}


def _language_words(code: str) -> list[str]:
    found = _LANGUAGE_WORDS.get(code)
    if found is None:
        names = [language_name(code, language) for language in _NAME_LANGUAGES]
        found = _LANGUAGE_WORDS[code] = list(dict.fromkeys(w for name in names if name != code for w in words(name)))
    return found


# -- index cache -------------------------------------------------------------------------

_CACHE_SIZE = 4
_cache: dict[int, tuple[weakref.ref[pd.DataFrame], tuple[Any, ...], SearchIndex]] = {}
_cache_lock = threading.Lock()


def index_for(table: pd.DataFrame | SearchIndex) -> SearchIndex:
    """Return a :class:`SearchIndex` for ``table``, reusing the one built for this very table.

    The cache holds the last few tables by identity and checks their shape and
    columns, so a table that gains a column (e.g. after geocoding) is indexed anew.
    """
    if isinstance(table, SearchIndex):
        return table
    fingerprint = (table.shape, tuple(table.columns))
    with _cache_lock:
        entry = _cache.get(id(table))
        if entry is not None and entry[0]() is table and entry[1] == fingerprint:
            return entry[2]
    index = SearchIndex.build(table)
    with _cache_lock:
        for key in [key for key, (reference, _, _) in _cache.items() if reference() is None]:
            del _cache[key]
        while len(_cache) >= _CACHE_SIZE:
            del _cache[next(iter(_cache))]
        _cache[id(table)] = (weakref.ref(table), fingerprint, index)
    return index


# -- filter options ----------------------------------------------------------------------


@dataclass(frozen=True)
class Facets:
    """Options for the filter widgets, as present in the table, named in one language.

    ``countries`` and ``languages`` are ``(code, name)`` sorted by name;
    ``continents`` and ``services`` are ``(code, name)`` in their usual order;
    ``sectors`` are names as written, sorted ignoring case and accents.
    """

    countries: tuple[tuple[str, str], ...]
    continents: tuple[tuple[str, str], ...]
    sectors: tuple[str, ...]
    services: tuple[tuple[str, str], ...]
    languages: tuple[tuple[str, str], ...]


def facet_values(table: pd.DataFrame | SearchIndex, *, language: str = "en") -> Facets:
    """Return the options the filter widgets offer for ``table``, named in ``language``.

    Countries that were not recognised (kept as typed) are not offered; free
    text still finds them.
    """
    return index_for(table).facets(language)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
