"""Postal codes as typed, made into the form the postal index keys them (pure functions, no index).

Office spreadsheets write the same code in many ways: ``80-309``, ``80309``,
``PL-80-309``, ``D-80331``, ``SE-111 22``, ``1067`` (Excel dropped the leading
zero of ``01067``), ``SW1A 1AA`` where GeoNames knows only the outward part
``SW1A``. :func:`code_key` folds the form, :func:`lookup_keys` lists what to try
in order, and :func:`codes_in_text` finds codes written inside a city or an
address (``D-80331 München``, ``80-309 Gdańsk``).

Example::

    code_key("PL-80-309")                                  # '80309'
    lookup_keys("1067", lengths=(5,), numeric=True, padded=True)  # ['1067', '01067']
"""

from __future__ import annotations

import re

#: Codes shorter than this (after folding) are never looked up: house numbers.
MIN_CODE_CHARACTERS = 3

#: Candidates inside free text: digits with one inner space or hyphen ("111 22",
#: "80-309", "1050-148"), optionally after a country prefix ("D-80331"); or the
#: British, Canadian, Dutch and Irish letter-and-digit forms ("SW1A 1AA", "K1A 0B1", "1012 AB", "D02 X285").
_CODE_IN_TEXT = re.compile(
    r"(?<![\w-])(?:[A-Z]{1,3}[- ])?(?:\d{2}[- ]\d{3}|\d{3,6}(?:[- ]\d{2,4})?)(?![\w-])"
    r"|(?<![\w-])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?!\w)"
    r"|(?<![\w-])[A-Z]\d[A-Z]\s?\d[A-Z]\d(?!\w)"
    r"|(?<![\w-])\d{4}\s?[A-Z]{2}(?!\w)"
    r"|(?<![\w-])[A-Z]\d{2}\s?[A-Z\d]{4}(?!\w)"
)
_PART_BREAK = re.compile(r"[\s\-‐‑–—]+")
_SEPARATORS = re.compile(r"[\s\-‐‑–—.]+")
_PREFIX = re.compile(r"^([A-Z]{1,3})[\s\-‐‑–—]*(?=\d)")


def code_key(text: str) -> str:
    """The folded form of a postal code: upper case, no spaces, hyphens or dots.

    >>> code_key(" 80-309 "), code_key("sw1a 1aa"), code_key("111 22")
    ('80309', 'SW1A1AA', '11122')
    """
    return _SEPARATORS.sub("", text.strip().upper())


def lookup_keys(
    text: str, *, lengths: tuple[int, ...], numeric: bool, country: str = "", padded: bool = False
) -> list[str]:
    """The folded forms to look up for a typed code, most literal first.

    Args:
        text: the code as typed.
        lengths: the lengths of the country's codes in the index, longest first.
        numeric: whether the country's codes are all digits (then a letter prefix
            such as ``D-`` or ``PL-`` is dropped).
        country: the ISO alpha-2 code (a prefix equal to it is dropped too).
        padded: whether the text came from a postal-code column, where a
            spreadsheet may have dropped leading zeros (``1067`` → ``01067``);
            never for codes found in free text, where ``1100`` is a house number.

    Returns:
        ``[exact, without the country prefix, zero-padded, outward parts …]``,
        each at most once. Letters before the digits of a country whose codes are
        digits ("D-", "SE-", "CH-", "PL-") are a country prefix. For ``SW1A 1AA`` in Britain, whose index knows only
        outward codes, ``['SW1A1AA', 'SW1A', …]``.

    >>> lookup_keys("D-80331", lengths=(5,), numeric=True, country="DE")
    ['D80331', '80331']
    >>> lookup_keys("94043-1351", lengths=(5,), numeric=True, country="US")
    ['940431351', '94043']
    >>> lookup_keys("SW1A 1AA", lengths=(4, 3, 2), numeric=False, country="GB")
    ['SW1A1AA', 'SW1A', 'SW1']
    """
    upper = text.strip().upper()
    found: list[str] = []

    def add(key: str, minimum: int = MIN_CODE_CHARACTERS) -> None:
        if len(key) >= minimum and key not in found:
            found.append(key)

    whole = code_key(upper)
    add(whole)
    prefix = _PREFIX.match(upper)
    if prefix and (numeric or prefix.group(1) == country):
        whole = code_key(upper[prefix.end() :])  # "D-80331", "PL-80-309", "LV-3270"
        add(whole)
    if country and not numeric and whole.isdigit():
        add(country + whole)  # Latvia's and Andorra's codes carry the country: "3270" → "LV3270"
    if padded and whole.isdigit():
        for length in lengths:
            if len(whole) < length:
                add(whole.zfill(length))
    parts = _PART_BREAK.split(upper[prefix.end() :] if prefix and whole != code_key(upper) else upper)
    first = code_key(parts[0]) if len(parts) > 1 else ""
    if first and first != whole and len(first) in lengths:
        add(first)  # the outward part of "SW1A 1AA", "K1A 0B1"; the ZIP of "94043-1351"
    for length in lengths:
        if len(whole) > length and not (numeric and whole.isdigit() and len(whole) - length > 2):
            part = whole[:length]  # "1012AB" → "1012", "K1A0B1" → "K1A", "M11AE" → "M1"
            if any(character.isdigit() for character in part):
                add(part, minimum=2)
    return found


def codes_in_text(text: str) -> list[str]:
    """Substrings of free text that look like postal codes, in the order written.

    >>> codes_in_text("D-80331 München"), codes_in_text("ul. Długa 5, 80-827 Gdańsk")
    (['D-80331'], ['80-827'])
    """
    return [match.group(0) for match in _CODE_IN_TEXT.finditer(text.upper())]


def without_codes(text: str) -> str:
    """``text`` without the postal codes :func:`codes_in_text` finds, when a name is left.

    >>> without_codes("D-15230 Frankfurt"), without_codes("80-309 Gdańsk,"), without_codes("SE-111 22")
    ('Frankfurt', 'Gdańsk', 'SE-111 22')
    """
    upper = text.upper()
    if len(upper) != len(text):  # a letter whose capital is longer ("ß"): the spans would not fit; as typed
        return text
    parts, start = [], 0
    for match in _CODE_IN_TEXT.finditer(upper):
        parts.append(text[start : match.start()])
        start = match.end()
    if not parts:
        return text
    rest = " ".join(" ".join([*parts, text[start:]]).split()).strip(" ,;-/")
    return rest if any(ch.isalpha() for ch in rest) else text


#: Codes that name a large rural area rather than a place, by the country's own
#: scheme: Canada's forward sortation areas with 0 as their second character are
#: rural ("A0A", "K0L"), each spanning up to hundreds of km; such a code is no place.
RURAL_AREA_CODES: dict[str, re.Pattern[str]] = {"CA": re.compile(r"^[A-Z]0[A-Z]")}


def names_a_rural_area(folded: str, country: str) -> bool:
    """Whether a folded code is one of :data:`RURAL_AREA_CODES`.

    >>> names_a_rural_area("K0L1B0", "CA"), names_a_rural_area("K1A0B1", "CA"), names_a_rural_area("K0L", "GB")
    (True, False, False)
    """
    pattern = RURAL_AREA_CODES.get(country.upper())
    return bool(pattern and pattern.match(folded))
