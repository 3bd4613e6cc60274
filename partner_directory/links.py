"""Which text may become a link, and how text from data is kept from becoming one.

The one owner of that decision for the pages, the map and the files:

* :func:`safe_href`, :func:`website_href`, :func:`email_href` and :func:`mailto`
  say what a browser may follow. Only ``http``, ``https`` and ``mailto`` ever
  reach a browser as a link; ``javascript:``, ``data:``, ``file:`` and every
  other scheme are refused.
* :func:`fits_in_page` and :func:`is_page_resource` say which addresses may be
  written into a page at all (a link, a script's ``src``, a tile template).
* :func:`markdown_text` turns text from data into markdown that shows it as it
  is, never as a link, an image, HTML or formatting.
* :func:`check_website` and :func:`is_email` normalise and judge the cells of
  the partner file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit

WEB_SCHEMES: tuple[str, ...] = ("http", "https")
LINK_SCHEMES: tuple[str, ...] = (*WEB_SCHEMES, "mailto")

# Pragmatic, not RFC 5322: letters (any script), digits and . _ + ' - before the @,
# dotted labels after it. Nothing that could close an attribute or start a
# mailto query (?, &, #), so an address can never smuggle in a cc or a body.
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_HOST = re.compile(r"^[^\s/:?#@]+\.[^\s/:?#@]+")
# Browsers ignore these inside a scheme ("java\tscript:"), so they are removed before judging.
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")
# Characters that have no business in an address written into a page: they could end the
# attribute, string or template it stands in, or be read differently by browsers.
_BREAKS_OUT_OF_A_PAGE = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")

# Markdown syntax that could make text a link, an image, HTML, LaTeX, a Streamlit
# directive (":red[…]", ":material/…:") or formatting; each is escaped with a backslash.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# GitHub-flavoured markdown (remark-gfm in Streamlit) turns bare addresses into links *after*
# parsing, in the text where backslash escapes are already undone, so no escape stops it.
# An invisible WORD JOINER (U+2060) placed where each of its patterns needs a plain character
# does: in "https://" before the ":", in "www." before the ".", and before every "@".
_WORD_JOINER = "\u2060"
_AUTOLINK_LITERAL_STARTS = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


@dataclass(frozen=True)
class WebsiteCheck:
    """The result of :func:`check_website`.

    ``url`` is the normalised address (``""`` when refused); ``problem`` is
    ``None``, ``"added_scheme"`` (a warning) or ``"bad_scheme"`` / ``"malformed"`` (errors).
    """

    url: str
    problem: str | None = None
    scheme: str = ""


def is_email(value: str) -> bool:
    """Return whether ``value`` looks like one e-mail address.

    >>> is_email("anna@example.org"), is_email("anna@example"), is_email("a b@example.org")
    (True, False, False)
    """
    return bool(_EMAIL.fullmatch(value))


def check_website(value: str) -> WebsiteCheck:
    """Normalise a website cell and say what was wrong with it.

    >>> check_website("example.org/x").url
    'https://example.org/x'
    >>> check_website("javascript:alert(1)").problem
    'bad_scheme'
    """
    text = value.strip()
    if not text:
        return WebsiteCheck(url="")
    scheme_match = _SCHEME.match(_IGNORED_BY_BROWSERS.sub("", text))
    if scheme_match and not text.lower().startswith(("www.",)):
        scheme = scheme_match.group(1).lower()
        if scheme not in WEB_SCHEMES:
            # "example.org:8080" parses as a scheme "example.org"; only a dotless word is a scheme.
            if "." in scheme and _HOST.match(text):
                return _with_https(text)
            return WebsiteCheck(url="", problem="bad_scheme", scheme=scheme)
        parts = urlsplit(text)
        if not parts.netloc or " " in parts.netloc:
            return WebsiteCheck(url="", problem="malformed", scheme=scheme)
        return WebsiteCheck(url=text)
    if text.startswith("//"):
        return _with_https(text[2:])
    if _HOST.match(text):
        return _with_https(text)
    return WebsiteCheck(url="", problem="malformed")


def _with_https(text: str) -> WebsiteCheck:
    return WebsiteCheck(url=f"https://{text}", problem="added_scheme", scheme="https")


def fits_in_page(address: str) -> bool:
    """Whether ``address`` holds no character that could leave the attribute or string it is written into.

    Whitespace, control characters, quotes, angle brackets, backticks and
    backslashes are refused; they have no business in a link or a ``src``.

    >>> fits_in_page("https://a.example.org/x?y=1"), fits_in_page('/static/"><script>')
    (True, False)
    """
    return not _BREAKS_OUT_OF_A_PAGE.search(address)


def is_page_resource(address: str) -> bool:
    """Whether a configured ``address`` may be written into a page to load things from.

    An ``http(s)`` address with a host, or a path on the app's own server
    (starting with ``/``), holding nothing :func:`fits_in_page` refuses. Used for
    where the map's assets are served and for a tile template (whose ``{z}``
    and the like are allowed).

    >>> is_page_resource("/app/static/"), is_page_resource("https://tile.example.org/{z}/{x}/{y}.png")
    (True, True)
    >>> is_page_resource("javascript:alert(1)//"), is_page_resource("/static/ x")
    (False, False)
    """
    if not fits_in_page(address):
        return False
    if address.startswith("/"):
        return True
    return address.lower().startswith(("https://", "http://")) and safe_href(address) is not None


@lru_cache(maxsize=65_536)
def website_href(value: str) -> str | None:
    """Return the address a website cell may link to, or ``None`` when it must stay text.

    Only ``http``/``https`` addresses with a host qualify (as :func:`check_website`
    judges them); a bare host name such as ``www.example.com`` is given
    ``https://``. Anything else -- ``javascript:``, ``data:``, ``mailto:``,
    relative paths, a protocol-relative ``//host``, a malformed port, text with
    spaces or quotes -- is shown as plain text. The map's browser code adds
    ``https://`` to the raw value itself, so the returned address is always
    either the stripped value or ``"https://"`` followed by it.

    >>> website_href("www.example.com/en")
    'https://www.example.com/en'
    >>> website_href("javascript:alert(1)") is None
    True
    """
    text = value.strip()
    if not text or not fits_in_page(text) or text.startswith("//"):
        return None
    checked = check_website(text)
    if not checked.url or checked.problem not in (None, "added_scheme") or safe_href(checked.url) is None:
        return None
    try:
        urlsplit(checked.url).port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return None
    return checked.url


def markdown_text(text: object) -> str:
    """Return markdown that shows ``text`` exactly as it is: never a link, an image, HTML, LaTeX or formatting.

    Every markdown special character is escaped, line breaks stay line breaks,
    and bare addresses (``https://…``, ``www.…``, ``name@host``), which
    GitHub-flavoured markdown would turn into links whatever is escaped, get
    an invisible word joiner (U+2060) that breaks the pattern. ``None`` is ``""``.

    >>> markdown_text("see *www.example.org*")
    'see \\\\*www\\u2060\\\\.example\\\\.org\\\\*'
    """
    return _escaped(_AUTOLINK_LITERAL_STARTS.sub(_WORD_JOINER, str(text or "")))


def button_label_text(text: object) -> str:
    """Return markdown for a button's label that shows ``text`` exactly, word joiners left out.

    Streamlit never renders a link inside a button's label (it unwraps links
    there), so an address in a label stays text without the invisible joiners
    :func:`markdown_text` needs elsewhere, and copying the label gives the
    address as typed. Everything else is escaped as in :func:`markdown_text`.

    >>> button_label_text("lena@example.org")
    'lena@example\\\\.org'
    """
    return _escaped(str(text or ""))


def _escaped(plain: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain).replace("\n", "  \n")


def safe_href(value: str) -> str | None:
    """Return ``value`` if a browser may follow it as a link (http, https, mailto), else ``None``."""
    text = value.strip()
    if not text:
        return None
    compact = _IGNORED_BY_BROWSERS.sub("", text)
    match = _SCHEME.match(compact)
    if match is None:
        return None
    scheme = match.group(1).lower()
    if scheme in WEB_SCHEMES:
        return text if urlsplit(text).netloc else None
    if scheme == "mailto":
        return text if _is_plain_mailto(text[len(match.group(0)) :]) else None
    return None


#: What a mailto link may carry besides the address (the visit request's copy, subject and body).
_MAILTO_FIELDS = frozenset({"cc", "subject", "body"})


def _is_plain_mailto(rest: str) -> bool:
    """One address by the e-mail rule, then only ``cc`` (one address), ``subject`` and ``body``; never ``bcc`` or ``to``."""
    from urllib.parse import parse_qsl, unquote

    address, _, query = rest.partition("?")
    if not is_email(unquote(address)):
        return False
    try:
        fields = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        return False
    return all(name.lower() in _MAILTO_FIELDS and (name.lower() != "cc" or is_email(value)) for name, value in fields)


def email_href(address: str) -> str | None:
    """The ``mailto:`` link for one e-mail address, or ``None`` when it is not one address by :func:`is_email`.

    The one rule for every e-mail link on the pages and on the map:
    ``a@b.co?bcc=evil@x.example`` is not an address, so it never becomes a link
    that adds headers.

    >>> email_href("anna@example.org"), email_href("a@b.co?bcc=evil@x.example")
    ('mailto:anna@example.org', None)
    """
    return mailto(address.strip())


def mailto(address: str, *, subject: str = "", body: str = "", cc: str = "") -> str | None:
    """Build a ``mailto:`` link with a prefilled subject and body, or ``None`` for a bad address."""
    if not is_email(address):
        return None
    query = [
        f"{name}={quote(text, safe='')}"
        for name, text in (("cc", cc if is_email(cc) else ""), ("subject", subject), ("body", body))
        if text
    ]
    return f"mailto:{quote(address, safe='@.+-_')}" + ("?" + "&".join(query) if query else "")
