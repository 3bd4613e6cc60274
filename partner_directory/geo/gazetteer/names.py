"""Place names as the index keys them: case, accents, punctuation and scripts folded away.

A name and its lookup are compared after :func:`name_key`, so ``Warszawa``,
``WARSZAWA`` and ``Saint-Étienne``/``Saint Etienne`` meet. Which spellings of
a GeoNames alternate name are indexed is decided by :func:`alternate_keys`.
"""

from __future__ import annotations

import re

from partner_directory.text import fold

#: Alternate names longer than this (after folding) are descriptions, not names.
MAX_ALTERNATE_NAME_LENGTH = 60

# Suffixes that CJK alternate names often carry ("臺北市", "서울특별시"); the
# name without one is indexed too, so 臺北 and 서울 are found on their own.
_CJK_NAME_SUFFIXES = ("特別市", "特别市", "특별시", "광역시", "市", "시")

#: Variant characters folded to one form on both sides of a lookup.
CHARACTER_VARIANTS = str.maketrans({"臺": "台"})

#: Runs of Chinese, Japanese or Korean script (written without spaces between words).
CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")

_PUNCTUATION = re.compile(r"[\s\-‐‑–—'`.,;:()\[\]{}/\\\"«»„“”·・]+")
_CODE_LIKE = re.compile(r"^[A-Z0-9]{2,4}$")
_JUNK_ALTERNATE = re.compile(r"[\d/\[\]{}<>@=]|https?:")


def name_key(text: str) -> str:
    """Return the form under which a place name is indexed and looked up.

    :func:`~partner_directory.text.fold` plus: punctuation and hyphens become
    single spaces, and variant CJK characters are unified.

    >>> name_key("Saint-Étienne"), name_key("St. Gallen"), name_key("臺北")
    ('saint etienne', 'st gallen', '台北')
    """
    if text.isascii():  # what fold() does to ASCII, without its cost
        return _PUNCTUATION.sub(" ", text.lower()).strip()
    folded = fold(text).translate(CHARACTER_VARIANTS)
    return _PUNCTUATION.sub(" ", folded).strip()


def alternate_keys(alternate: str) -> tuple[str, ...]:
    """Index keys of one GeoNames alternate name; none for codes and junk."""
    if _CODE_LIKE.match(alternate) or _JUNK_ALTERNATE.search(alternate):
        return ()
    key = name_key(alternate)
    if len(key) > MAX_ALTERNATE_NAME_LENGTH:
        return ()
    keys: list[str] = []
    if CJK_RUN.search(key):
        if len(key) >= 2:
            keys.append(key)
            for suffix in _CJK_NAME_SUFFIXES:
                if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                    keys.append(key[: -len(suffix)])
                    break
    elif len(key) >= 3:
        keys.append(key)
    return tuple(keys)


#: Abbreviated words of place names and the words they stand for, tried in this
#: order when a name as written is not indexed ("Mt. Vernon", "Ft Myers", "St Albans", "S. Paulo").
WORD_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "st": ("saint", "sankt", "santo", "san"),
    "ste": ("sainte",),
    "sta": ("santa",),
    "sto": ("santo",),
    "s": ("sao", "san", "santa"),
    "ft": ("fort",),
    "mt": ("mount", "mont", "monte"),
    "mte": ("monte",),
    "mtn": ("mountain",),
    "pt": ("port", "point", "porto"),
    "pto": ("puerto", "porto"),
    "hts": ("heights",),
    "spgs": ("springs",),
    "bch": ("beach",),
    "ctr": ("center",),
    "jct": ("junction",),
    "n": ("north", "nad"),
    # Polish towns' qualifiers, as Polish addresses shorten them ("Gorzów Wlkp.", "Tomaszów Maz.",
    # "Ruda Śl.", "Kostrzyn n. Odrą"); the adjective agrees with the town's noun, so both genders are tried.
    "wlkp": ("wielkopolski", "wielkopolska"),
    "wielkop": ("wielkopolski", "wielkopolska"),
    "maz": ("mazowiecki", "mazowiecka"),
    "gd": ("gdanski", "gdanska"),
    "kuj": ("kujawski", "kujawska"),
    "lub": ("lubelski", "lubelska"),
    "sl": ("slaski", "slaska"),
    "pom": ("pomorski", "pomorska"),
    "tryb": ("trybunalski",),
    "gorn": ("gorniczy", "gornicza"),
    "kam": ("kamienny", "kamienna"),
    "e": ("east",),
    "w": ("west",),
}

#: Short forms of whole city names that the country settles ("LA" in the United
#: States, "KL" in Malaysia): (ISO alpha-2, folded short form) → the name.
CITY_ABBREVIATIONS: dict[tuple[str, str], str] = {
    ("US", "la"): "los angeles",
    ("US", "ny"): "new york city",
    ("US", "nyc"): "new york city",
    ("US", "sf"): "san francisco",
    ("US", "dc"): "washington",
    ("US", "washington dc"): "washington",
    ("US", "washington d c"): "washington",
    ("US", "slc"): "salt lake city",
    ("US", "okc"): "oklahoma city",
    ("US", "kc"): "kansas city",
    ("US", "philly"): "philadelphia",
    ("US", "nola"): "new orleans",
    ("MY", "kl"): "kuala lumpur",
    ("HK", "hk"): "hong kong",
    ("BR", "sp"): "sao paulo",
    ("BR", "rj"): "rio de janeiro",
    ("BR", "bh"): "belo horizonte",
    ("BR", "poa"): "porto alegre",
    ("MX", "cdmx"): "mexico city",
    ("MX", "df"): "mexico city",
    ("VN", "hcmc"): "ho chi minh city",
    ("VN", "tp hcm"): "ho chi minh city",
    ("AE", "auh"): "abu dhabi",
    ("AR", "caba"): "buenos aires",
    ("PH", "qc"): "quezon city",
    ("IN", "blr"): "bengaluru",
    ("GB", "ldn"): "london",
    ("DE", "ffm"): "frankfurt am main",
    ("CH", "zh"): "zurich",
}

#: At most this many spellings are tried for one abbreviated name.
MAX_NAME_VARIANTS = 12


def name_variants(key: str, country: str) -> list[str]:
    """Spellings to try for a name key the index does not know: its expansions, best first.

    A whole-name short form of the country (:data:`CITY_ABBREVIATIONS`) comes
    first, then every word replaced by what it abbreviates (:data:`WORD_ABBREVIATIONS`).

    >>> name_variants("mt vernon", "US")[:2], name_variants("la", "US"), name_variants("kl", "MY")
    (['mount vernon', 'mont vernon'], ['los angeles'], ['kuala lumpur'])
    """
    variants: list[str] = []
    whole = CITY_ABBREVIATIONS.get((country.upper(), key))
    if whole:
        variants.append(whole)
    words = key.split()
    if len(words) < 2:
        return variants  # a lone "St" or "Mt" is no name
    spellings: list[list[str]] = [[]]
    for word in words:
        choices = WORD_ABBREVIATIONS.get(word, (word,))
        spellings = [[*spelling, choice] for spelling in spellings for choice in choices][:MAX_NAME_VARIANTS]
    for spelling in spellings:
        text = " ".join(spelling)
        if text != key and text not in variants:
            variants.append(text)
    return variants
