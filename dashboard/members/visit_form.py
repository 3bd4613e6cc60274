"""The partner card's visit form: widgets only, every decision in ``partner_directory.visits.rules``.

Widget keys (stable, for outside tools): ``visit_company``, ``visit_name``,
``visit_email``, ``visit_people``, ``visit_note`` are shared by every partner's form (the member
types them once); ``visit_dates_<partner_id>``, ``visit_services_<partner_id>``
and ``visit_language_<partner_id>`` belong to one host, whose holidays and
languages they depend on. After a valid request: ``visit_open_mail`` (the
e-mail link) and ``visit_calendar`` (the .ics download).

Sending a valid request first records it in the office's visits register
(:func:`record_request`), then offers the e-mail. In the ``members``
access mode the form is only for signed-in members, checked here on the
server as well as by the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.settings import settings
from dashboard.signin import current_visitor
from dashboard.text import error_text, md, say
from dashboard.visibility import sees_contacts
from partner_directory.errors import InvalidValueError, PartnerDirectoryError
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t
from partner_directory.links import is_email
from partner_directory.sheet.schema import SERVICES
from partner_directory.visits.register import NewVisit, from_request
from partner_directory.visits.rules import (
    MAX_PEOPLE,
    Host,
    HostCalendar,
    VisitRequest,
    check_visit,
    default_services,
    email_languages,
    suggested_dates,
    visit_calendar,
    visit_link,
)

RECORDED = "_visits_recorded"  # request fingerprint -> visit id: a rerun never records twice


def today() -> dt.date:
    """Today's date, or the one ``PARTNER_DIRECTORY_TODAY`` sets for tests and demos."""
    return settings().today or dt.date.today()


def _sent_key(partner: str) -> str:
    return f"_visit_sent_{partner}"


def _mark_sent(partner: str) -> None:
    # A flag kept in the session, not the button's one-run value: the page may rerun before it
    # reaches the form (a map pick, the switch to the app's navigation), and the request must survive.
    st.session_state[_sent_key(partner)] = True


def visit_form(office: pd.Series, offered: tuple[str, ...], lang: str) -> None:
    """The "Plan a visit" form for ``office``; on a valid request, the e-mail link and the calendar file."""
    if not sees_contacts():
        st.info(t("members.contacts_hidden", lang))
        return
    config = settings()
    now = today()
    host = Host.from_row(office.to_dict())
    partner = str(office["partner_id"])
    start, end = suggested_dates(HostCalendar(host.country), today=now)
    languages = email_languages(host.languages, lang)
    st.markdown(f"**{md(t('ui.plan_visit', lang))}**")
    st.caption(t("ui.visit_terms", lang))
    with st.form(f"visit-{partner}"):
        company = st.text_input(t("ui.visit.company", lang), key="visit_company")
        person = st.text_input(t("ui.visit.name", lang), key="visit_name")
        email = st.text_input(t("visits.ui.member_email", lang), value=current_visitor().email, key="visit_email")
        dates = st.date_input(
            t("ui.visit.dates", lang),
            value=(start, end),
            min_value=now,
            format="YYYY-MM-DD",
            help=t("ui.visit.dates_help", lang),
            key=f"visit_dates_{partner}",
        )
        people = st.number_input(
            t("ui.visit.people", lang), min_value=1, max_value=MAX_PEOPLE, value=1, key="visit_people"
        )
        options = [s for s in SERVICES if s in offered] or list(SERVICES)
        services = st.multiselect(
            t("ui.visit.services", lang),
            options=options,
            default=[s for s in default_services(offered) if s in options],  # never a default the options lack
            format_func=lambda s: t(f"service.{s}", lang),
            key=f"visit_services_{partner}",
        )
        note = st.text_area(t("ui.visit.note", lang), height=68, key="visit_note")
        if len(languages) > 1:
            written_in = st.selectbox(
                t("ui.visit.language", lang),
                options=list(languages),
                format_func=lambda code: language_name(code, lang),
                key=f"visit_language_{partner}",
            )
        else:
            written_in = languages[0]
            listed = written_in in host.languages
            st.caption(
                say("ui.visit.language_only", lang, language=language_name(written_in, lang))
                if listed
                else t("ui.visit.language_fallback", lang)
            )
        st.form_submit_button(
            t("ui.visit.prepare", lang), type="primary", key="visit_prepare", on_click=_mark_sent, args=(partner,)
        )
    if not st.session_state.pop(_sent_key(partner), False):
        return
    if not isinstance(dates, tuple) or len(dates) != 2:
        st.error(t("ui.visit.pick_two_dates", lang))
        return
    request = VisitRequest(dates[0], dates[1], int(people), tuple(services), company, person, note)
    problems = check_visit(request, host, today=now, language=lang)
    if not is_email(email.strip()):
        problems.append(t("visits.ui.member_email_needed", lang))
    if problems:
        st.error("  \n".join(md(p) for p in problems))
        return
    home = {"home_cluster_name": config.home_cluster_name, "home_cluster_email": config.home_cluster_email}
    link = visit_link(request, host, language=written_in or "en", **home)
    if not link:
        return
    visit = from_request(request, host, partner_id=partner, member_email=email.strip(), language=written_in or "en")
    recorded = record_request(visit, lang)  # stored first; a failure is said and the e-mail still offered
    st.success(t("ui.visit.ready", lang))
    if recorded is not None:
        st.caption(say("visits.ui.recorded", lang, id=recorded))
    # One under the other: side by side, the e-mail link's label would be cut off.
    st.link_button(t("ui.visit.open_mail", lang), link, type="primary", width="stretch", key="visit_open_mail")
    stamp = dt.datetime.now(dt.UTC)
    st.download_button(
        t("ui.visit.download_calendar", lang),
        visit_calendar(request, host, stamp=stamp, language=written_in or "en", **home),
        file_name=f"bra-visit-{request.start.isoformat()}.ics",
        mime="text/calendar",
        on_click="ignore",
        help=t("ui.visit.calendar_help", lang),
        width="stretch",
        key="visit_calendar",
    )


def record_request(visit: NewVisit, lang: str) -> int | None:
    """Store the member's request in the visits register (once per identical request in this session).

    Returns the visit's id, or ``None`` when it failed: a failure is said in a
    sentence, and the caller still offers the e-mail, which copies the office,
    so nothing is lost.
    """
    fingerprint = hashlib.sha256(repr(visit).encode("utf-8")).hexdigest()
    recorded: dict[str, int] = st.session_state.setdefault(RECORDED, {})
    if fingerprint in recorded:
        return recorded[fingerprint]
    try:
        visit_id = data.register().record(visit, source="form")
    except InvalidValueError as error:
        st.error(error_text(error, lang))
        return None
    except PartnerDirectoryError as error:
        st.warning(say("visits.ui.not_recorded", lang, reason=error.message(lang)))
        return None
    recorded[fingerprint] = visit_id
    return visit_id
