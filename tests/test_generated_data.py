"""Generated partner files through every page: no exception, no link or image that ``links`` did not approve.

Hypothesis draws partner files from the whole space of values validation lets
through (``tests/strategies.py``): list fields with commas, semicolons and
pipes, Polish service names, empty and very long cells, control characters,
markup, bare URLs and e-mail addresses, right-to-left text and emoji, real and
odd country spellings, coordinates at the edges, several encodings and
delimiters. Rows validation refuses are dropped, the rest is published, and
AppTest opens the members' list and map, the overview, the staff page signed
in, and the card and visit form of every partner.

Every text a page sends to be rendered as markdown is parsed the way the
browser does (GitHub-flavoured markdown, literal autolinks included); every
link must be a website or e-mail link ``partner_directory.links`` made from the
row, and there must be no image and no raw HTML. The map's offices must travel
as JSON only.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (the default: a dozen small files,
about 25 s), ``long`` (300 files, about ten minutes) and ``generate-only``
(``ci`` without the pinned examples, which otherwise stop the search at the
first known failure).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, Phase, assume, event, example, given, note, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from partner_directory.access.passwords import hash_password
from partner_directory.errors import PartnerDirectoryError
from partner_directory.i18n import LANGUAGES, t, tables
from partner_directory.links import email_href, safe_href
from partner_directory.maps.assets import STATIC_DIR
from partner_directory.maps.building import build_map
from partner_directory.publication.published import empty_table, load_published
from partner_directory.sheet.loading import load_bytes
from partner_directory.sheet.validation import check
from tests.apptest import app, prepare
from tests.stores import published_bytes
from tests.strategies import PartnerFile, partner_files, pinned, plain_row

TODAY = "2026-11-28"
PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD)

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=12, deadline=None, suppress_health_check=_HEALTH, print_blob=True)
settings.register_profile("long", max_examples=300, deadline=None, suppress_health_check=_HEALTH, print_blob=True)
# Without the pinned examples: a search for new failures while known ones are still open.
settings.register_profile(
    "generate-only", settings.get_profile("ci"), phases=[Phase.reuse, Phase.generate, Phase.shrink]
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- what the browser makes of a markdown string -----------------------------------------------------------

#: GitHub-flavoured markdown as Streamlit's frontend renders it (tables, strikethrough, linkify, raw HTML seen).
MARKDOWN = MarkdownIt("gfm-like")
# remark-gfm (Streamlit's frontend) finds literal autolinks in the text AFTER backslash escapes are
# resolved (mdast-util-gfm-autolink-literal runs on the tree's text), so ``https\://evil\.example``
# becomes a link in the browser although markdown-it, which linkifies before escapes are joined,
# would not link it. The two patterns are that library's.
_GFM_URL = re.compile(r"(?<![\w/])(https?://|www(?=\.))([-.\w]+)([^ \t\r\n<]*)", re.IGNORECASE)
_GFM_EMAIL = re.compile(r"(?<![\w/.+-])(?:mailto:)?([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


def _gfm_literal_links(text: str) -> Iterator[str]:
    for match in _GFM_URL.finditer(text):
        domain = match.group(2).rstrip(".")
        parts = domain.split(".")
        if len(parts) < 2 or "_" in "".join(parts[-2:]):
            continue
        url = match.group(0).rstrip(".,:;\"']!?*_~")
        while url.endswith(")") and url.count(")") > url.count("("):  # an unbalanced ")" ends the link
            url = url[:-1]
        yield ("http://" + url) if url.lower().startswith("www") else url
    for match in _GFM_EMAIL.finditer(text):
        if match.group(2)[-1].isalpha() and not match.group(0).startswith("mailto:"):
            yield f"mailto:{match.group(1)}@{match.group(2)}"
        elif match.group(0).startswith("mailto:"):
            yield match.group(0)


def rendered(markdown: str) -> tuple[list[str], list[str], list[str]]:
    """The links (hrefs), images (srcs) and raw HTML a browser would make of ``markdown``."""
    links: list[str] = []
    images: list[str] = []
    html: list[str] = []

    def walk(tokens: Iterable[Any], inside_link: bool = False) -> None:
        for token in tokens:
            if token.type == "link_open":
                links.append(str(token.attrGet("href")))
                inside_link = True
            elif token.type == "link_close":
                inside_link = False
            elif token.type == "image":
                images.append(str(token.attrGet("src")))
            elif token.type in ("html_inline", "html_block"):
                html.append(token.content)
            elif token.type == "text" and not inside_link:
                links.extend(MARKDOWN.normalizeLink(url) for url in _gfm_literal_links(token.content))
            if token.children:
                walk(token.children, inside_link)

    walk(MARKDOWN.parse(markdown))
    return links, images, html


def _translation_links() -> set[str]:
    """Links the app's own sentences make (never from data)."""
    found: set[str] = set()
    for texts in tables().values():
        for text in texts.values():
            found.update(rendered(text)[0])
    return found


APP_LINKS = _translation_links()

#: Fields of a proto whose text the frontend renders as markdown.
MARKDOWN_FIELDS = frozenset({"body", "label", "help", "title", "content", "caption"})
#: Elements whose ``body`` is not markdown: checked on their own (Html) or shown literally (Code).
NOT_MARKDOWN = frozenset({"Html", "Code", "Json", "ComponentInstance", "Exception"})


def markdown_strings(node: Any) -> Iterator[tuple[str, str]]:
    """``(element type, text)`` for every markdown text in the tree: bodies, labels, help, dialog titles, options."""
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "DESCRIPTOR") and proto.DESCRIPTOR.name not in NOT_MARKDOWN:
        yield from _proto_strings(proto)
    for child in getattr(node, "children", {}).values():
        yield from markdown_strings(child)


def _proto_strings(message: Any) -> Iterator[tuple[str, str]]:
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            values = value if field.is_repeated else [value]
            for item in values:
                yield from _proto_strings(item)
        elif field.type == field.TYPE_STRING and field.name in MARKDOWN_FIELDS:
            for text in value if field.is_repeated else [value]:
                yield message.DESCRIPTOR.name, text


def elements(node: Any, name: str) -> Iterator[Any]:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "DESCRIPTOR") and proto.DESCRIPTOR.name == name:
        yield proto
    for child in getattr(node, "children", {}).values():
        yield from elements(child, name)


# --- what a page may show ----------------------------------------------------------------------------------


def _label(match: re.Match[str]) -> str:
    try:
        return match.group(0).encode("ascii").decode("idna")
    except UnicodeError:
        return match.group(0)


def same_link(href: str) -> str:
    """``href`` with percent-escapes and punycode undone: one address, however a renderer spelled it."""
    return re.sub(r"xn--[a-z0-9-]+", _label, unquote(href), flags=re.IGNORECASE).casefold()


def approved_links(rows: Iterable[dict[str, Any]]) -> set[str]:
    """The links ``partner_directory.links`` makes of the rows' website and contact e-mail (see :func:`same_link`)."""
    approved = {same_link(href) for href in APP_LINKS}
    for row in rows:
        for href in (safe_href(str(row["website"] or "")), email_href(str(row["contact_email"] or ""))):
            if href:
                approved.add(same_link(href))
    return approved


def _step_failed() -> tuple[str, ...]:
    return tuple(t("ui.step_failed", lang, step="\x00").split("\x00")[0] for lang in LANGUAGES)


STEP_FAILED = _step_failed()


#: Elements whose label Streamlit renders without links (it unwraps them: its "invalid button markdown"),
#: so an address there stays text; images and raw HTML in them are still checked. The card's browser test
#: (tests/test_card_text_browser.py) counts the links a real browser shows in the card, buttons included.
LINKLESS_LABELS = frozenset({"Button", "LinkButton", "DownloadButton"})


def assert_page_is_safe(at: AppTest, where: str, rows: list[dict[str, Any]], data_texts: set[str]) -> None:
    """No exception, no failed step, and nothing from data as a link, an image, raw HTML or map markup."""
    crashes = [f"{e.value}\n{''.join(e.stack_trace[-3:])}" for e in at.exception]
    assert not crashes, f"{where}: exception {crashes}"
    failed = [e.value for e in at.error if e.value.startswith(STEP_FAILED) or "Traceback" in e.value]
    assert not failed, f"{where}: a step failed {failed}"

    approved = approved_links(rows)
    unsafe_links: list[tuple[str, str, str]] = []
    images: list[tuple[str, str]] = []
    raw_html: list[tuple[str, str]] = []
    for kind, text in markdown_strings(at._tree):
        links, srcs, html = rendered(text)
        if kind not in LINKLESS_LABELS:
            unsafe_links += [(kind, href[:120], text[:120]) for href in links if same_link(href) not in approved]
        images += [(kind, src) for src in srcs]
        raw_html += [(kind, h) for h in html]
    for button in elements(at._tree, "LinkButton"):
        if not _approved_button(button.url, rows):
            unsafe_links.append(("LinkButton", button.url[:120], button.label[:120]))
    assert not unsafe_links, f"{where}: link not made by partner_directory.links {unsafe_links}"
    assert not images, f"{where}: image from data {images}"
    assert not raw_html, f"{where}: raw HTML {raw_html}"
    for html in elements(at._tree, "Html"):  # the app's own style sheet only
        leaked = [text for text in data_texts if text in html.body]
        assert not leaked, f"{where}: data inside st.html {leaked}"
    for component in elements(at._tree, "ComponentInstance"):
        assert_map_carries_data_as_json(json.loads(component.json_args), where, data_texts)


def _approved_button(url: str, rows: list[dict[str, Any]]) -> bool:
    for row in rows:
        website, address = safe_href(str(row["website"] or "")), email_href(str(row["contact_email"] or ""))
        if url in (website, address):
            return True
        # The visit request: the host's e-mail link with a subject and a body, by links.mailto.
        if address and url.startswith(address + "?") and safe_href(url) == url:
            return True
    return False


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.json_texts: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_json = tag == "script" and dict(attrs).get("type") == "application/json"

    def handle_endtag(self, tag: str) -> None:
        self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_texts.append(data)


#: Tags the map's own HTML is made of (folium's and the app's), never a data-made one.
MAP_TAGS = frozenset({"div", "script", "style", "link", "meta"})
#: The map's own page without offices: text found there (``<script>``) is the app's, not leaked data.
MAP_TEMPLATE = build_map(empty_table(), language="en", selection_parameter="partner").get_root().render()


def assert_map_carries_data_as_json(args: dict[str, Any], where: str, data_texts: set[str]) -> None:
    """The map's offices are JSON (inline in a JSON script element, or a file under static/), never markup."""
    html = str(args.get("html", "")) + str(args.get("header", ""))
    parser = _Tags()
    parser.feed(html)
    odd_tags = [tag for tag, _ in parser.tags if tag not in MAP_TAGS]
    assert not odd_tags, f"{where}: the map's HTML has tags from data {odd_tags}"
    payloads = list(parser.json_texts)
    for url in re.findall(r'"url":\s*"([^"]+)"', str(args.get("script", ""))):
        path = STATIC_DIR / url.split("/static/", 1)[-1].lstrip("/")
        if path.suffix == ".json" and path.exists():
            payloads.append(path.read_text(encoding="utf-8"))
    for payload in payloads:
        assert "<" not in payload and ">" not in payload, f"{where}: markup in the map's data"
        json.loads(payload)  # valid JSON, or it fails here
    outside = html + str(args.get("script", ""))
    for payload in parser.json_texts:
        outside = outside.replace(payload, "")
    leaked = [text for text in data_texts if text in outside and text not in MAP_TEMPLATE]
    assert not leaked, f"{where}: data outside the map's JSON {leaked}"


# --- publishing what validation lets through ---------------------------------------------------------------


def publishable(generated: PartnerFile) -> PartnerFile | None:
    """``generated`` without the rows validation refuses; ``None`` when the whole file is refused."""
    for _ in range(3):
        try:
            checked = check(load_bytes(generated.encode(), filename="partners.csv"))
        except PartnerDirectoryError as error:
            event(f"file refused: {type(error).__name__}")
            return None
        report = checked.report
        if any(problem.row is None for problem in report.errors) or len(checked.table) != len(generated.rows):
            event("file refused: " + ", ".join(sorted({p.code for p in report.errors if p.row is None})))
            return None
        if report.ok:
            return generated
        refused = {problem.row for problem in report.errors}
        kept = tuple(
            row
            for row, number in zip(generated.rows, checked.table["source_row"], strict=True)
            if number not in refused
        )
        if not kept:
            event("every row refused")
            return None
        generated = generated.with_rows(kept)
    return None


@contextlib.contextmanager
def published(data: bytes) -> Iterator[Path]:
    """A private app (data file, history, caches, register) publishing ``data``; yields the data file."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PARTNER_DIRECTORY_TODAY", TODAY)
        monkeypatch.setenv("PARTNER_DIRECTORY_ACCESS", "public")
        # The exception's type and message on the page, not Streamlit's redacted notice (.streamlit/config.toml).
        shown = streamlit_config.get_option("client.showErrorDetails")
        streamlit_config.set_option("client.showErrorDetails", "full")
        try:
            yield prepare(monkeypatch, Path(folder), data=data, password_hash=HASH)
        finally:
            streamlit_config.set_option("client.showErrorDetails", shown)


def published_rows(data_file: Path) -> list[dict[str, Any]]:
    """The published offices as the members' pages read them (from the office's database beside the data file)."""
    return load_published(published_bytes(data_file), cache_path=data_file.parent / "geocache.sqlite").table.to_dict(
        "records"
    )


def data_texts_of(generated: PartnerFile) -> set[str]:
    """The typed cells that look like markup or an address: none may reach HTML or the map's script as they are."""
    texts = {cell.strip() for row in generated.rows for cell in row.values()}
    return {text for text in texts if len(text) > 3 and (any(c in text for c in "<>\"'{}&") or "://" in text)}


# --- the pages ---------------------------------------------------------------------------------------------


def _short(value: object) -> object:
    return value[:60] + f"… ({len(value)} characters)" if isinstance(value, str) and len(value) > 80 else value


def run(at: AppTest) -> AppTest:
    at.run()
    return at


def sign_in(at: AppTest) -> AppTest:
    at.switch_page("pages/staff.py").run()
    at.text_input(key="staff_name").input("Anna Nowak")
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[0].click().run()
    return at


def open_card(partner_id: str, lang: str) -> AppTest:
    at = app()
    at.query_params["partner"] = partner_id
    at.query_params["lang"] = lang
    return run(at)


def dialog_open(at: AppTest) -> bool:
    return any(block.dialog.is_open for block in elements(at._tree, "Block") if block.HasField("dialog"))


def every_page(data_file: Path, generated: PartnerFile, lang: str) -> None:
    """Open every page, every partner's card and its visit form, and send the form; each must be safe."""
    rows = published_rows(data_file)
    shown = [{k: _short(v) for k, v in row.items() if v not in ("", None)} for row in rows]
    note(f"published rows: {shown}")
    texts = data_texts_of(generated)

    members = app()
    members.query_params["lang"] = lang
    assert_page_is_safe(run(members), "members' list and map", rows, texts)
    members.switch_page("pages/overview.py").run()
    assert_page_is_safe(members, "overview", rows, texts)
    assert_page_is_safe(sign_in(app().run()), "staff page, signed in", rows, texts)

    for row in rows:
        partner = str(row["partner_id"])
        where = f"card of {partner!r}"
        at = open_card(partner, lang)
        assert_page_is_safe(at, where, [row], texts)
        assert dialog_open(at), f"{where}: the card did not open"
        assert [w for w in at.text_input if w.key == "visit_company"], f"{where}: no visit form"
        at.text_input(key="visit_company").input("Acme sp. z o.o.")
        at.text_input(key="visit_name").input("Jan Kowalski")
        at.text_input(key="visit_email").input("jan@acme.example.org")
        at.button(key="visit_prepare").click().run()
        assert_page_is_safe(at, f"{where}, visit form sent", [row], texts)


PINNED_SERVICES = pinned(plain_row(services="biurko, internet"))
PINNED_NAME = pinned(plain_row(partner_name="Klaster https://evil.example/x"))
# One service validation does not know (a warning): the visit form pre-selects it and crashes.
PINNED_UNKNOWN_SERVICE = pinned(plain_row(services="parking"))
PINNED_CONTROL = pinned(plain_row(office_name="Biuro\x0bGłówne"), delimiter=";", encoding="cp1250")


@settings(PROFILE)
@given(generated=partner_files(), lang=st.sampled_from(LANGUAGES))
@example(generated=PINNED_SERVICES, lang="pl")
@example(generated=PINNED_NAME, lang="en")
@example(generated=PINNED_CONTROL, lang="pl")
@example(generated=PINNED_UNKNOWN_SERVICE, lang="en")
def test_every_page_is_safe_with_any_published_file(generated: PartnerFile, lang: str) -> None:
    publish = publishable(generated)
    assume(publish is not None)
    assert publish is not None
    event(f"{len(publish.rows)} rows, {publish.encoding}, {publish.delimiter!r}")
    with published(publish.encode()) as data_file:
        every_page(data_file, publish, lang)


# --- the staff's way: upload, place, publish ---------------------------------------------------------------

STAFF_PROFILE = settings(PROFILE, max_examples=max(3, PROFILE.max_examples // 4))


def upload_and_publish(at: AppTest, data: bytes) -> AppTest:
    at.file_uploader(key="upload").set_value(("partnerzy.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    if [b for b in at.button if b.key == "geocode"]:  # absent when every row came with its coordinates
        at.button(key="geocode").click().run()
        assert not at.exception, [e.value for e in at.exception]
    at.button(key="publish").click().run()
    if [b for b in at.button if b.key == "publish_confirm"]:
        at.button(key="publish_confirm").click().run()
    return at


@STAFF_PROFILE
@given(generated=partner_files(max_rows=2), lang=st.sampled_from(LANGUAGES))
@example(generated=PINNED_SERVICES, lang="pl")
def test_a_file_staff_upload_and_publish_is_safe_on_every_page(generated: PartnerFile, lang: str) -> None:
    publish = publishable(generated)
    assume(publish is not None)
    assert publish is not None
    with published(b"") as data_file:
        data_file.unlink()  # nothing published yet: the upload is the first version
        staff = sign_in(app().run())
        upload_and_publish(staff, publish.encode())
        assert published_bytes(data_file) is not None, "validation let the file through, so staff could publish it"
        assert_page_is_safe(staff, "staff page, after publishing", published_rows(data_file), set())
        every_page(data_file, publish, lang)
