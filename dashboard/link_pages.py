"""The frame of the public pages behind links in mails: small HTML pages with nothing but their own content.

A host answering a visit request, a partner checking its offices: people
without an account open these pages from a mail. So each page is the smallest
surface possible: no navigation to the rest of the app, no script, no image,
one inline style sheet allowed by its hash (a strict ``Content-Security-Policy``),
never framed, never cached, never indexed, and no ``Referer`` sent onwards (the
address holds the link's token). Every text a page writes is escaped by its
writer with ``html.escape``; :func:`page` escapes the title and language itself.
It reads well on a phone (viewport, big targets) and with the keyboard alone
(visible focus, labels on every field).
"""

from __future__ import annotations

import base64
import hashlib
import html

from starlette.responses import HTMLResponse

from partner_directory.i18n import LANGUAGES, OWN_NAMES, normalise_language

#: The pages' only style: readable on a phone, big targets, a focus ring the keyboard can follow.
STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1rem;color:#1b1b1b;background:#fff}"
    "main{max-width:40rem;margin:0 auto}"
    "h1{font-size:1.5rem;margin:.5rem 0 1rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}"
    "fieldset{border:1px solid #888;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}"
    "label{display:block;margin:.75rem 0 .25rem;font-weight:600}"
    "label.choice{display:flex;gap:.5rem;align-items:center;font-weight:400;min-height:44px;margin:0}"
    "input[type=date],textarea{font:inherit;width:100%;box-sizing:border-box;min-height:44px;padding:.5rem}"
    "input[type=radio]{width:1.25rem;height:1.25rem}"
    "button{font:inherit;font-weight:600;min-height:48px;padding:.5rem 1.25rem;margin-top:1rem;border:0;"
    "border-radius:6px;background:#0b5394;color:#fff;cursor:pointer}"
    ":focus-visible{outline:3px solid #e69138;outline-offset:2px}"
    ".problem{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fdecea}"
    ".done{border-left:4px solid #1e7b34;padding:.5rem 1rem;background:#e8f5e9}"
    "nav.lang{text-align:right}nav.lang a{display:inline-block;min-width:44px;min-height:44px;line-height:44px;"
    "text-align:center}"
    # the data check's form: one fieldset per office, text fields, a second kind of button, errors beside fields
    "h2{font-size:1.2rem;margin-top:2rem}legend{font-weight:600}"
    "input[type=text]{font:inherit;width:100%;box-sizing:border-box;min-height:44px;padding:.5rem}"
    "button.secondary{background:#fff;color:#0b5394;border:2px solid #0b5394}"
    ".error{color:#a00000;font-weight:600}.notice{padding:1rem;border-radius:.5rem;background:#eef5ee}"
    ".help{color:#555;font-size:.9rem}a{color:#0b5394}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
#: Nothing but this page's own style, and forms that post back to this server.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        f"style-src 'sha256-{STYLE_HASH}'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def document(title: str, body_html: str, lang: str, *, switch: dict[str, str] | None = None) -> str:
    """The whole page as text: ``body_html`` (already escaped by its writer) under an escaped ``title``.

    ``switch`` maps each other language to the address of this page in it (the PL/EN switch).
    """
    language = normalise_language(lang)
    links = "".join(
        f'<a href="{html.escape(href, quote=True)}" lang="{code}" hreflang="{code}">{OWN_NAMES[code]}</a> '
        for code, href in (switch or {}).items()
        if code in LANGUAGES and code != language
    )
    nav = f'<nav class="lang" aria-label="Language / Język">{links}</nav>' if links else ""
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{nav}<main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>"
    )


def page(
    title: str, body_html: str, lang: str, *, status: int = 200, switch: dict[str, str] | None = None
) -> HTMLResponse:
    """The page as a response with the strict headers (see the module)."""
    return HTMLResponse(document(title, body_html, lang, switch=switch), status_code=status, headers=HEADERS)
