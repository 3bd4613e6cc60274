"""The host's one-click answer to a visit request: the two public pages behind the links in the request mail.

``/_bra/visit/confirm?token=…`` shows the one visit and a button "Confirm these
days"; ``/_bra/visit/answer?token=…`` shows it with a choice (propose other days,
or decline), optional days and a note. A ``GET`` only shows (mail scanners
follow links); the form ``POST``\\ s the token back and the answer is recorded
(``partner_directory.visits.mailing.answer_by_link``), then the page thanks.
A bad link (unknown, expired, used, revoked) gets a sentence. Every attempt
passes the one throttle (``access.throttle``), keyed by the client's address:
a guessed token counts as a failure, a real link (even an expired one) does not.

Served by ``asgi.py`` through ``st.App`` in every process of the app; the
frame is ``dashboard.link_pages``. Nothing here imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import parse_qs, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboard.link_pages import page
from partner_directory.access.throttle import Throttle
from partner_directory.config import Settings
from partner_directory.errors import InvalidValueError, PartnerDirectoryError, TokenError
from partner_directory.geo.countries import country_name
from partner_directory.i18n import LANGUAGES, normalise_language, t, tn
from partner_directory.visits.mailing import ANSWER_PATH, CONFIRM_PATH, answer_by_link, visit_for_link
from partner_directory.visits.register import HostAnswer, Register, Visit

LOG = logging.getLogger("partner_directory.host_answer")
#: The largest form a host may post (a note of 2,000 characters, percent-encoded, fits many times over).
MAX_BODY = 64 * 1024
#: The throttle's account for every link page: guesses of tokens are slowed down per client.
THROTTLE_ACCOUNT = "visit-link"
PURPOSE_OF_PATH = {CONFIRM_PATH: "visit_confirm", ANSWER_PATH: "visit_answer"}


@lru_cache(maxsize=4)
def _register(url: str) -> Register:
    return Register.open(url)


@lru_cache(maxsize=4)
def _throttle(url: str) -> Throttle:
    # Generous to a real host (who opens a link a few times), slow for a guesser (each unknown token doubles the wait).
    return Throttle(_register(url).database, base_delay=1.0, max_delay=300.0, account_interval=0.05, account_burst=40)


def client_key(request: Request) -> str:
    """Who is asking, for the throttle: the address the connection comes from (uvicorn trusts only a local proxy)."""
    host = request.client.host if request.client else ""
    return f"ip:{host or 'local'}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- what the pages say -------------------------------------------------------------------------------------


def _switch(path: str, token: str) -> dict[str, str]:
    return {code: f"{path}?{urlencode({'token': token, 'lang': code})}" for code in LANGUAGES}


def visit_facts(visit: Visit, settings: Settings, lang: str) -> str:
    """The one visit, as escaped HTML: the member's company and name, the office, the days, people, services."""
    country = country_name(visit.country, lang) if visit.country else ""
    office = " · ".join(p for p in (visit.partner_name, visit.office_name, visit.city, country) if p)
    days = f"{visit.start.isoformat()} – {visit.end.isoformat()} ({tn('count.working_days', visit.planned_days, lang)})"
    rows = [
        ("host_answer.page.company", visit.member_company),
        ("host_answer.page.member", visit.member_name or "—"),
        ("host_answer.page.office", office),
        ("host_answer.page.days", days),
        ("host_answer.page.people", str(visit.people)),
        ("host_answer.page.services", ", ".join(t(f"service.{s}", lang) for s in visit.services) or "—"),
    ]
    facts = "".join(f"<dt>{html.escape(t(key, lang))}</dt><dd>{html.escape(value)}</dd>" for key, value in rows)
    intro = html.escape(t("host_answer.page.intro", lang, home=settings.home_cluster_name))
    return f"<p>{intro}</p><dl>{facts}</dl>"


def _hidden(token: str, lang: str) -> str:
    return (
        f'<input type="hidden" name="token" value="{html.escape(token, quote=True)}">'
        f'<input type="hidden" name="lang" value="{html.escape(lang, quote=True)}">'
    )


def _form(purpose: str, token: str, lang: str, settings: Settings, fields: dict[str, str] | None = None) -> str:
    """The answer's form: one button to confirm, or the choice, the other days and the note."""
    path = CONFIRM_PATH if purpose == "visit_confirm" else ANSWER_PATH
    once = f"<p>{html.escape(t('host_answer.page.once', lang, home=settings.home_cluster_name))}</p>"
    if purpose == "visit_confirm":
        button = html.escape(t("host_answer.page.confirm_button", lang))
        return (
            f'<form method="post" action="{path}">{_hidden(token, lang)}'
            f'<input type="hidden" name="answer" value="confirmed">{once}<button type="submit">{button}</button></form>'
        )
    given = fields or {}
    chosen = given.get("answer", "proposed")
    choices = "".join(
        f'<label class="choice"><input type="radio" name="answer" value="{value}"'
        f"{' checked' if chosen == value else ''}> {html.escape(t(f'host_answer.page.choice_{value}', lang))}</label>"
        for value in ("proposed", "declined")
    )

    def value(name: str) -> str:
        return html.escape(given.get(name, ""), quote=True)

    return (
        f'<form method="post" action="{path}">{_hidden(token, lang)}'
        f"<fieldset><legend>{html.escape(t('host_answer.page.choice', lang))}</legend>{choices}</fieldset>"
        f'<label for="first">{html.escape(t("host_answer.page.first_day", lang))}</label>'
        f'<input type="date" id="first" name="first" value="{value("first")}">'
        f'<label for="last">{html.escape(t("host_answer.page.last_day", lang))}</label>'
        f'<input type="date" id="last" name="last" value="{value("last")}">'
        f'<label for="note">{html.escape(t("host_answer.page.note", lang))}</label>'
        f'<textarea id="note" name="note" rows="4" maxlength="2000">{html.escape(given.get("note", ""))}</textarea>'
        f'{once}<button type="submit">{html.escape(t("host_answer.page.send", lang))}</button></form>'
    )


def _problem(lang: str, sentence: str, *, status: int) -> Response:
    body = f'<p class="problem" role="alert">{html.escape(sentence)}</p>'
    return page(t("host_answer.page.title_problem", lang), body, lang, status=status)


def _title(purpose: str, lang: str) -> str:
    return t("host_answer.page.title_confirm" if purpose == "visit_confirm" else "host_answer.page.title_answer", lang)


#: The HTTP status of each bad link: unknown is not found, the others are gone.
TOKEN_STATUS = {"token_unknown": 404, "token_expired": 410, "token_used": 410, "token_revoked": 410}


# -- the two requests ---------------------------------------------------------------------------------------


def _guarded(client: str, act: Callable[[], Response], lang: str) -> Response:
    """Run ``act`` (a callable returning a response) through the throttle; a guessed token counts as a failure."""
    settings = Settings.from_env()
    throttle = _throttle(settings.database_url)
    outcome: dict[str, Response] = {}

    def check() -> bool:
        try:
            outcome["response"] = act()
        except TokenError as error:
            outcome["response"] = _problem(lang, error.message(lang), status=TOKEN_STATUS.get(error.code, 410))
            return error.code != "token_unknown"
        return True

    if throttle.attempt(client, check, account=THROTTLE_ACCOUNT) == "wait":
        seconds = max(1, round(throttle.wait_seconds(client, account=THROTTLE_ACCOUNT)))
        return _problem(lang, t("host_answer.page.throttled", lang, seconds=seconds), status=429)
    return outcome["response"]


def show(token: str, purpose: str, lang: str, client: str) -> Response:
    """``GET``: the visit and the form, or a sentence for a bad link. Never records an answer."""
    try:
        settings = Settings.from_env()
        database = _register(settings.database_url).database

        def act() -> Response:
            visit = visit_for_link(database, token, purpose, now=now())
            body = visit_facts(visit, settings, lang) + _form(purpose, token, lang, settings)
            path = CONFIRM_PATH if purpose == "visit_confirm" else ANSWER_PATH
            return page(_title(purpose, lang), body, lang, switch=_switch(path, token))

        return _guarded(client, act, lang)
    except PartnerDirectoryError as error:
        LOG.warning("visit link page failed: %s", error.code)
        return _problem(lang, t("host_answer.page.failed", lang), status=503)
    except Exception:  # no traceback reaches a host: the details go to the server's log
        LOG.exception("visit link page failed")
        return _problem(lang, t("host_answer.page.failed", lang), status=500)


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError("visit_invalid", problems=["host_answer.problem.date"]) from None


def record(fields: dict[str, str], purpose: str, lang: str, client: str) -> Response:
    """``POST``: record the answer the form carries, then thank; a bad link or a bad value gets a sentence."""
    token = fields.get("token", "")
    try:
        settings = Settings.from_env()
        database = _register(settings.database_url).database

        def act() -> Response:
            try:
                answer = HostAnswer(
                    fields.get("answer", ""),
                    note=fields.get("note", ""),
                    proposed_start=_date(fields.get("first", "")),
                    proposed_end=_date(fields.get("last", "")),
                )
                visit = answer_by_link(database, token, purpose, answer, settings=settings, now=now())
            except InvalidValueError as error:
                if error.code != "visit_invalid":
                    return _problem(lang, error.message(lang), status=409)
                visit = visit_for_link(database, token, purpose, now=now())
                given = " ".join(v for v in (fields.get("first", ""), fields.get("last", "")) if v)
                keys = error.params.get("problems")
                keys = keys if isinstance(keys, list) else []
                problems = "".join(f"<li>{html.escape(t(str(key), lang, value=given))}</li>" for key in keys)
                body = f'<ul class="problem" role="alert">{problems}</ul>'
                body += visit_facts(visit, settings, lang) + _form(purpose, token, lang, settings, fields)
                return page(_title(purpose, lang), body, lang, status=422)
            start, end = visit.proposed_start or visit.start, visit.proposed_end or visit.end
            key = visit.host_answer if visit.proposed_start or visit.host_answer != "proposed" else "proposed_open"
            thanks = t(f"host_answer.page.thanks.{key}", lang, start=start.isoformat(), end=end.isoformat())
            body = f'<p class="done" role="status">{html.escape(thanks)}</p>'
            return page(t("host_answer.page.title_done", lang), body, lang)

        return _guarded(client, act, lang)
    except PartnerDirectoryError as error:
        LOG.warning("visit link answer failed: %s", error.code)
        return _problem(lang, t("host_answer.page.failed", lang), status=503)
    except Exception:  # no traceback reaches a host: the details go to the server's log
        LOG.exception("visit link answer failed")
        return _problem(lang, t("host_answer.page.failed", lang), status=500)


async def endpoint(request: Request) -> Response:
    """Both pages: ``GET`` shows, ``POST`` records (see the module)."""
    purpose = PURPOSE_OF_PATH.get(request.url.path.rstrip("/"), "")
    client = client_key(request)
    if request.method == "POST":
        body = (await request.body())[:MAX_BODY].decode("utf-8", "replace")
        parsed = parse_qs(body, max_num_fields=12)
        fields = {name: values[0] for name, values in parsed.items() if values}
        lang = normalise_language(fields.get("lang") or request.query_params.get("lang"))
        return await run_in_threadpool(record, fields, purpose, lang, client)
    lang = normalise_language(request.query_params.get("lang"))
    return await run_in_threadpool(show, request.query_params.get("token", ""), purpose, lang, client)


def routes() -> list[Route]:
    """The two link pages, for ``st.App``."""
    return [Route(path, endpoint, methods=["GET", "POST"]) for path in (CONFIRM_PATH, ANSWER_PATH)]
