"""The partner card's visit form: widgets only, every decision in ``partner_directory.visits.rules``.

Widget keys (stable, for outside tools): ``visit_company``, ``visit_name``,
``visit_email``, ``visit_people``, ``visit_note`` are shared by every partner's form;
``visit_dates_<partner_id>``, ``visit_services_<partner_id>``
and ``visit_language_<partner_id>`` belong to one host, whose holidays and
languages they depend on. After a valid request: ``visit_open_mail`` (the
e-mail link), ``visit_calendar`` (the .ics download) and ``visit_sent`` (the
member says the e-mail is sent); with mail configured, ``visit_send_mail`` (the
app mails the request to the host) instead of the e-mail link and ``visit_sent``.
``visit_my_requests`` lists the member's requests, with the host's answer.

"Prepare the request" only checks the dates and writes the e-mail: a member may
try as many dates as they like, and nothing is recorded. The request is recorded
in the office's register when the member says they have sent it (``visit_sent``),
once: the register keeps one record per member, host and dates
(:func:`partner_directory.visits.register.request_key`). With mail configured
(``PARTNER_DIRECTORY_SMTP_HOST``) the member's one button records the request
and puts the mail to the host in the outbox, once
(:func:`partner_directory.visits.mailing.send_request`).

The member's company, name and e-mail are kept for the session under
``MEMBER_DETAILS`` (not a widget's key, which Streamlit drops with the card),
so every partner's form starts with them. In the ``members`` access mode the
form is only for signed-in members, checked here on the server as well as by
the page; a visitor who is not signed in is offered the sign-in in the card.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import data, mail_worker
from dashboard.settings import settings
from dashboard.signin import current_visitor, member_sign_in, rerun_after_sign_in
from dashboard.text import error_text, md, say
from dashboard.visibility import sees_contacts
from partner_directory.errors import InvalidValueError, PartnerDirectoryError
from partner_directory.geo.languages import language_name
from partner_directory.i18n import t
from partner_directory.links import is_email
from partner_directory.mail.outbox import entries
from partner_directory.sheet.schema import SERVICES
from partner_directory.visits.mailing import REQUEST, answer_words, send_request
from partner_directory.visits.register import NewVisit, Register, Visit, from_request, record_of
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

MEMBER_DETAILS = "visit_member_details"  # {"company", "name", "email"}: typed once per session
SENT_IN_SESSION = "visit_sent_ids"  # the ids this session recorded: "My requests" without a verified e-mail
#: The widgets whose values are the member's, not the host's: kept across cards.
DETAIL_WIDGETS = {"company": "visit_company", "name": "visit_name", "email": "visit_email"}


def today() -> dt.date:
    """Today's date, or the one ``PARTNER_DIRECTORY_TODAY`` sets for tests and demos."""
    return settings().today or dt.date.today()


def _submitted_key(partner: str) -> str:
    return f"_visit_submitted_{partner}"


def _prepared_key(partner: str) -> str:
    return f"_visit_prepared_{partner}"


def _sending_key(partner: str) -> str:
    return f"_visit_sending_{partner}"


def _flag(key: str) -> None:
    # A flag kept in the session, not the button's one-run value: the page may rerun before it
    # reaches the form (a map pick, the switch to the app's navigation), and the click must survive.
    st.session_state[key] = True


def _restore_details() -> None:
    """Put the member's kept details into the shared widgets before they are drawn (a closed card dropped them)."""
    kept: dict[str, str] = st.session_state.get(MEMBER_DETAILS) or {}
    for field, key in DETAIL_WIDGETS.items():
        if key not in st.session_state:
            value = kept.get(field) or (current_visitor().email if field == "email" else "")
            st.session_state[key] = value


def _keep_details(company: str, person: str, email: str) -> None:
    st.session_state[MEMBER_DETAILS] = {"company": company, "name": person, "email": email}


def sign_in_offer(lang: str) -> None:
    """For a visitor who may not see contacts: say so, and offer the members' sign-in here, in the card.

    At the card's top, not in the sidebar: the card is a dialog over the page,
    and on a phone the sidebar is hidden. Nothing for a session that sees contacts.
    """
    rerun_after_sign_in("card_")
    if sees_contacts():
        return
    st.info(t("visit_request.sign_in_here", lang))
    member_sign_in(st.container(), lang, prefix="card_")


def visit_form(office: pd.Series, offered: tuple[str, ...], lang: str) -> None:
    """The "Plan a visit" form for ``office``; on a valid request, the e-mail link and the calendar file."""
    if not sees_contacts():  # the card offers the sign-in at its top (sign_in_offer)
        return
    now = today()
    host = Host.from_row(office.to_dict())
    partner = str(office["partner_id"])
    start, end = suggested_dates(HostCalendar(host.country), today=now)
    languages = email_languages(host.languages, lang)
    st.markdown(f"**{md(t('ui.plan_visit', lang))}**")
    st.caption(t("ui.visit_terms", lang))
    _restore_details()
    with st.form(f"visit-{partner}"):
        company = st.text_input(t("ui.visit.company", lang), key="visit_company")
        person = st.text_input(t("ui.visit.name", lang), key="visit_name")
        email = st.text_input(t("visits.ui.member_email", lang), key="visit_email")
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
            placeholder=t("words.choose", lang),  # Streamlit's own is English ("Choose an option")
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
            t("ui.visit.prepare", lang),
            type="primary",
            key="visit_prepare",
            on_click=_flag,
            args=(_submitted_key(partner),),
        )
    _keep_details(company, person, email)
    if st.session_state.pop(_submitted_key(partner), False):
        st.session_state.pop(_prepared_key(partner), None)  # a new try replaces the last one, even a refused one
        if not isinstance(dates, tuple) or len(dates) != 2:
            st.error(t("ui.visit.pick_two_dates", lang))
        else:
            request = VisitRequest(dates[0], dates[1], int(people), tuple(services), company, person, note)
            problems = check_visit(request, host, today=now, language=lang)
            if not is_email(email.strip()):
                problems.append(t("visits.ui.member_email_needed", lang))
            if problems:
                st.error("  \n".join(md(p) for p in problems))
            else:
                st.session_state[_prepared_key(partner)] = (request, email.strip(), written_in or "en")
    prepared = st.session_state.get(_prepared_key(partner))
    if prepared is not None:
        if mail_worker.say_not_configured(lang):  # without mail: the member's own mail program, as before
            _prepared_for_mail(prepared, host, partner, offered, lang)
        else:
            _prepared(prepared, host, partner, lang)
    my_requests(lang)


def _prepared(prepared: tuple[VisitRequest, str, str], host: Host, partner: str, lang: str) -> None:
    """The prepared request: the e-mail, the calendar file, and the button that records it once sent."""
    config = settings()
    request, email, written_in = prepared
    home = {"home_cluster_name": config.home_cluster_name, "home_cluster_email": config.home_cluster_email}
    link = visit_link(request, host, language=written_in, **home)
    if not link:
        return
    st.success(t("ui.visit.ready", lang))
    st.caption(t("visit_request.steps", lang))
    # One under the other: side by side, the e-mail link's label would be cut off.
    st.link_button(t("ui.visit.open_mail", lang), link, type="primary", width="stretch", key="visit_open_mail")
    _calendar_button(request, host, written_in, lang)
    st.button(
        t("visit_request.sent", lang),
        key="visit_sent",
        width="stretch",
        help=t("visit_request.sent_help", lang),
        on_click=_flag,
        args=(_sending_key(partner),),
    )
    if st.session_state.pop(_sending_key(partner), False):
        visit = from_request(request, host, partner_id=partner, member_email=email, language=written_in)
        recorded = record_request(visit, lang)
        if recorded is not None:
            st.success(say("visits.ui.recorded", lang, id=recorded))


def _calendar_button(request: VisitRequest, host: Host, written_in: str, lang: str) -> None:
    config = settings()
    home = {"home_cluster_name": config.home_cluster_name, "home_cluster_email": config.home_cluster_email}
    st.download_button(
        t("ui.visit.download_calendar", lang),
        visit_calendar(request, host, stamp=dt.datetime.now(dt.UTC), language=written_in, **home),
        file_name=f"bra-visit-{request.start.isoformat()}.ics",
        mime="text/calendar",
        on_click="ignore",
        help=t("ui.visit.calendar_help", lang),
        width="stretch",
        key="visit_calendar",
    )


def _prepared_for_mail(
    prepared: tuple[VisitRequest, str, str], host: Host, partner: str, offered: tuple[str, ...], lang: str
) -> None:
    """With mail configured: one button records the request and mails it to the host, once; the calendar file."""
    request, email, written_in = prepared
    st.success(t("ui.visit.ready", lang))
    st.caption(t("host_answer.member.steps", lang))
    st.button(
        t("host_answer.member.send", lang),
        key="visit_send_mail",
        type="primary",
        width="stretch",
        help=t("host_answer.member.send_help", lang),
        on_click=_flag,
        args=(_sending_key(partner),),
    )
    _calendar_button(request, host, written_in, lang)
    if not st.session_state.pop(_sending_key(partner), False):
        return
    visit = from_request(request, host, partner_id=partner, member_email=email, language=written_in)
    recorded = record_request(visit, lang)
    if recorded is None:
        return
    try:
        queued = send_request(
            data.register().database,
            recorded,
            request,
            host,
            offered=offered,
            settings=settings(),
            language=written_in,
            member_language=lang,
            vouched=current_visitor().member,
            now=dt.datetime.now(dt.UTC),
        )
    except PartnerDirectoryError as error:
        st.warning(say("host_answer.member.not_sent", lang, id=recorded, reason=error.message(lang)))
        return
    mail_worker.wake()
    key = "host_answer.member.queued" if queued is not None else "host_answer.member.already"
    st.success(say(key, lang, id=recorded))


def record_request(visit: NewVisit, lang: str) -> int | None:
    """Record the member's sent request in the visits register; the register keeps one per member, host and dates.

    Returns the visit's id (the one already recorded when the same request was
    sent before), or ``None`` when it failed: a failure is said in a sentence;
    the e-mail, which copies the office, has been sent, so nothing is lost.
    """
    try:
        visit_id = data.register().record(visit, source="form")
    except InvalidValueError as error:
        st.error(error_text(error, lang))
        return None
    except PartnerDirectoryError as error:
        st.warning(say("visits.ui.not_recorded", lang, reason=error.message(lang)))
        return None
    sent: list[int] = st.session_state.setdefault(SENT_IN_SESSION, [])
    if visit_id not in sent:
        sent.append(visit_id)
    return visit_id


def my_requests(lang: str) -> None:
    """ "My requests": the member's own requests and their status, newest first.

    A member signed in with a verified e-mail (the identity provider) sees every
    request sent from that address (:meth:`~partner_directory.visits.register.Register.requests_of`); a member known
    by no verified address sees the ones sent in this session, never others' by a typed address.
    """
    email = current_visitor().email
    ids: list[int] = st.session_state.get(SENT_IN_SESSION) or []
    if not email and not ids:
        return
    try:
        register = data.register()
        if email:
            visits = register.requests_of(email)
        else:
            visits = [v for v in register.find() if v.id in ids and v.erased_at is None]
    except PartnerDirectoryError as error:
        st.caption(error_text(error, lang))
        return
    if not visits:
        return
    with st.expander(t("visit_request.mine", lang, count=len(visits)), key="visit_my_requests"):
        for visit in visits:
            st.markdown(
                say(
                    "visit_request.line",
                    lang,
                    id=visit.id,
                    partner=visit.partner_name,
                    start=visit.start.isoformat(),
                    end=visit.end.isoformat(),
                    status=t(f"visits.status.{visit.status}", lang),
                )
            )
            _answer_and_mail(register, visit, lang)


def _answer_and_mail(register: Register, visit: Visit, lang: str) -> None:
    """Under one of "My requests": the host's answer (its days and note, as text) and where the mail to the host stands."""
    if visit.host_answer:
        st.caption(md(" ".join(answer_words(visit, lang))))
    if visit.mailed_at is None:
        return
    try:
        mails = entries(register.database, record=record_of(visit.id), purposes=(REQUEST,), limit=1)
    except PartnerDirectoryError:
        return  # where the mail stands is a help; the request and its status are shown above
    if mails:
        mail = mails[0]
        st.caption(say(f"host_answer.mail.{mail.status}", lang, reason=mail.last_error))
