"""The partner's page behind a data-check link: its own offices as published, "confirm" or "correct", nothing else.

A small HTML page served by the app's own route (``asgi.py`` adds :func:`routes`
through ``st.App``), not a Streamlit page: no navigation, no script, no data
but that partner's offices (``publication.datacheck.offices_of``). It is in the
partner's language (the link's ``lang``, with a switch to the other one), every
text escaped with ``html.escape``, forms that ``POST`` back with the token
(a ``GET`` only shows: mail scanners follow links), labels on every field,
errors named beside their field, big targets and a viewport for phones.

Every request runs under the one throttle (``access.throttle``), keyed by the
client's address (uvicorn takes it from ``X-Forwarded-For`` only from a
trusted proxy): an unknown, expired or used link is a failure that opens the
client's window, so tokens cannot be guessed at speed. Every failure becomes
a sentence; nothing of a traceback reaches the page.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

import pandas as pd
import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboard import data, link_pages
from dashboard.settings import settings
from partner_directory.access.throttle import Throttle
from partner_directory.errors import PartnerDirectoryError, TokenError
from partner_directory.i18n import LANGUAGES, normalise_language, t
from partner_directory.publication import datacheck, publishing
from partner_directory.sheet.contract import MULTI_LINE_COLUMNS
from partner_directory.sheet.schema import SERVICES
from partner_directory.sheet.validation import Problem, column_label
from partner_directory.storage.database import Database

log = logging.getLogger(__name__)

ROUTE = datacheck.LINK_PATH
#: The throttle's account of these pages: every link shares one budget of checks, whoever asks.
ACCOUNT = "data-check-link"
#: A form larger than this is refused unread (ten offices of every field fit many times over).
MAX_FORM_BYTES = 256 * 1024
MAX_OFFICES = 50

# -- what one request asks ----------------------------------------------------------------------------------


@dataclass
class Asked:
    """One request, read: method, token, language, the form's fields (a ``POST``), the client's address."""

    method: str
    token: str
    lang: str | None
    form: dict[str, str] = field(default_factory=dict)
    client: str = "ip:local"
    cross_site: bool = False


def _single(values: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {key: (found[0] if found else "") for key, found in values.items()}


async def _read(request: Request) -> Asked | None:
    """The request's parts, or ``None`` for a form too large to read."""
    query = dict(request.query_params)
    form: dict[str, str] = {}
    if request.method == "POST":
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        form = _single(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=2000))
    values = {**query, **form}
    lang = values.get("lang")
    site = request.headers.get("sec-fetch-site", "same-origin")
    return Asked(
        method=request.method,
        token=values.get("token", "")[:300],
        lang=lang if lang in LANGUAGES else None,
        form=form,
        client=f"ip:{request.client.host}" if request.client else "ip:local",
        cross_site=request.method == "POST" and site not in ("same-origin", "none"),
    )


# -- the answer ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What the page answers: its status, title and body."""

    status: int
    title: str
    body: str
    lang: str
    switch: str = ""


def _sentence(status: int, lang: str, text: str, *, kind: str = "problem") -> Shown:
    return Shown(
        status, t("data_check.page.title", lang), f'<p class="{kind}" role="status">{html.escape(text)}</p>', lang
    )


_TOKEN_STATUS = {"token_unknown": 404, "token_expired": 410, "token_used": 410, "token_revoked": 410}


@st.cache_resource(show_spinner=False)
def _throttle(url: str) -> Throttle:
    # One per process and database; its state is in the database, shared by every process.
    return Throttle(data.register().database, base_delay=1.0, max_delay=30.0, account_interval=0.2, account_burst=50)


def _database() -> Database:
    return data.register().database


def answer(asked: Asked, *, now: dt.datetime | None = None) -> Shown:
    """The page for one request (any failure is a sentence in the asked language)."""
    lang = normalise_language(asked.lang or "en")
    try:
        return _answer(asked, now or dt.datetime.now(dt.UTC))
    except PartnerDirectoryError as error:
        log.warning("data-check page: %s", error)
        return _sentence(503, lang, error.message(lang))
    except Exception:  # a page shows no traceback, ever; the log has it
        log.exception("data-check page failed")
        return _sentence(503, lang, t("data_check.page.failed", lang))


def _answer(asked: Asked, now: dt.datetime) -> Shown:
    lang = normalise_language(asked.lang or "en")
    if asked.cross_site:
        return _sentence(403, lang, t("data_check.page.refused", lang))
    database = _database()
    found: list[datacheck.Entry] = []
    refused: list[TokenError] = []

    def check() -> bool:
        try:
            found.append(datacheck.open_link(database, asked.token, now=now))
        except TokenError as error:
            refused.append(error)
            return False
        return True

    throttle = _throttle(settings().database_url)
    outcome = throttle.attempt(asked.client, check, account=ACCOUNT)
    if outcome == "wait":
        seconds = max(1, round(throttle.wait_seconds(asked.client, account=ACCOUNT)))
        return _sentence(429, lang, t("data_check.page.wait", lang, seconds=seconds))
    if refused or not found:
        error = refused[0] if refused else TokenError("token_unknown")
        return _sentence(_TOKEN_STATUS.get(error.code, 404), lang, error.message(lang))
    entry = found[0]
    lang = normalise_language(asked.lang or entry.language)
    store = data.store()
    table = publishing.version_table(store, store.current_version())
    offices = datacheck.offices_of(entry, table).head(MAX_OFFICES)
    if offices.empty:
        return _sentence(200, lang, t("data_check.page.no_offices", lang))
    action = asked.form.get("action", "") if asked.method == "POST" else ""
    note = asked.form.get("note", "")
    try:
        if action == "confirm":
            datacheck.confirm(database, asked.token, now=now, note=note)
            return _sentence(200, lang, t("data_check.page.confirmed", lang), kind="notice")
        if action == "correct":
            changes = _changes(asked.form, offices)
            today = settings().today or dt.date.today()
            reviewed = datacheck.correct(database, asked.token, offices, changes, now=now, today=today, note=note)
            if reviewed.ok:
                key = "data_check.page.corrected" if reviewed.corrections else "data_check.page.confirmed"
                return _sentence(200, lang, t(key, lang), kind="notice")
            body = form_page(entry, offices, lang, asked.token, typed=asked.form, problems=reviewed.problems)
            return Shown(422, t("data_check.page.title", lang), body, lang, _switch(asked.token, lang))
    except TokenError as error:  # spent meanwhile (another tab, a double click)
        return _sentence(_TOKEN_STATUS.get(error.code, 404), lang, error.message(lang))
    body = form_page(entry, offices, lang, asked.token)
    return Shown(200, t("data_check.page.title", lang), body, lang, _switch(asked.token, lang))


def _switch(token: str, lang: str) -> str:
    other = next(code for code in LANGUAGES if code != lang)
    return f"{ROUTE}?{urlencode({'token': token, 'lang': other})}"


def _services(lang: str) -> str:
    """The services' keys (what the field holds) with their names in ``lang``: "desk (biurko), …"."""
    return ", ".join(f"{key} ({t(f'service.{key}', lang)})" for key in SERVICES)


def _field_name(position: int, column: str) -> str:
    return f"o{position}.{column}"


def _changes(form: Mapping[str, str], offices: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The typed values of the form, per office (``partner_id``) and editable column."""
    changes: dict[str, dict[str, str]] = {}
    for position, office in enumerate(offices.to_dict("records")):
        for column in datacheck.EDITABLE_COLUMNS:
            name = _field_name(position, column)
            if name in form:
                changes.setdefault(str(office["partner_id"]), {})[column] = form[name]
    return changes


def _hidden(token: str, lang: str) -> str:
    return (
        f'<input type="hidden" name="token" value="{html.escape(token, quote=True)}">'
        f'<input type="hidden" name="lang" value="{html.escape(lang, quote=True)}">'
    )


def form_page(
    entry: datacheck.Entry,
    offices: pd.DataFrame,
    lang: str,
    token: str,
    *,
    typed: Mapping[str, str] | None = None,
    problems: Sequence[tuple[str, Problem]] = (),
) -> str:
    """The page's body: the introduction, the "confirm" form, then each office's fields in the "correct" form.

    ``typed`` holds what the partner sent (shown again after an error);
    ``problems`` the validation's errors, each shown beside its field.
    """
    office_name = settings().home_cluster_name
    parts = [f"<p>{html.escape(t('data_check.page.intro', lang, office=office_name, partner=entry.partner_name))}</p>"]
    if problems:
        parts.append(f'<p class="problem" role="alert">{html.escape(t("data_check.page.errors", lang))}</p>')
    parts.append(f"<h2>{html.escape(t('data_check.page.confirm_heading', lang))}</h2>")
    parts.append(
        f'<form method="post" action="{ROUTE}">{_hidden(token, lang)}'
        f'<input type="hidden" name="action" value="confirm">'
        f'<button type="submit">{html.escape(t("data_check.page.confirm", lang))}</button></form>'
    )
    parts.append(f"<h2>{html.escape(t('data_check.page.correct_heading', lang))}</h2>")
    parts.append(f'<p class="help">{html.escape(t("data_check.page.list_help", lang, services=_services(lang)))}</p>')
    parts.append(f'<form method="post" action="{ROUTE}">{_hidden(token, lang)}')
    parts.append('<input type="hidden" name="action" value="correct">')
    by_field: dict[tuple[str, str], list[str]] = {}
    loose: list[str] = []
    for partner_id, problem in problems:
        message = problem.message(lang)
        if problem.column in datacheck.EDITABLE_COLUMNS:
            by_field.setdefault((partner_id, problem.column), []).append(message)
        else:
            loose.append(message)
    for message in loose:
        parts.append(f'<p class="error">{html.escape(message)}</p>')
    for position, office in enumerate(offices.to_dict("records")):
        name = " — ".join(str(office.get(c) or "") for c in ("office_name", "city") if office.get(c))
        parts.append(
            f"<fieldset><legend>{html.escape(t('data_check.page.office', lang, office=name or office['partner_id']))}"
            "</legend>"
        )
        for column in datacheck.EDITABLE_COLUMNS:
            field_name = _field_name(position, column)
            value = (typed or {}).get(field_name, str(office.get(column) or ""))
            errors = by_field.get((str(office["partner_id"]), column), [])
            ident = f"f{position}-{column}"
            described = f' aria-invalid="true" aria-describedby="{ident}-error"' if errors else ""
            label = column_label(column, lang)
            parts.append(f'<label for="{ident}">{html.escape(label)}</label>')
            if column in MULTI_LINE_COLUMNS:
                parts.append(f'<textarea id="{ident}" name="{field_name}"{described}>{html.escape(value)}</textarea>')
            else:
                parts.append(
                    f'<input type="text" id="{ident}" name="{field_name}" value="{html.escape(value, quote=True)}"'
                    f"{described}>"
                )
            if errors:
                parts.append(f'<p class="error" id="{ident}-error">{html.escape(" ".join(errors))}</p>')
        parts.append("</fieldset>")
    note = (typed or {}).get("note", "")
    parts.append(f'<label for="note">{html.escape(t("data_check.page.note", lang))}</label>')
    parts.append(
        f'<textarea id="note" name="note" maxlength="{datacheck.MAX_NOTE_CHARS}">{html.escape(note)}</textarea>'
    )
    parts.append(f'<button type="submit" class="secondary">{html.escape(t("data_check.page.correct", lang))}</button>')
    parts.append("</form>")
    return "".join(parts)


def _response(shown: Shown) -> Response:
    other = "en" if shown.lang == "pl" else "pl"
    return link_pages.page(
        shown.title, shown.body, shown.lang, status=shown.status, switch={other: shown.switch} if shown.switch else None
    )


async def endpoint(request: Request) -> Response:
    """``GET``: the page; ``POST``: the partner's answer. A form over :data:`MAX_FORM_BYTES` is refused unread."""
    asked = await _read(request)
    if asked is None:
        return Response(status_code=413, headers=link_pages.HEADERS)
    shown = await run_in_threadpool(answer, asked)
    return _response(shown)


def routes() -> list[Route]:
    """The data check's route, for ``st.App`` (``asgi.py``)."""
    return [Route(ROUTE, endpoint, methods=["GET", "POST"])]
