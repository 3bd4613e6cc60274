from __future__ import annotations

import re

import pytest

from partner_directory.links import (
    check_website,
    email_href,
    is_email,
    is_page_resource,
    mailto,
    markdown_text,
    safe_href,
    website_href,
)


@pytest.mark.parametrize(
    ("value", "url", "problem"),
    [
        ("https://a.example.org", "https://a.example.org", None),
        ("http://a.example.org/x?y=1", "http://a.example.org/x?y=1", None),
        ("a.example.org", "https://a.example.org", "added_scheme"),
        ("www.example.org/path", "https://www.example.org/path", "added_scheme"),
        ("example.org:8080", "https://example.org:8080", "added_scheme"),
        ("javascript:alert(1)", "", "bad_scheme"),
        (" JavaScript:alert(1)", "", "bad_scheme"),
        ("java\tscript:alert(1)", "", "bad_scheme"),
        ("data:text/html,<b>x</b>", "", "bad_scheme"),
        ("file:///etc/passwd", "", "bad_scheme"),
        ("ftp://files.example.org", "", "bad_scheme"),
        ("http://", "", "malformed"),
        ("just words", "", "malformed"),
    ],
)
def test_check_website(value, url, problem):
    result = check_website(value)
    assert (result.url, result.problem) == (url, problem)


@pytest.mark.parametrize(
    ("value", "href"),
    [
        ("https://a.example.org", "https://a.example.org"),
        ("mailto:anna@example.org", "mailto:anna@example.org"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("\njavascript:alert(1)", None),
        ("data:text/html,x", None),
        ("vbscript:x", None),
        ("//evil.example.org", None),
        ("a.example.org", None),
        ("", None),
    ],
)
def test_safe_href(value, href):
    assert safe_href(value) == href


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("anna@example.org", True),
        ("a.b+c@sub.example.co.uk", True),
        ("anna@example", False),
        ("anna example.org", False),
        ("<a@b.org>", False),
        ("a@b.org, c@d.org", False),
        ("", False),
    ],
)
def test_is_email(value, ok):
    assert is_email(value) is ok


def test_mailto_encodes_subject_and_body():
    link = mailto("host@example.org", subject="Wizyta & spotkanie", body="Dzień dobry,\nlinia 2", cc="home@example.org")
    assert link == (
        "mailto:host@example.org?cc=home%40example.org&subject=Wizyta%20%26%20spotkanie"
        "&body=Dzie%C5%84%20dobry%2C%0Alinia%202"
    )
    assert mailto("not an address") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://acme.example.pl/en?x=1#top", "https://acme.example.pl/en?x=1#top"),
        ("http://acme.example.pl", "http://acme.example.pl"),
        ("HTTPS://ACME.EXAMPLE.PL", "HTTPS://ACME.EXAMPLE.PL"),
        ("www.acme.example.pl", "https://www.acme.example.pl"),
        ("acme.pl/kontakt", "https://acme.pl/kontakt"),
        ("  https://acme.pl  ", "https://acme.pl"),
        ("javascript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("javascript://acme.pl/%0aalert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox(1)", None),
        ("mailto:anna@example.pl", None),
        ("//evil.example", None),
        ("/relative/path", None),
        ("http://", None),
        ('https://acme.pl/"onmouseover=alert(1)', None),
        ("https://ac me.pl", None),
        ("https://acme.pl:99999999", None),
        ("Acme website", None),
        ("", None),
    ],
)
def test_website_href(value, expected):
    assert website_href(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("anna@example.pl", True),
        ("anna.nowak+bra@biuro.example.com.pl", True),
        ("anna@example.pl?cc=eve@example.pl", False),
        ("anna@example.pl&body=x", False),
        ("javascript:alert(1)//@example.pl", False),
        ("<img src=x>@example.pl", False),
        ("anna@localhost", False),
        ("anna example.pl", False),
        ("", False),
    ],
)
def test_an_email_link_needs_one_plain_address(value, expected):
    assert (email_href(value) is not None) is expected


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("/app/static/", True),
        ("/base/app/static/", True),
        ("https://cdn.example.org/static/", True),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", True),
        ("/tiles/{z}/{x}/{y}.png", True),
        ('/static/"><script>', False),
        ("/static/ x", False),
        ("/static/\nx", False),
        ("https://example.org/`x`", False),
        ("javascript:alert(1)//", False),
        ("data:text/javascript,alert(1)", False),
        ("static/", False),
        ("http://", False),
        ("", False),
    ],
)
def test_is_page_resource(address, ok):
    assert is_page_resource(address) is ok


WORD_JOINER = "\u2060"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme", "Acme"),
        ("https://evil.example/x", f"https{WORD_JOINER}\\://evil\\.example/x"),
        ("HTTP://EVIL.EXAMPLE", f"HTTP{WORD_JOINER}\\://EVIL\\.EXAMPLE"),
        ("www.evil.example", f"www{WORD_JOINER}\\.evil\\.example"),
        ("WWW.evil.example", f"WWW{WORD_JOINER}\\.evil\\.example"),
        ("evil@example.org", f"evil{WORD_JOINER}@example\\.org"),
        ("mailto:evil@example.org", f"mailto\\:evil{WORD_JOINER}@example\\.org"),
        ("[a](http://x)", f"\\[a\\]\\(http{WORD_JOINER}\\://x\\)"),
        ("![i](http://x/i.png)", f"\\!\\[i\\]\\(http{WORD_JOINER}\\://x/i\\.png\\)"),
        ("<https://evil.example>", f"\\<https{WORD_JOINER}\\://evil\\.example\\>"),
        ("<b>bold</b> *x* _y_ `z` $a$ :red[r] ~s~ # h", None),
        ("line 1\nline 2", "line 1  \nline 2"),
        (None, ""),
        (7, "7"),
    ],
)
def test_markdown_text_escapes_syntax_and_breaks_bare_addresses(text, expected):
    escaped = markdown_text(text)
    if expected is not None:
        assert escaped == expected
    # Whatever it holds, the text reads the same once the escapes and the invisible joiners are gone.
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "").replace("  \n", "\n") == str(text or "")
    # No markdown syntax is left unescaped, and no bare address pattern of GitHub-flavoured markdown survives.
    assert not re.search(r"(?<!\\)[\[\]()<>*_`$~!#:]", escaped.replace(WORD_JOINER, ""))
    plain = re.sub(r"\\(.)", r"\1", escaped)
    assert not re.search(r"(https?://|www(?=\.))[-.\w]+", plain, re.IGNORECASE)
    assert not re.search(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", plain)
