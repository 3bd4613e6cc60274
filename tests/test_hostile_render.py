"""Text that did not come from the app is shown as text: one rendering path, read from the code and walked on every page.

Two halves:

1. **The code** (:func:`text_call_problems`). Streamlit renders markdown in every
   notice, caption, title, label, ``help=``, tab, expander and dialog title: a
   value from the partner file, a member's form, a file name or an identity
   provider becomes a link (``[x](…)``), an image (``![i](…)``), HTML or an
   autolink there. So every Streamlit text call in ``dashboard/``, ``pages/`` and
   ``app.py`` must receive
   markdown made by ``dashboard.text`` (the one rendering path), and this test
   reads every such call's argument with ``ast``. An argument passes when it is

   - a literal;
   - a call of the rendering path (``md``, ``md_label``, ``say``, ``error_text``,
     ``problems_sentence``);
   - ``t(key, lang)`` / ``tn(key, count, lang)`` whose keyword fields (if any) all pass;
   - a number made by ``len``, ``int``, ``float``, ``round``, or a date's ``.isoformat()``;
   - an f-string, a ``+``, a ``" ".join(…)``, ``a if c else b``, ``a or b`` or a
     ``{…}[key]`` lookup built only of passing parts.

   Anything else fails: a variable, an attribute, ``%`` or ``.format``, a method's
   result, ``t(…, company=visit.member_company)``. A key given to ``t`` may be a
   variable (``t(found.problem, lang)``): keys come from the code, never from data. The few reviewed exceptions
   are in ``REVIEWED``, each with its reason. The checker itself is table-tested.

2. **The pages** (:func:`test_hostile_text_in_every_field_stays_text_on_every_page`). Markdown and HTML
   payloads go through every field a member or staff can type and every column of
   the partner file; every page's element tree (AppTest) is walked and no
   markdown it holds may make a link or an image the app did not make itself.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from partner_directory import links
from partner_directory.i18n import tables
from partner_directory.sheet.schema import COLUMNS
from tests.apptest import app, prepare
from tests.conftest import ROOT
from tests.sources import project_sources
from tests.stores import store_beside
from tests.test_staff_app import HASH, PASSWORD

# -- 1. the code ---------------------------------------------------------------------------------------------

#: Streamlit calls that render markdown: method name → (positional arguments read as markdown, keywords).
TEXT_CALLS: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {
    **{
        name: ((0,), frozenset({"body", "label", "help", "text"}))
        for name in (
            "success",
            "info",
            "warning",
            "error",
            "caption",
            "markdown",
            "toast",
            "title",
            "header",
            "subheader",
            "expander",
            "popover",
            "status",
            "spinner",
            "button",
            "form_submit_button",
            "link_button",
            "download_button",
            "page_link",
            "text_input",
            "text_area",
            "number_input",
            "date_input",
            "time_input",
            "selectbox",
            "multiselect",
            "radio",
            "checkbox",
            "toggle",
            "slider",
            "select_slider",
            "file_uploader",
            "camera_input",
            "color_picker",
            "segmented_control",
            "pills",
            "metric",
        )
    },
    # A table's column names are drawn as plain text; their help is markdown.
    **{
        name: ((), frozenset({"help"}))
        for name in (
            "TextColumn",
            "NumberColumn",
            "LinkColumn",
            "CheckboxColumn",
            "SelectboxColumn",
            "DateColumn",
            "DatetimeColumn",
            "ListColumn",
            "Column",
        )
    },
    "dialog": ((0,), frozenset({"title"})),
    "progress": ((), frozenset({"text"})),
    "tabs": ((0,), frozenset({"tabs"})),
    "write": ((0, 1, 2, 3, 4, 5), frozenset()),
    "html": ((0,), frozenset({"body"})),
    # The rendering path's own sinks: a kept notice, a download's label (shown later by a text call).
    "notice_later": ((1,), frozenset({"sentence"})),
    "Download": ((0,), frozenset({"label", "help"})),
    "table_downloads": ((), frozenset({"labels"})),
}
#: Widgets whose option labels are markdown too (a selectbox's and a multiselect's are plain text).
MARKDOWN_OPTIONS = frozenset({"radio", "pills", "segmented_control"})
#: Receivers whose ``.error``/``.warning`` are not Streamlit: the log.
NOT_STREAMLIT = frozenset({"_log", "_LOG", "log", "logger", "logging"})

RENDERING_PATH = frozenset({"md", "md_label", "say", "error_text", "problems_sentence"})
SENTENCES = frozenset({"t", "tn"})
NUMBERS = frozenset({"len", "int", "float", "round"})

#: Reviewed arguments that the rules above cannot see are safe: (file, the argument's source) → why.
REVIEWED: dict[tuple[str, str], str] = {
    ("dashboard/text.py", "st.session_state.pop(slot)"): "the sentence notice_later kept; its argument is checked",
    ("dashboard/style.py", "PAGE_STYLE"): "the page's style sheet, a constant of the module",
    ("dashboard/settings.py", "OWN_NAMES.__getitem__"): "each language by its own name, constants of i18n",
    ("dashboard/member_cookie.py", "script"): "the cookie request: a constant route, a method and a ticket "
    "checked to be only A-Za-z0-9-_. , each written as a JSON string",
    ("dashboard/downloads.py", "download.label"): "a Download's label; Download(...) is itself checked",
    ("dashboard/downloads.py", "download.help"): "a Download's help; Download(...) is itself checked",
    ("dashboard/downloads.py", "labels[0]"): "table_downloads' labels; its callers' labels are checked",
    ("dashboard/downloads.py", "labels[1]"): "table_downloads' labels; its callers' labels are checked",
    ("dashboard/signin.py", "max(seconds, 1)"): "a number of seconds from the throttle",
    ("dashboard/signin.py", "seconds"): "a number of seconds from the throttle",
    ("dashboard/signin.py", "refusal(outcome, STAFF_ACCOUNT, lang)"): "refusal(): the app's sentences, numbers only",
    ("dashboard/signin.py", "refusal(outcome, MEMBER_ACCOUNT, lang)"): "refusal(): the app's sentences, numbers only",
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def is_safe(node: ast.expr, reviewed: frozenset[str] = frozenset()) -> bool:
    """Whether ``node`` is markdown the app made (see the module's docstring for the rule)."""
    if ast.unparse(node) in reviewed:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(is_safe(part.value, reviewed) for part in node.values if isinstance(part, ast.FormattedValue))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return is_safe(node.left, reviewed) and is_safe(node.right, reviewed)
    if isinstance(node, ast.IfExp):
        return is_safe(node.body, reviewed) and is_safe(node.orelse, reviewed)
    if isinstance(node, ast.BoolOp):
        return all(is_safe(value, reviewed) for value in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(is_safe(element, reviewed) for element in node.elts)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        return is_safe(node.elt, reviewed)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return all(value is not None and is_safe(value, reviewed) for value in node.value.values)
    if isinstance(node, ast.Lambda):
        return is_safe(node.body, reviewed)
    if isinstance(node, ast.Call):
        function = _name(node.func)
        if isinstance(node.func, ast.Name) and function in RENDERING_PATH | NUMBERS:
            return True
        if isinstance(node.func, ast.Attribute) and function == "isoformat":  # a date or time: digits, -, :, T
            return True
        if isinstance(node.func, ast.Attribute) and function in RENDERING_PATH and _name(node.func.value) == "text":
            return True
        if isinstance(node.func, ast.Name) and function in SENTENCES:
            return all(keyword.arg is not None and _is_field_safe(keyword.value, reviewed) for keyword in node.keywords)
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and isinstance(node.func.value, ast.Constant)
        ):
            return all(is_safe(argument, reviewed) for argument in node.args)
    return False


def _is_field_safe(node: ast.expr, reviewed: frozenset[str]) -> bool:
    return is_safe(node, reviewed)


def text_call_problems(source: str, reviewed: frozenset[str] = frozenset()) -> list[str]:
    """Every Streamlit text call in ``source`` whose markdown argument is not made by the rendering path."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name not in TEXT_CALLS:
            continue
        if isinstance(node.func, ast.Attribute) and _name(node.func.value) in NOT_STREAMLIT:
            continue
        positions, keywords = TEXT_CALLS[name]
        arguments = [node.args[i] for i in positions if i < len(node.args)]
        arguments += [k.value for k in node.keywords if k.arg in keywords]
        if name in MARKDOWN_OPTIONS:
            arguments += [k.value for k in node.keywords if k.arg == "format_func"]
        for argument in arguments:
            if isinstance(argument, ast.Constant) and argument.value is None:
                continue
            if not is_safe(argument, reviewed):
                problems.append(f"line {node.lineno}: {name}({ast.unparse(argument)})")
    return problems


def page_sources() -> list[Path]:
    """The dashboard, the pages and ``app.py``: every file that calls Streamlit."""
    return [path for path in project_sources() if path.relative_to(ROOT).parts[0] != "partner_directory"]


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        # The leaks issue 19 found, as they were written.
        ("st.success(st.session_state.pop(NOTICE))", True),
        ('st.caption(t("visits.ui.count", lang, count=len(v), filters=where.describe(lang)))', True),
        ('st.session_state[NOTICE] = t("visits.ui.saved", lang, label=_label(changed, lang))', False),
        ('notice_later(NOTICE, t("visits.ui.saved", lang, label=_label(changed, lang)))', True),
        ('st.header(t("staff.candidate", lang, origin=describe(draft, lang)), anchor=False)', True),
        ("st.error(error.message(lang))", True),
        # Other ways data reaches markdown.
        ('st.markdown(f"**{name}**")', True),
        ('st.info("%s" % name)', True),
        ('st.info("{}".format(name))', True),
        ('st.warning("Saved: " + company)', True),
        ("st.dialog(office['partner_name'])", True),
        ('columns[0].text_input(label, key="x")', True),
        ('st.text_input(t("k", lang), help=t("k.help", lang, header=own))', True),
        ('st.column_config.TextColumn(label, help=t("office.col.file_header", lang, header=own))', True),
        ('st.column_config.TextColumn(label, help=say("office.col.file_header", lang, header=own))', False),
        ("st.tabs([t('a', lang), name])", True),
        ('st.radio("x", options, format_func=lambda o: o.name)', True),
        ('st.progress(0.5, text=f"{name}")', True),
        ('st.write("Hello", name)', True),
        ("st.html(f'<p>{name}</p>')", True),
        ('Download(f"{file_name}", make)', True),
        ('st.error(t("office.sign_in_wait", lang, seconds=max(seconds, 1)))', True),
        # Through the rendering path, or the app's own words: fine.
        ('st.caption(say("visits.ui.count", lang, count=len(v), filters=where.describe(lang)))', False),
        ('notice_later(NOTICE, say("visits.ui.saved", lang, label=_label(changed, lang)))', False),
        ("st.error(error_text(error, lang))", False),
        ('st.markdown(f"**{md(label)}:** {md(value)}")', False),
        ('st.markdown("- " + md(sentence))', False),
        ('st.error("  \\n".join(md(p) for p in problems))', False),
        ("st.info(t(found.problem, lang))", False),
        ('st.caption(t("k", lang, count=len(rows), name=md(author)))', False),
        ('st.caption(t("k", lang, name=md(author), date=dt.date.today().isoformat()))', False),
        ('st.caption(t("k", lang, name=author.strip()))', True),
        ('st.subheader(tn("count.rows", len(rows), lang), anchor=False)', False),
        ("st.dialog(md(office['partner_name'] or partner_id))", False),
        ('st.text_input(t("ui.search", lang), key="q", placeholder=name)', False),  # a placeholder is plain text
        ('st.selectbox(t("k", lang), names, format_func=lambda n: n.upper())', False),  # options are plain text
        ('st.segmented_control("L", options=c, format_func=lambda c: {"en": "English"}[c])', False),
        ('st.tabs([t("a", lang), t("b", lang)])', False),
        ('st.metric(t("overview.partners", lang), found.partners)', False),  # a metric's value is plain text
        ('_log.warning("Step %s: %s", step, error)', False),
        ("link_button(f\"🌐 {t('ui.website', lang)}\", href)", False),
        ('st.info(text.say("k", lang, name=name))', False),
    ],
)
def test_the_checker_flags_data_that_bypasses_the_rendering_path(code, flagged):
    assert bool(text_call_problems(code)) is flagged, text_call_problems(code)


def test_every_streamlit_text_call_in_the_dashboard_goes_through_the_rendering_path():
    sources = page_sources()
    assert {ROOT / "dashboard" / "office" / "visits.py", ROOT / "pages" / "staff.py", ROOT / "app.py"} <= set(sources)
    problems: list[str] = []
    for path in sources:
        relative = path.relative_to(ROOT).as_posix()
        reviewed = frozenset(source for (file, source) in REVIEWED if file == relative)
        problems += [f"{relative} {problem}" for problem in text_call_problems(path.read_text("utf-8"), reviewed)]
    assert not problems, "Use dashboard.text (say, md, error_text) for:\n" + "\n".join(problems)


#: Ways around the rendering path: raw HTML, and the escaping rule called by anyone but dashboard/text.py.
BYPASSES = frozenset({"markdown_text", "button_label_text"})


def bypass_problems(source: str) -> list[str]:
    """Calls that would show data without ``dashboard.text``: ``unsafe_allow_html=True``, components' HTML, the rule itself."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if _name(node.func) in BYPASSES:
            problems.append(f"line {node.lineno}: {ast.unparse(node)}")
        if any(
            k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and not k.value.value)
            for k in node.keywords
        ):
            problems.append(f"line {node.lineno}: unsafe_allow_html")
        if _name(node.func) == "html" and _name(getattr(node.func, "value", node.func)) in {"components", "v1"}:
            problems.append(f"line {node.lineno}: components.html")
    return problems


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        ("st.markdown(name, unsafe_allow_html=True)", True),
        ("st.markdown(md(name), unsafe_allow_html=False)", False),
        ("links.markdown_text(name)", True),
        ("components.html(page)", True),
        ("st.markdown(md(name))", False),
    ],
)
def test_the_bypass_finder(code, flagged):
    assert bool(bypass_problems(code)) is flagged


def test_nothing_but_the_rendering_path_escapes_or_writes_html():
    problems = [
        f"{path.relative_to(ROOT).as_posix()} {problem}"
        for path in page_sources()
        if path != ROOT / "dashboard" / "text.py"
        for problem in bypass_problems(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


SAID_KEY = re.compile(r"""\bsay\(\s*["']([a-z_]+\.[a-zA-Z0-9_.]+)["']""")


def test_every_sentence_said_exists():
    """``tests/test_i18n.py`` finds the keys given to ``t(``; the same for ``say(``."""
    said = {key for path in page_sources() for key in SAID_KEY.findall(path.read_text(encoding="utf-8"))}
    assert "visits.ui.saved" in said
    assert sorted(key for key in said if key not in tables()) == []


# -- 2. the pages ---------------------------------------------------------------------------------------------

#: What a hostile person types or puts in a file: each piece would be a link, an image, HTML, a script,
#: an autolink, LaTeX, a coloured directive or an emoji if it reached markdown as markdown.
PIECES = (
    "[x](http://127.0.0.1:9/p)",
    "![t](http://127.0.0.1:9/t.png)",
    '<img src="http://127.0.0.1:9/i.png">',
    '<a href="http://127.0.0.1:9/a">a</a>',
    "<script>alert(1)</script>",
    "<http://127.0.0.1:9/auto>",
    "https://127.0.0.1:9/bare",
    "www.evil.example",
    "evil@example.org",
    "$x^2$",
    ":red[red]",
    ":smile:",
)
PAYLOAD = " ".join(PIECES)
MARKER = "Zq7"  # names each field's payload, so a test can see that the field reached the page


def marker(field: str) -> str:
    """The marker of ``field``'s payload: letters and digits only, the same escaped or not."""
    return MARKER + field.replace("_", "")


def payload(field: str, pieces: tuple[str, ...] = PIECES) -> str:
    return " ".join((marker(field), *pieces))


#: For a field of at most 200 characters (a member's name): the links, images and HTML.
SHORT = PIECES[:5]


#: Free-text columns of the partner file: published as typed (the contract lets any text through).
TEXT_COLUMNS = (
    "partner_name",
    "office_name",
    "address",
    "postal_code",
    "city",
    "sectors",
    "contact_name",
    "contact_phone",
    "description",
)
TRAP = "trap"
TRAP_ROW = {column: "" for column in COLUMNS} | {
    "partner_id": TRAP,
    "country": "PL",
    "latitude": "54.3520",
    "longitude": "18.6466",
    "services": "desk",
    "languages": "pl;en",
    "contact_email": "host@trap.example.org",
    "website": "https://trap.example.org",
    "bra_since": "2020-01-01",
    "last_verified": "2026-10-01",
    **{column: payload(column) for column in TEXT_COLUMNS},
}
#: An upload with a payload in every column (the ones with a format are then errors naming the value).
UPLOAD_NAME = "[f](http://127.0.0.1:9/file) ![i](http://127.0.0.1:9/file.png) <b>f</b> $f$.csv"

#: Proto fields Streamlit renders as markdown (labels, bodies, help, titles, progress text); a
#: selectbox's options, a text input's value and a table's cells are plain text.
MARKDOWN_FIELDS = frozenset({"body", "label", "help", "title", "text", "caption"})
_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
#: GitHub-flavoured autolink literals, on text after escapes are undone (as remark-gfm sees it).
_AUTOLINK = re.compile(r"(?:https?://|www\.|mailto:|xmpp:)|[\w.+-]@[\w-]+\.\w", re.IGNORECASE)
#: Streamlit's own markdown extensions, when not escaped: LaTeX, colour directives, emoji shortcodes.
_STREAMLIT_MARKUP = re.compile(r"(?<!\\)\$|(?<!\\):(?:red|smile)(?:\\?\[|\\?:)")


def partner_file(folder: Path) -> Path:
    """The demo partner file with one more office whose every free-text column holds the payload."""
    text = (ROOT / "data" / "partners.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows([*rows, TRAP_ROW])
    path = folder / "partners.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def hostile_upload() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerow(TRAP_ROW | {column: payload(column) for column in COLUMNS if column != "partner_id"})
    writer.writerow(TRAP_ROW | {"partner_id": "trap-2"})
    return out.getvalue().encode("utf-8")


#: Buttons' labels: Streamlit unwraps links there (so ``md_label`` leaves out the word joiners); no autolink.
BUTTONS = frozenset({"Button", "LinkButton", "DownloadButton"})


def markdown_strings(at: AppTest) -> list[tuple[str, str]]:
    """Every string on the page that Streamlit renders as markdown, with its element's kind, from every element."""
    found: list[tuple[str, str]] = []

    def from_message(message) -> None:
        for field, value in message.ListFields():
            repeated = getattr(field, "is_repeated", None)
            values = value if (repeated if repeated is not None else field.label == field.LABEL_REPEATED) else [value]
            if field.type == field.TYPE_MESSAGE:
                for item in values:
                    from_message(item)
            elif field.type == field.TYPE_STRING and field.name in MARKDOWN_FIELDS:
                found.extend((type(message).__name__, str(item)) for item in values)
            elif field.type == field.TYPE_STRING and field.name == "options" and type(message).__name__ == "Radio":
                found.extend(("Radio", str(item)) for item in values)

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        # st.html is the app's own style sheet (the code check holds it to a constant), not markdown.
        if proto is not None and hasattr(proto, "ListFields") and type(proto).__name__ != "Html":
            from_message(proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def markup_in(markdown: str, *, button: bool = False) -> list[str]:
    """The links, images, HTML, autolinks and Streamlit markup ``markdown`` would render (none is the app's).

    In a ``button``'s label Streamlit makes no link, so an address there is no autolink.
    """
    made: list[str] = []

    def tokens(found) -> Iterator:
        for token in found:
            yield token
            yield from tokens(token.children or [])

    for token in tokens(_PARSER.parse(markdown)):
        if token.type in {"link_open", "image", "html_inline", "html_block"}:
            made.append(f"{token.type} {token.attrs or token.content!r}")
        elif token.type == "text" and not button and _AUTOLINK.search(token.content):
            made.append(f"autolink in {token.content!r}")
    made += [f"Streamlit markup at {m.start()} in {markdown!r}" for m in _STREAMLIT_MARKUP.finditer(markdown)]
    return made


@pytest.mark.parametrize(
    ("markdown", "markup"),
    [
        ("[x](http://a.example)", True),
        ("![t](http://a.example/t.png)", True),
        ("<img src=x>", True),
        ("see https://a.example", True),
        ("see www.a.example", True),
        ("write to a@b.example", True),
        ("$x$", True),
        (":red[x]", True),
        ("Saved: No. 3 · **ACME**", False),
        ("\\[x\\]\\(http\u2060\\://a\\.example\\)", False),
        ("\\!\\[t\\]\\(http\u2060\\://a\\.example/t\\.png\\)", False),
        ("\\<img src=x\\>", False),
        ("a\u2060@b\\.example www\u2060\\.a\\.example \\$x\\$ \\:red\\[x\\]", False),
    ],
)
def test_the_markup_finder_sees_what_markdown_would_make(markdown, markup):
    assert bool(markup_in(markdown)) is markup, markup_in(markdown)


def test_in_a_buttons_label_an_address_is_no_link_but_markdown_still_is():
    assert not markup_in("✉️ host@trap\\.example\\.org", button=True)
    assert markup_in("✉️ host@trap\\.example\\.org")
    assert markup_in("[x](http://a.example)", button=True)


def assert_only_text(at: AppTest, where: str) -> list[str]:
    """No markdown on the page makes a link, an image or markup; every link button goes where ``links`` allows."""
    assert not at.exception, [e.value for e in at.exception]
    found = markdown_strings(at)
    made = {text: markup_in(text, button=kind in BUTTONS) for kind, text in found}
    assert not {text: m for text, m in made.items() if m}, where
    for button in at.get("link_button"):
        url = button.proto.url
        assert url.startswith("mailto:") or links.safe_href(url) == url, (where, url)
        assert "127.0.0.1:9" not in url, (where, url)
    return [text for _, text in found]


def picks(at: AppTest) -> list[str]:
    """The visits the register's picker offers (plain text)."""
    return [str(option) for option in at.selectbox(key="visits_pick").options]


def reached(strings: Iterable[str], field: str) -> bool:
    """Whether the payload of ``field`` is on the page (escaped), so that the check above was not empty."""
    return any(marker(field) in text for text in strings)


@pytest.fixture
def hostile_data(monkeypatch, tmp_path) -> Path:
    data_file = partner_file(tmp_path)
    prepare(monkeypatch, tmp_path, data=data_file.read_bytes(), password_hash=HASH)
    monkeypatch.setenv("PARTNER_DIRECTORY_TODAY", "2026-11-28")
    # A version in the history under a hostile author and summary (the history tab shows both).
    store = store_beside(data_file, tmp_path / "history")
    store.publish(
        data_file.read_bytes(),
        author=payload("publisher"),
        base_version=store.current_version(),
        summary=payload("summary"),
        rows=63,
    )
    return tmp_path


def test_hostile_text_in_every_field_stays_text_on_every_page(hostile_data):
    # Members: the list, a search and a place typed with the payload, the card, the visit form.
    at = app()
    at.query_params["lang"] = "en"
    at.run()
    assert_only_text(at, "members' page")
    at.text_input(key="q").input(payload("q")).run()
    at.text_input(key="near").input(payload("near")).run()
    strings = assert_only_text(at, "members' search")
    assert reached(strings, "q") or reached(strings, "near"), "the search is said in a sentence"

    at = app()
    at.query_params["partner"] = TRAP
    at.query_params["lang"] = "en"
    at.run()
    strings = assert_only_text(at, "the card")
    for column in ("partner_name", "office_name", "address", "city", "sectors", "contact_name", "description"):
        assert reached(strings, column), column
    at.text_input(key="visit_company").input(payload("company"))
    at.text_input(key="visit_name").input(payload("name", SHORT))
    at.text_input(key="visit_email").input(payload("email"))
    at.text_area(key="visit_note").input(payload("note"))
    at.button(key="visit_prepare").click().run()
    assert_only_text(at, "the visit form, refused")
    at.text_input(key="visit_email").input("member@acme.example.org")
    at.button(key="visit_prepare").click().run()
    at.button(key="visit_sent").click().run()  # recorded once the member says the e-mail is sent
    strings = assert_only_text(at, "the visit form, recorded")
    assert not at.error, [e.value for e in at.error]
    assert any(text.startswith("Recorded in the office") for text in strings), strings

    # Staff: signed in under a hostile name; the register with the member's request.
    staff = app()
    staff.query_params["lang"] = "en"
    staff.run()
    staff.switch_page("pages/staff.py").run()
    staff.text_input(key="staff_name").input(payload("author"))
    staff.text_input(key="staff_password").input(PASSWORD)
    staff.button[0].click().run()
    strings = assert_only_text(staff, "staff page")
    assert reached(strings, "author") and reached(strings, "publisher") and reached(strings, "summary")
    staff.selectbox(key="visits_year").select_index(0).run()
    company = next(c for c in staff.selectbox(key="visits_company").options if MARKER in c)
    staff.selectbox(key="visits_company").set_value(company).run()
    strings = assert_only_text(staff, "register filtered by the hostile company")
    assert any(text.startswith("Visits shown: 1") and marker("company") in text for text in strings), strings
    [visit_id] = [int(option.split()[1]) for option in staff.selectbox(key="visits_pick").options]
    staff.selectbox(key=f"visits_new_status_{visit_id}").set_value(
        "confirmed"
    )  # completing waits for its days (a visit the form just requested)
    staff.button(key=f"visits_save_{visit_id}").click().run()
    strings = assert_only_text(staff, "a visit's status changed")
    assert any(text.startswith("Saved: No") and marker("company") in text for text in strings), strings

    # The incoming form and the erase box, every field hostile.
    # AppTest cannot type a new option; the hostile partner's name from the published list is one.
    staff.selectbox(key="visits_in_partner").set_value(TRAP_ROW["partner_name"])
    staff.text_input(key="visits_in_company").input(payload("in_company"))
    staff.text_input(key="visits_in_name").input(payload("in_name", SHORT))
    staff.text_input(key="visits_in_email").input(payload("in_email"))
    staff.text_area(key="visits_in_note").input(payload("in_note"))
    staff.date_input(key="visits_in_dates").set_value((dt.date(2026, 11, 2), dt.date(2026, 11, 3)))
    staff.button(key="visits_in_add").click().run()
    assert_only_text(staff, "incoming visit, refused for its e-mail")
    staff.text_input(key="visits_in_email").input("guest@partner.example.org")
    staff.button(key="visits_in_add").click().run()
    strings = assert_only_text(staff, "incoming visit")
    assert not staff.error, [e.value for e in staff.error]
    assert any(text.startswith("Added as visit no") for text in strings), strings
    staff.selectbox(key="visits_company").set_value(None).run()
    strings = assert_only_text(staff, "the register with both hostile visits")
    assert any(marker("incompany") in text and text.startswith("No.") for text in [*strings, *picks(staff)])
    staff.text_input(key="visits_erase_email").input(payload("erase"))
    staff.button(key="visits_erase").click().run()
    assert_only_text(staff, "erase")

    # An upload with a hostile name and a payload in every column: the report, the draft, the comparison.
    staff.file_uploader(key="upload").set_value((UPLOAD_NAME, hostile_upload(), "text/csv")).run()
    strings = assert_only_text(staff, "hostile upload")
    assert any(text.startswith("New version") and "\\[f\\]" in text for text in strings), strings
    # The draft kept on the server is offered, by its file's name, in the author's next session.
    again = app()
    again.query_params["lang"] = "en"
    again.run()
    again.switch_page("pages/staff.py").run()
    again.text_input(key="staff_name").input(payload("author"))
    again.text_input(key="staff_password").input(PASSWORD)
    again.button[0].click().run()
    strings = assert_only_text(again, "the draft offered again")
    assert any(text.startswith("You have a draft") and "\\[f\\]" in text for text in strings), strings

    # The Overview and the report, with the completed hostile visit.
    staff.switch_page("pages/overview.py").run()
    assert_only_text(staff, "overview")
