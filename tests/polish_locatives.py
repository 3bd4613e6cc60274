"""A small rule set that puts a Polish place name in the locative ("Wiedeń" → "Wiedniu"), independent of Morfeusz.

Written from the school grammar's declension rules, so that the search's
lemmatiser is tested on forms it did not produce. It is deliberately simple:
it knows the common endings and consonant alternations, and leaves a name
it cannot decline (``None``). Used by ``tests/test_search_inflection.py`` to
measure how many of the gazetteer's Polish exonyms are found in the locative.
"""

from __future__ import annotations

#: Feminine "-a" nouns: the stem's last letters → the locative ending (longest first).
FEMININE_A = (
    ("cha", "sze"),
    ("ka", "ce"),
    ("ga", "dze"),
    ("ra", "rze"),
    ("sta", "ście"),
    ("ta", "cie"),
    ("da", "dzie"),
    ("sna", "śnie"),
    ("zna", "źnie"),
    ("na", "nie"),
    ("ła", "le"),
    ("wa", "wie"),
    ("ma", "mie"),
    ("ba", "bie"),
    ("pa", "pie"),
    ("sa", "sie"),
    ("za", "zie"),
    ("fa", "fie"),
    ("ia", "ii"),
    ("ja", "ji"),
    ("la", "li"),
    ("ca", "cy"),
    ("cza", "czy"),
    ("sza", "szy"),
    ("rza", "rzy"),
    ("ża", "ży"),
)

#: Masculine names ending in a consonant: the ending → the locative (longest first).
MASCULINE = (
    ("ów", "owie"),
    ("ch", "chu"),
    ("k", "ku"),
    ("g", "gu"),
    ("st", "ście"),
    ("t", "cie"),
    ("d", "dzie"),
    ("n", "nie"),
    ("r", "rze"),
    ("ł", "le"),
    ("s", "sie"),
    ("z", "zie"),
    ("m", "mie"),
    ("w", "wie"),
    ("b", "bie"),
    ("p", "pie"),
    ("f", "fie"),
    ("ń", "niu"),
    ("ś", "siu"),
    ("ć", "ciu"),
    ("ź", "ziu"),
    ("l", "lu"),
    ("j", "ju"),
    ("c", "cu"),
    ("cz", "czu"),
    ("sz", "szu"),
    ("rz", "rzu"),
    ("ż", "żu"),
    ("x", "ksie"),
)

#: Neuter "-o" names: like the masculine consonant before it ("Wilno" → "Wilnie", "Oslo" → "Oslo").
NEUTER_O = (("sno", "śnie"), ("zno", "źnie"), ("no", "nie"), ("to", "cie"), ("do", "dzie"), ("ro", "rze"), ("ko", "ku"))

#: Plural names: "Ateny" → "Atenach", "Helsinki" → "Helsinkach", "Czechy" → "Czechach".
PLURAL = (("ki", "kach"), ("gi", "gach"), ("y", "ach"))


def locative(name: str) -> str | None:
    """The locative of a one-word Polish place name by the rules above, or ``None`` when they do not apply.

    >>> locative("Wiedeń"), locative("Praga"), locative("Kraków"), locative("Ateny"), locative("Tokio")
    ('Wiedniu', 'Pradze', 'Krakowie', 'Atenach', None)
    """
    if " " in name or "-" in name or not name.isalpha():
        return None
    lower = name.lower()
    if lower.endswith("eń"):  # a mobile e: Wiedeń → Wiedniu, Poznań keeps it (…ań)
        return name[:-2] + "niu"
    for table in (FEMININE_A, NEUTER_O, PLURAL) if lower[-1] in "aoyi" else (MASCULINE,):
        for ending, replacement in table:
            if lower.endswith(ending):
                return name[: len(name) - len(ending)] + replacement
    return None
