"""Hypothesis strategies for partner files: every column, from the whole space of values validation lets through.

A generated file is a list of rows (one dict per office, keyed by schema
column), a header (canonical names or the Polish/English aliases office staff
type), a delimiter and an encoding. :func:`encode` turns it into the bytes a
person would upload or the office would publish. The cells are hostile on
purpose: markup, bare URLs and e-mail addresses, control characters, list
separators inside list fields, right-to-left text and emoji, cells as long as
:data:`~partner_directory.sheet.limits.EXCEL_MAX_CELL_CHARS`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hypothesis import strategies as st

from partner_directory.links import check_website, is_email
from partner_directory.sheet.limits import DEFAULT_LIMITS
from partner_directory.sheet.schema import COLUMNS, HEADER_ALIASES, SERVICE_ALIASES

#: Text that must never become markup, a link, an image or a formula on a page.
MARKUP: tuple[str, ...] = (
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<b>bold</b>",
    "</div><a href='javascript:alert(1)'>x</a>",
    "[a](http://x.example)",
    "[a](javascript:alert(1))",
    "![i](http://x.example/i.png)",
    "<https://auto.example>",
    "**b**",
    "_i_",
    "$x$",
    "$$\\int$$",
    "`code`",
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "| a | b |",
    ":red[red]",
    ":material/home:",
    ":smile:",
    "{{ 7*7 }}",
    "{% raw %}",
    "&lt;escaped&gt;",
    "&amp;",
    '"quoted"',
    "'apostrophe'",
    "\\",
    "=1+1",
    "@SUM(A1)",
    "+48 58 123 45 67",
    "-1",
)
#: Addresses typed as plain text, which a markdown renderer may turn into links.
BARE_LINKS: tuple[str, ...] = (
    "https://evil.example",
    "https://evil.example/x",
    "http://evil.example/a?b=c&d=e#f",
    "www.evil.example",
    "evil.example",
    "a@b.org",
    "mailto:a@b.org",
    "ftp://evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
)
#: Right-to-left scripts, emoji, combining marks, odd spaces.
WORLD: tuple[str, ...] = (
    "Zażółć gęślą jaźń",
    "ZAŻÓŁĆ",
    "Gdańsk",
    "東京",
    "مرحبا",
    "שלום",
    "\u202eevil\u202c",
    "\u200f",
    "🤝",
    "👩\u200d💻",
    "🇵🇱",
    "e\u0301",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\ufeff",
    "ﬁ",
)
#: The list separators of the partner file and the comma Polish Excel users type.
SEPARATORS: tuple[str, ...] = (",", ";", "|", ", ", "; ", " | ", ",;", "\t")
#: Control characters a cell may hold in a file (C0, DEL, C1, line and paragraph separators, a noncharacter);
#: validation reports and removes them (partner_directory.text.clean_text).
CONTROLS: tuple[str, ...] = (*(chr(c) for c in range(0x20)), "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\ufffe")

PIECES: tuple[str, ...] = MARKUP + BARE_LINKS + WORLD + SEPARATORS

SERVICE_SPELLINGS: tuple[str, ...] = (
    *SERVICE_ALIASES,
    "Biurko",
    "SALA KONFERENCYJNA",
    "sala konferencyjna",
    "Sala spotkań",
    "dostęp do internetu",
    "Wi-Fi",
    "hot_desk",
    "biurko, internet",
    "biurko,internet",
    "parking",
    "kawa ☕",
    "<b>desk</b>",
    "https://evil.example",
)
LANGUAGE_SPELLINGS: tuple[str, ...] = (
    "pl",
    "PL",
    "en",
    "Polish",
    "polski",
    "angielski",
    "English",
    "de",
    "Deutsch",
    "ja",
    "日本語",
    "uk",
    "Ukrainian",
    "he",
    "ar",
    "xx",
    "Klingon",
    "pl-PL",
    "en_GB",
)
COUNTRY_SPELLINGS: tuple[str, ...] = (
    "PL",
    "pl",
    "Polska",
    "POLSKA",
    "Poland",
    "Rzeczpospolita Polska",
    " Polska ",
    "DE",
    "Niemcy",
    "Deutschland",
    "Germany",
    "UK",
    "GB",
    "United Kingdom",
    "Wielka Brytania",
    "USA",
    "Stany Zjednoczone",
    "United States of America",
    "Czechy",
    "Czechia",
    "Czech Republic",
    "Côte d'Ivoire",
    "Cote d'Ivoire",
    "Korea, Republic of",
    "Türkiye",
    "Turkey",
    "日本",
    "Japan",
    "Israel",
    "ישראל",
    "Kosovo",
    "XK",
    "Taiwan",
    "Palestine",
    "Holy See",
    "Antarctica",
    "AQ",
    "Bouvet Island",
    "Narnia",
    "XX",
    "ZZ",
    "<b>PL</b>",
    "https://evil.example",
)
CITY_SPELLINGS: tuple[str, ...] = (
    "Gdańsk",
    "Gdansk",
    "GDAŃSK",
    "Łódź",
    "Lodz",
    "Warszawa",
    "Warsaw",
    "München",
    "Monachium",
    "東京",
    "São Paulo",
    "Tel Aviv-Yafo",
    "תל אביב",
    "Springfield",
    "Nowhere-on-Sea",
)
COORDINATE_EDGES: tuple[tuple[str, str], ...] = (
    ("90", "180"),
    ("-90", "-180"),
    ("0", "0"),
    ("-0", "-0.0"),
    ("90.0", "-180.0"),
    ("89.999999", "179.999999"),
    ("54,352", "18,646"),
    ("+54.352", "+18.646"),
    (" 54.352 ", " 18.646 "),
    ("−33.9", "151.2"),
    (".5", "-.5"),
)
DATE_SPELLINGS: tuple[str, ...] = (
    "2026-11-28",
    "28.11.2026",
    "28/11/2026",
    "2026",
    "2026-02",
    "11/2026",
    "1999-12-31",
    "2026-02-30",
    "jutro",
    "<script>",
)
EMAILS: tuple[str, ...] = (
    "anna@example.org",
    "A.Nowak+bra@Example.ORG",
    "o'brien@cluster.example.ie",
    "zażółć@przykład.example.pl",
    "mailto:biuro@pomorski.example.org",
    "a@b.org",
)
WEBSITES: tuple[str, ...] = (
    "https://example.org",
    "http://example.org/path?q=1&r=2#frag",
    "example.org/x",
    "www.evil.example",
    "//cluster.example",
    "example.org:8080",
    "HTTPS://CLUSTER.EXAMPLE",
    'https://x.example/"><img src=x onerror=alert(1)>',
    "https://x.example/)](javascript:alert(1))",
    "https://x.example/<script>",
    "https://xn--gdask-l4a.example/ąę",
    "https://evil.example/x",
)

LONG_CELL = DEFAULT_LIMITS.max_cell_chars


def _text_pieces() -> st.SearchStrategy[str]:
    plain = st.text(st.characters(codec="utf-8", exclude_categories=["Cc"]), max_size=6)  # controls: see below
    return st.one_of(
        st.sampled_from(PIECES),
        plain,
        st.sampled_from(("Klaster", "Cluster", "Biuro", "Office", "BRA", "ul. Długa 1", "80-001")),
    )


def _long(text: str, length: int) -> str:
    """``text`` repeated to exactly ``length`` characters (a cell at or near the file's limit)."""
    seed = text or "x"
    return (seed * (length // len(seed) + 1))[:length]


@st.composite
def hostile_text(draw: st.DrawFn, *, allow_long: bool = True, max_pieces: int = 4) -> str:
    """A cell of short pieces (markup, bare links, RTL, emoji, controls); now and then one as long as the limit."""
    text = "".join(draw(st.lists(_text_pieces(), max_size=max_pieces)))
    # Drawn so that shrinking makes a cell shorter: 0 is "not long", the smallest long cell comes first.
    if allow_long and draw(st.integers(0, 19)) == 19:
        text = _long(text, draw(st.sampled_from((300, 5_000, LONG_CELL - 1, LONG_CELL))))
    # A control character in one cell of ten: many more and loading refuses the file as binary.
    if draw(st.integers(0, 9)) == 9:
        at = draw(st.integers(0, len(text)))
        text = (text[:at] + draw(st.sampled_from(CONTROLS)) + text[at:])[:LONG_CELL]  # never past the limit
    return text


def listed(items: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A list cell: items joined by any separator, commas included (``biurko, internet``)."""

    @st.composite
    def cell(draw: st.DrawFn) -> str:
        values = draw(st.lists(items, max_size=4))
        text = ""
        for position, value in enumerate(values):
            text += (draw(st.sampled_from(SEPARATORS)) if position else "") + value
        return text

    return cell()


def pick_or_text(spellings: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(spellings), hostile_text(allow_long=False, max_pieces=2))


@st.composite
def coordinates(draw: st.DrawFn) -> tuple[str, str]:
    """Both empty, an edge of the range, or any number inside it (validation refuses half a pair)."""
    kind = draw(st.sampled_from(("none", "edge", "any")))
    if kind == "none":
        return "", ""
    if kind == "edge":
        return draw(st.sampled_from(COORDINATE_EDGES))
    latitude = draw(st.floats(-90, 90, allow_nan=False))
    longitude = draw(st.floats(-180, 180, allow_nan=False))
    digits = draw(st.integers(0, 8))  # "1e-05" is no coordinate to validation: write decimals
    return f"{latitude:.{digits}f}", f"{longitude:.{digits}f}"


def email() -> st.SearchStrategy[str]:
    generated = st.builds(
        "{}@{}.{}".format,
        st.text("abcxyząęł0123456789._+'-", min_size=1, max_size=10),
        st.text("abcxyzżó0123-", min_size=1, max_size=10),
        st.sampled_from(("org", "pl", "example", "co.uk", "ąę", "com.pl")),
    ).filter(is_email)
    return st.one_of(st.just(""), st.sampled_from(EMAILS), generated)


def _web_address_ok(value: str) -> bool:
    return check_website(value).problem not in ("bad_scheme", "malformed")


def website() -> st.SearchStrategy[str]:
    generated = st.builds(
        lambda host, path: f"https://{host}/{path}",
        st.sampled_from(("a.example", "b.example")),
        hostile_text(allow_long=False, max_pieces=2),
    )
    return st.one_of(st.just(""), st.sampled_from(WEBSITES), generated.filter(_web_address_ok))


@st.composite
def partner_row(draw: st.DrawFn) -> dict[str, str]:
    """One office: every column of the schema, each drawn from what validation lets through."""
    latitude, longitude = draw(coordinates())
    name = draw(hostile_text())
    if not name.strip():  # a name is required; completed rather than filtered, so that it shrinks
        name += draw(st.sampled_from(("Klaster", "BRA", "東京", "<b>x</b>", "https://evil.example")))
    city = draw(pick_or_text(CITY_SPELLINGS))
    address = draw(hostile_text())
    if not city.strip() and not address.strip():
        city = draw(st.sampled_from(CITY_SPELLINGS))
    return {
        "partner_id": draw(st.one_of(st.just(""), hostile_text(allow_long=False, max_pieces=2))),
        "partner_name": name,
        "office_name": draw(hostile_text()),
        "address": address,
        "postal_code": draw(pick_or_text(("80-001", "00-950", "10115", "SW1A 1AA", "100-0001", "08001"))),
        "city": city,
        "country": draw(st.sampled_from(COUNTRY_SPELLINGS)),
        "latitude": latitude,
        "longitude": longitude,
        "sectors": draw(listed(hostile_text(allow_long=False, max_pieces=2))),
        "services": draw(listed(st.sampled_from(SERVICE_SPELLINGS))),
        "languages": draw(listed(st.sampled_from(LANGUAGE_SPELLINGS))),
        "contact_name": draw(hostile_text()),
        "contact_email": draw(email()),
        "contact_phone": draw(hostile_text(allow_long=False)),
        "website": draw(website()),
        "description": draw(hostile_text()),
        "bra_since": draw(st.one_of(st.just(""), st.sampled_from(DATE_SPELLINGS))),
        "last_verified": draw(st.one_of(st.just(""), st.sampled_from(DATE_SPELLINGS))),
    }


@dataclass(frozen=True)
class PartnerFile:
    """A generated partner file: its rows, the header it is written with, and how it is encoded."""

    rows: tuple[dict[str, str], ...]
    headers: tuple[str, ...]
    delimiter: str = ","
    encoding: str = "utf-8"

    def encode(self) -> bytes:
        """The file's bytes; an encoding that cannot hold every character falls back to UTF-8 with a BOM."""
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerow(self.headers)
        for row in self.rows:
            writer.writerow([row[column] for column in COLUMNS])
        text = buffer.getvalue()
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError:
            return text.encode("utf-8-sig")

    def with_rows(self, rows: tuple[dict[str, str], ...]) -> PartnerFile:
        return PartnerFile(rows, self.headers, self.delimiter, self.encoding)


def header(column: str) -> st.SearchStrategy[str]:
    """The column's own name or one of the spellings staff type (``Nazwa klastra``, ``E-mail``, ``Usługi``)."""
    spellings = (column, *HEADER_ALIASES.get(column, ()))
    return st.sampled_from(spellings).map(lambda s: s.title() if len(s) > 3 and s[0].islower() and " " in s else s)


@st.composite
def partner_files(draw: st.DrawFn, *, max_rows: int = 3) -> PartnerFile:
    """A partner file of one to ``max_rows`` offices, as a real CSV (UTF-8, UTF-8-BOM, cp1250; ``,`` ``;`` tab)."""
    rows = tuple(draw(st.lists(partner_row(), min_size=1, max_size=max_rows)))
    headers = tuple(draw(header(column)) for column in COLUMNS)
    delimiter = draw(st.sampled_from((",", ";", "\t")))
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1250")))
    return PartnerFile(rows, headers, delimiter, encoding)


def plain_row(**cells: str) -> dict[str, str]:
    """A simple valid office with ``cells`` replaced, for pinned examples."""
    row = dict.fromkeys(COLUMNS, "")
    row |= {"partner_name": "Pomorski Klaster ICT", "city": "Gdańsk", "country": "PL", "services": "desk"}
    row |= {"contact_email": "biuro@pomorski.example.org", "website": "https://pomorski.example.org"}
    return row | cells


def pinned(*rows: dict[str, str], delimiter: str = ",", encoding: str = "utf-8") -> PartnerFile:
    return PartnerFile(tuple(rows), COLUMNS, delimiter, encoding)
