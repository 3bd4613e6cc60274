"""Reading a postal address as words: runs of words, street names, placeholders.

Pure text rules, no index: :mod:`~partner_directory.geo.gazetteer.locating`
looks up the phrases these functions let through. An address is split into
comma parts and runs of words between numbers (:func:`address_runs`); words
that belong to a street ("Via Roma", "London Road") are masked
(:func:`street_mask`); what people write instead of a city ("Headquarters")
is a placeholder (:func:`is_placeholder`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from partner_directory.geo.gazetteer.names import CJK_RUN, name_key

#: Longest run of words tried as one place name inside an address.
MAX_PHRASE_WORDS = 5

#: Longest run of CJK characters tried as one place name inside an address.
MAX_CJK_PHRASE_CHARACTERS = 8

#: Words of street addresses and buildings (folded). A phrase containing one is
#: never taken for a place: villages called Rue, Street or Route exist. Words
#: that also begin real names (St. Louis, Al Ain, Menlo Park, Largo) are left out.
STREET_WORDS = frozenset(
    """
    rue route chemin avenue av ave boulevard bd blvd allee impasse place quai cours
    street road rd lane ln drive dr way court ct parkway pkwy highway hwy square sq terrace close
    strasse str weg platz gasse ring damm ufer chaussee
    ul ulica ulicy aleja aleje alei os osiedle pl plac rondo skwer
    via viale piazza piazzale corso vicolo localita
    calle avenida plaza paseo carrera carretera rua praca travessa estrada
    straat laan plein gracht kade dijk gatan gata vagen gade vej veien ulitsa prospekt
    building bldg floor fl suite apt unit office room box po cedex bp cs
    centre center tower house business campus technopole zone
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Endings of glued street names (Marienplatz, Hauptstraße, Kalverstraat …).
STREET_WORD_ENDINGS = ("strasse", "platz", "gasse", "straat", "gatan", "vagen", "veien")

#: Articles and prepositions (folded) that are never a place on their own.
STOP_WORDS = frozenset(
    """
    a an the of and at in on by for
    de des du la le les l d di da del della dei degli dal
    der die das den dem von vom zu zum zur am im auf bei
    van het op te ten ter
    y e i o u w z na nad pod przy
    el los las do dos em no
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Street words (folded) after which the next words name the street, not a town:
#: "Via Roma", "ul. Gdańska", "rue de Paris", "avenue de Lyon", "Calle de Valencia".
STREET_WORDS_BEFORE_NAME = frozenset(
    """
    via viale piazza piazzale corso vicolo largo strada contrada lungomare
    ul ulica ulicy aleja aleje alei al os osiedle plac pl rondo skwer
    rue avenue av boulevard bd allee impasse quai cours chemin route place
    calle avenida av avda plaza paseo carrer carretera ronda travesia camino
    rua praca travessa estrada alameda largo
    ulitsa prospekt naberezhnaya
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Street words (folded) before which the words name the street: "London Road",
#: "Berliner Straße", "Hamburger Str.", "Fifth Avenue", "Kalverstraat".
STREET_WORDS_AFTER_NAME = frozenset(
    """
    road rd street avenue ave lane ln drive way court ct parkway pkwy highway hwy
    square sq terrace close crescent boulevard blvd row walk gardens grove hill mews
    strasse str weg platz gasse allee ring damm ufer chaussee steig pfad
    straat laan plein gracht kade dijk singel
    gatan gata vagen gade vej veien vegen
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: What people write in the city column instead of a city (folded): never a place,
#: even where a village has that name. English, Polish, German, French, Spanish,
#: Italian, Portuguese, Dutch.
PLACEHOLDERS = frozenset(
    phrase.strip()
    for phrase in """
    headquarters; headquarter; head quarters; hq; head office; main office; main; office; central office;
    home office; corporate office; downtown; uptown; midtown; city centre; city center; centre; center;
    town centre; town center; city; town; n a; na; none; unknown; tbd; tba; various; several; multiple;
    online; remote; virtual; same; see address; see above; other; centrum; siedziba; siedziba glowna;
    glowna siedziba; biuro; biuro glowne; glowne biuro; oddzial; miasto; brak; nieznane; rozne; zentrale;
    hauptsitz; hauptverwaltung; hauptbuero; buero; innenstadt; stadtmitte; zentrum; stadtzentrum;
    niederlassung; unbekannt; siege; siege social; bureau; bureau principal; centre ville; agence; inconnu;
    sede; sede central; sede principal; sede social; oficina; oficina central; oficina principal;
    oficinas centrales; centro; centro ciudad; desconocido; sede centrale; sede legale; ufficio;
    centro citta; escritorio; escritorio central; hoofdkantoor; kantoor; centrum stad
    """.split(";")  # noqa: SIM905 - a phrase list reads best as phrases
    if phrase.strip()
)

_SEGMENT_SEPARATORS = re.compile(r"[,;\n\r|]+")
# Dutch (1012 AB) and British (SW1A 1AA) postcodes end with letters that would
# otherwise read as a word.
_POSTCODE_WITH_LETTERS = re.compile(r"\b\d{4}\s?[A-Z]{2}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")


def address_runs(address: str) -> Iterator[list[str]]:
    """Yield the folded word runs of an address, last comma part and last run first."""
    for segment in reversed(_SEGMENT_SEPARATORS.split(_POSTCODE_WITH_LETTERS.sub(" , ", address))):
        runs: list[list[str]] = [[]]
        for token in segment.split():
            if any(character.isdigit() for character in token):
                runs.append([])
            else:
                runs[-1].extend(name_key(token).split())
        yield from (run for run in reversed(runs) if run)


def _is_street_word(word: str) -> bool:
    return word in STREET_WORDS or word.endswith(STREET_WORD_ENDINGS)


def street_mask(words: list[str]) -> list[bool]:
    """Which words of a run belong to a street name.

    The words after a street word that comes first in its language ("via",
    "ul", "rue", "calle" …) and the words before one that comes last ("road",
    "strasse", glued endings such as "Hauptstraße") name the street.

    >>> street_mask(["via", "roma"]), street_mask(["london", "road"]), street_mask(["bergamo"])
    ([True, True], [True, True], [False])
    """
    mask = [_is_street_word(word) for word in words]
    for position, word in enumerate(words):
        if word in STREET_WORDS_BEFORE_NAME:
            mask[position:] = [True] * (len(words) - position)
            break
    for position in range(len(words) - 1, -1, -1):
        word = words[position]
        if word in STREET_WORDS_AFTER_NAME or word.endswith(STREET_WORD_ENDINGS):
            mask[: position + 1] = [True] * (position + 1)
            break
    return mask


def is_placeholder(text: str) -> bool:
    """Whether a city column holds a placeholder rather than a place (see :data:`PLACEHOLDERS`).

    >>> is_placeholder("Siedziba główna"), is_placeholder("HQ"), is_placeholder("Gdańsk")
    (True, True, False)
    """
    return name_key(text) in PLACEHOLDERS


def is_place_phrase(words: list[str]) -> bool:
    """Whether a phrase of folded words may be looked up as a place name."""
    letters = "".join(words)
    if CJK_RUN.fullmatch(letters):
        return len(letters) >= 2
    return (
        len(letters) >= 3
        and not any(_is_street_word(word) for word in words)
        and not all(word in STOP_WORDS for word in words)
        and " ".join(words) not in PLACEHOLDERS
    )
