"""Links and e-mail addresses: which may become a link in a browser, and how to normalise them.

Only ``http``, ``https`` and ``mailto`` ever reach a browser as a link;
``javascript:``, ``data:``, ``file:`` and every other scheme are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
