"""What a person reads on a page: the one rendering path from the app's words and data to markdown.

Every Streamlit call that shows text (a notice, caption, label, title, ``help=``)
receives markdown, and markdown turns ``[x](…)``, ``![i](…)``, HTML, bare
addresses, ``$…$`` and ``:red[…]`` into links, images and formatting. Text that
did not come from the app itself -- the partner file, a member's visit form, a
file name, an identity provider's name, the register, a draft -- is therefore
only ever shown through this module:

- :func:`md` -- a value alone; :func:`md_label` -- a value in a button's label;
- :func:`say` -- one of the app's sentences (``i18n.t``) with its data fields
  escaped, so the sentence keeps its own formatting and the data stays text;
- :func:`error_text` / :func:`problems_sentence` -- an error as a sentence;
- :func:`notice_later` / :func:`show_notice` -- a sentence kept over a rerun.

``tests/test_hostile_render.py`` reads every Streamlit text call in ``dashboard/``
and fails when one receives anything else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from partner_directory import links
from partner_directory.errors import InvalidValueError, PartnerDirectoryError
from partner_directory.i18n import t

_log = logging.getLogger("partner_directory.ui")


def md(text: object) -> str:
    """Escape ``text`` for ``st.markdown``: data never becomes a link, HTML, LaTeX or formatting.

    The rule is :func:`partner_directory.links.markdown_text`'s, the one owner of what may become a link.
    """
    return links.markdown_text(text)


def md_label(text: object) -> str:
    """Escape ``text`` for a button's label, where Streamlit never makes a link (:func:`links.button_label_text`)."""
    return links.button_label_text(text)


def _field(value: object) -> object:
    # Numbers keep their type (a sentence may format them, and their digits cannot become markup).
    if isinstance(value, (int, float)):
        return value
    return md(value)


def say(key: str, lang: str, /, **fields: object) -> str:
    """The app's sentence ``key`` as markdown, each of ``fields`` shown as text (escaped by :func:`md`).

    The sentence's own formatting (``**…**``) is kept; a field never becomes a
    link, an image, HTML or formatting, whoever typed it.

    >>> say("visits.ui.saved", "en", label="**ACME**")
    'Saved: \\\\*\\\\*ACME\\\\*\\\\*'
    """
    return t(key, lang, **{name: _field(value) for name, value in fields.items()})


def error_text(error: PartnerDirectoryError, lang: str) -> str:
    """An error's sentence as markdown: its values (a file name, a cell, a typed address) shown as text."""
    if isinstance(error, InvalidValueError) and error.params.get("problems"):
        return problems_sentence(error, lang)
    return md(error.message(lang))


def notice_later(slot: str, sentence: str) -> None:
    """Keep ``sentence`` (markdown made by this module) to show as a success after the next rerun."""
    st.session_state[slot] = sentence


def show_notice(slot: str) -> None:
    """Show, once, the sentence :func:`notice_later` kept in ``slot``."""
    if slot in st.session_state:
        st.success(st.session_state.pop(slot))


@contextmanager
def failures_as_sentences(step: str, lang: str) -> Iterator[None]:
    """Run one step of a page so that any failure becomes one sentence on the page, the details going to the log.

    The project's own errors are already sentences; anything else (a library's
    parser error, a full disk) is logged with its traceback and shown as
    "“<step>” failed …" in the page's language. ``st.rerun``/``st.stop`` pass
    through (they are not errors). ``step`` names a key ``ui.step.<step>``.
    """
    try:
        yield
    except PartnerDirectoryError as error:
        _log.warning("Step %s: %s", step, error)
        st.error(error_text(error, lang))
    except Exception:
        _log.exception("Step %s of the page failed", step)
        st.error(t("ui.step_failed", lang, step=t(f"ui.step.{step}", lang)))


def problems_sentence(error: InvalidValueError, lang: str) -> str:
    """An invalid value's message and each of its problems, one per line, escaped for markdown."""
    problems = error.params.get("problems") or []
    lines = [error.message(lang), *(t(str(key), lang) for key in problems)]  # type: ignore[attr-defined]
    return "  \n".join(md(line) for line in lines)


def local_time(moment: dt.datetime) -> str:
    """``moment`` as ``YYYY-MM-DD HH:MM`` in the browser's time zone (UTC, said so, when it is unknown)."""
    from zoneinfo import ZoneInfo

    zone_name = getattr(st.context, "timezone", None)
    try:
        zone = ZoneInfo(str(zone_name)) if zone_name else None
    except (ValueError, KeyError, OSError):  # an unknown or malformed zone name from the browser
        zone = None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if zone is None:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
