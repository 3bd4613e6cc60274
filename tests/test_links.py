from __future__ import annotations

import pytest

from partner_directory.links import check_website, is_email, mailto, safe_href


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
