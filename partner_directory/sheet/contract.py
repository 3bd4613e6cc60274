"""What a published row may hold: the one contract between validation and everything that reads the list.

Validation (:func:`partner_directory.sheet.validation.check`) owns it: each
value is either normalised into the contract or reported as an error, and an
error blocks the publish. Every consumer — the member's card, the visit form,
the map, the exports, the listing, the search — reads published values through
:func:`~partner_directory.sheet.schema.split_list` and the functions here, and
never decides again what a value may hold.

List cells (:data:`~partner_directory.sheet.schema.LIST_COLUMNS`) are split on
``;``, ``|`` and ``,`` alike (Polish Excel users type ``biurko, internet``);
items are stripped, empty ones dropped, duplicates dropped (the first spelling
kept), and the published cell joins them with ``"; "``. What each published
column holds is :data:`PUBLISHED_VALUES`.

>>> published_list("services", "biurko, Internet | biurko;").value
'desk; internet'
>>> published_list("services", "desk; parking").refused
('parking',)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from partner_directory.geo.languages import resolve_language
from partner_directory.sheet.schema import COLUMNS, LIST_COLUMNS, SERVICES, canonical_service, join_list, split_list
from partner_directory.text import MULTI_LINE, ONE_LINE, fold

#: What a published value of each column is; anything else is normalised by validation or blocks the publish.
PUBLISHED_VALUES: Mapping[str, str] = {
    "partner_id": "text, never empty, unique in the file (generated from name and city when the file has none)",
    "partner_name": "text, never empty",
    "country": "an ISO 3166-1 alpha-2 code where recognised, else the text as typed (a warning)",
    "city": "text; city or address is never empty",
    "address": "text; city or address is never empty",
    "latitude": "empty, or a number from -90 to 90 with a decimal point (together with longitude)",
    "longitude": "empty, or a number from -180 to 180 with a decimal point (together with latitude)",
    "sectors": "a list: free-text items joined with '; ', no empty item, no duplicate (folded)",
    "services": "a list of keys of SERVICES in their order, joined with '; '; any other item blocks the publish",
    "languages": "a list of ISO 639-1 codes where recognised, else the item as typed, joined with '; '",
    "contact_email": "empty, or an e-mail address (a 'mailto:' prefix is removed)",
    "website": "empty, or an http:// or https:// address (https:// added when the scheme is missing)",
    "bra_since": "empty, YYYY-MM-DD, or the text as typed (a warning)",
    "last_verified": "empty, YYYY-MM-DD, or the text as typed (a warning)",
}

#: Columns whose values may hold line breaks and tabs; every other column is one line. In no column
#: may a value hold any other control character (:func:`partner_directory.text.clean_text` removes them,
#: validation says so; in ``partner_id`` it is an error, see :data:`KEY_COLUMNS`).
MULTI_LINE_COLUMNS: frozenset[str] = frozenset({"address", "description"})
#: Columns that identify a row elsewhere (visits, links): a control character in them blocks the publish,
#: since removing it silently would give the row another identity.
KEY_COLUMNS: frozenset[str] = frozenset({"partner_id"})


def text_kind(column: str) -> str:
    """Whether ``column`` holds one line or several (a column the schema does not know may hold several).

    >>> text_kind("partner_name"), text_kind("description"), text_kind("Notatki")
    ('one_line', 'multi_line', 'multi_line')
    """
    return ONE_LINE if column in COLUMNS and column not in MULTI_LINE_COLUMNS else MULTI_LINE


def partner_key(name: object) -> str:
    """Which offices belong to one partner: those whose ``partner_name`` gives the same key.

    A row's ``partner_id`` names one office; a partner is its name, compared without
    case, accents or surrounding spaces, so that search's counts, the card's list of
    other offices and the Overview agree.

    >>> partner_key(" Pomeranian ICT Cluster") == partner_key("POMERANIAN ICT CLUSTER")
    True
    """
    return fold(str(name or ""))


@dataclass(frozen=True)
class ListCell:
    """A list cell in the contract: the items it publishes, and the items it cannot publish.

    ``refused`` items are errors: validation names them and the publish is blocked.
    """

    items: tuple[str, ...]
    refused: tuple[str, ...] = ()

    @property
    def value(self) -> str:
        """The published cell: the items joined with ``"; "``."""
        return join_list(self.items)

    @property
    def as_typed(self) -> str:
        """The published items and then the refused ones, so nothing typed is lost in a report or an export."""
        return join_list((*self.items, *self.refused))


def _service_item(item: str) -> str | None:
    return canonical_service(item)


def _language_item(item: str) -> str | None:
    return resolve_language(item) or item


def _sector_item(item: str) -> str | None:
    return item


#: How each list column turns an item into its published form (``None``: the item cannot be published).
_ITEM: Mapping[str, Callable[[str], str | None]] = {
    "services": _service_item,
    "languages": _language_item,
    "sectors": _sector_item,
}


def published_list(column: str, raw: object) -> ListCell:
    """The contract's form of one list cell of ``column`` (one of ``LIST_COLUMNS``).

    Services become their keys (English or Polish names, with or without
    diacritics) in :data:`~partner_directory.sheet.schema.SERVICES` order; an
    unknown service is refused. Languages become ISO 639-1 codes where
    recognised. Duplicates are dropped: the same key, or the same folded text.

    >>> published_list("services", "Sala konferencyjna, biurko, BIURKO").items
    ('desk', 'meeting_room')
    >>> published_list("languages", "polski, English | pl").value
    'pl; en'
    >>> published_list("sectors", "AI, Robotics; ai").value
    'AI; Robotics'
    """
    if column not in LIST_COLUMNS:
        raise ValueError(f"{column} is not a list column")
    text = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw)
    normalise = _ITEM[column]
    items: dict[str, str] = {}  # folded -> published item: the first spelling is kept
    refused: dict[str, str] = {}
    for item in split_list(text):
        published = normalise(item)
        if published is None:
            refused.setdefault(fold(item), item)
        else:
            items.setdefault(fold(published), published)
    kept = tuple(items.values())
    if column == "services":
        kept = tuple(sorted(kept, key=SERVICES.index))
    return ListCell(kept, tuple(refused.values()))


def offered_services(value: object) -> tuple[str, ...]:
    """The services a published ``services`` value offers: keys of ``SERVICES``, in their order.

    Whatever the value holds, the answer is only keys a form or a card can show.

    >>> offered_services("internet; desk")
    ('desk', 'internet')
    """
    return published_list("services", value).items


def conform(table: pd.DataFrame, columns: Iterable[str] = LIST_COLUMNS) -> pd.DataFrame:
    """``table`` with every list cell in the contract: refused items dropped (a copy when anything changed).

    For a file published before a rule was added: the members' pages read it
    through :func:`~partner_directory.sheet.validation.check`, which keeps a
    refused item as typed and reports it; this drops it, so no page ever gets it.
    """
    changed: dict[str, list[str]] = {}
    for column in columns:
        if column not in table.columns:
            continue
        values = [published_list(column, value).value for value in table[column]]
        if values != table[column].tolist():
            changed[column] = values
    if not changed:
        return table
    table = table.copy()
    for column, values in changed.items():
        table[column] = pd.Series(values, index=table.index, dtype=object)
    return table
