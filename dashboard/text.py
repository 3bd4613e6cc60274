"""What a person reads on a page: data escaped for markdown, a failure as one sentence, a time in their zone."""

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
        st.error(md(error.message(lang)))
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
