"""The office's visits register: filters, the list and its downloads, one visit's change, incoming visits, erasure.

Widgets only; every decision is in ``partner_directory.visits.register``. Widget keys (stable, for outside tools):
filters ``visits_host``, ``visits_company``, ``visits_year``, ``visits_status``;
``visits_pick`` chooses a visit, whose form has ``visits_new_status_<id>``,
``visits_actual_days_<id>`` and ``visits_save_<id>``; the incoming-visit form
``visits_in_*``; downloads ``visits_csv``, ``visits_xlsx``; erasure ``visits_erase_email``
and ``visits_erase``; the backup ``backup_zip``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import data, downloads
from dashboard.settings import settings
from dashboard.text import error_text, notice_later, say, show_notice
from partner_directory.errors import InvalidValueError, PartnerDirectoryError
from partner_directory.i18n import t
from partner_directory.sheet.schema import SERVICES
from partner_directory.visits.backup import backup_zip
from partner_directory.visits.mailing import answer_words, revoke_links
from partner_directory.visits.register import (
    ACTORS,
    MAX_DAYS,
    MAX_PEOPLE,
    STATUSES,
    Change,
    NewVisit,
    Register,
    Visit,
    VisitFilter,
    register_csv,
    register_xlsx,
)
from partner_directory.visits.rules import may_complete

NOTICE = "_visits_notice"
#: The year filter's default: this year's visits and every later one.
SINCE_THIS_YEAR = "since_this_year"
#: A save refused, shown once as a sentence on the next run: the error, or the id of a visit no longer there.
REFUSAL = "_visits_refusal"


def register_or_say(lang: str) -> Register | None:
    """The register, or ``None`` after saying in a sentence why it cannot be opened."""
    try:
        return data.register()
    except PartnerDirectoryError as error:
        st.error(error_text(error, lang))
        return None


# -- the office's register ----------------------------------------------------------------------------------


def _any(lang: str) -> Callable[[object], str]:
    return lambda value: t("visits.ui.any", lang) if value is None else str(value)


def _year_label(year: int | str | None, this_year: int, lang: str) -> str:
    if year is None:
        return t("visits.ui.any", lang)
    if year == SINCE_THIS_YEAR:
        return t("register.year_since", lang, year=this_year)
    return str(year)


def register_tab(author: str, lang: str) -> None:
    """The register on the office's page: filters, the list, downloads, one visit's change, new incoming visits."""
    found = register_or_say(lang)
    if found is None:
        return
    show_notice(NOTICE)
    refusal = st.session_state.pop(REFUSAL, None)
    if isinstance(refusal, PartnerDirectoryError):
        st.error(error_text(refusal, lang))
    elif isinstance(refusal, int):
        st.error(say("register.gone", lang, id=refusal))
    choices = found.choices()
    this_year = today().year
    columns = st.columns(4)
    # This year's visits and the upcoming ones by default (January requests are made in December); "any" is every year.
    year = columns[2].selectbox(
        t("visits.ui.year", lang),
        [None, SINCE_THIS_YEAR, *choices["years"]],
        index=1,
        format_func=lambda y: _year_label(y, this_year, lang),
        key="visits_year",
    )
    where = VisitFilter(
        host=columns[0].selectbox(
            t("visits.ui.host", lang), [None, *choices["hosts"]], format_func=_any(lang), key="visits_host"
        ),
        company=columns[1].selectbox(
            t("visits.ui.company", lang), [None, *choices["companies"]], format_func=_any(lang), key="visits_company"
        ),
        year=year if isinstance(year, int) else None,
        from_year=this_year if year == SINCE_THIS_YEAR else None,
        status=columns[3].selectbox(
            t("visits.ui.status", lang),
            [None, *STATUSES],
            format_func=lambda s: t("visits.ui.any", lang) if s is None else t(f"visits.status.{s}", lang),
            key="visits_status",
        ),
    )
    visits = found.find(where)
    st.caption(
        say("visits.ui.count", lang, count=len(visits), filters=where.describe(lang) or t("visits.ui.no_filter", lang))
    )
    if visits:
        st.dataframe(_on_screen(visits, lang), hide_index=True, width="stretch")
    downloads.spreadsheet_downloads(
        st.columns(2),
        key="visits",
        file_stem=f"bra-visits-{dt.date.today().isoformat()}",
        excel=downloads.Download(
            t("visits.ui.download_xlsx", lang),
            lambda: register_xlsx(visits, lang, time_zone=settings().office_time_zone),
        ),
        csv=downloads.Download(
            t("visits.ui.download_csv", lang), lambda: register_csv(visits, lang, time_zone=settings().office_time_zone)
        ),
    )
    if visits:
        _change_form(found, visits, author, lang)
    _incoming_form(found, author, lang)
    _erase_form(found, author, lang)


def _on_screen(visits: Sequence[Visit], lang: str) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            t("visits.column.id", lang): [v.id for v in visits],
            t("visits.column.status", lang): [t(f"visits.status.{v.status}", lang) for v in visits],
            t("host_answer.column.changed_by", lang): [t(f"host_answer.actor.{v.changed_by}", lang) for v in visits],
            t("host_answer.column.host_answer", lang): [
                " ".join(answer_words(v, lang)) if v.host_answer else "" for v in visits
            ],
            t("visits.column.direction", lang): [t(f"visits.direction.{v.direction}", lang) for v in visits],
            t("visits.column.start", lang): [v.start.isoformat() for v in visits],
            t("visits.column.end", lang): [v.end.isoformat() for v in visits],
            t("visits.column.actual_days", lang): ["" if v.actual_days is None else str(v.actual_days) for v in visits],
            t("visits.column.partner_name", lang): [v.partner_name for v in visits],
            t("visits.column.city", lang): [v.city for v in visits],
            t("visits.column.member_company", lang): [v.member_company for v in visits],
            t("visits.column.member_name", lang): [v.member_name for v in visits],
            t("visits.column.member_email", lang): [v.member_email for v in visits],
            t("visits.column.people", lang): [v.people for v in visits],
        }
    )
    return table


def _label(visit: Visit, lang: str) -> str:
    """The picker's label: what never changes on a save, since Streamlit matches a selectbox's value by its label."""
    return t(
        "register.pick_label",
        lang,
        id=visit.id,
        company=visit.member_company,
        partner=visit.partner_name,
        start=visit.start.isoformat(),
    )


def today() -> dt.date:
    """The office's today: ``PARTNER_DIRECTORY_TODAY`` in tests and demos, else the clock."""
    return settings().today or dt.date.today()


def _change_form(found: Register, visits: Sequence[Visit], author: str, lang: str) -> None:
    by_id = {v.id: v for v in visits}
    st.subheader(t("visits.ui.change_title", lang), anchor=False)
    picked = st.selectbox(
        t("visits.ui.pick", lang), list(by_id), format_func=lambda i: _label(by_id[i], lang), key="visits_pick"
    )
    if picked is None:
        return
    visit = by_id[picked]
    st.caption(say("register.status_now", lang, status=t(f"visits.status.{visit.status}", lang)))
    _history(found, visit, lang)
    if visit.status != "completed" and not may_complete(visit.start, today=today()):
        st.info(say("register.not_begun", lang, id=visit.id, start=visit.start.isoformat()))
    with st.form(f"visit-change-{visit.id}"):
        columns = st.columns(2)
        columns[0].selectbox(
            t("visits.ui.status", lang),
            list(STATUSES),
            index=STATUSES.index(visit.status),
            format_func=lambda s: t(f"visits.status.{s}", lang),
            key=f"visits_new_status_{visit.id}",
        )
        columns[1].number_input(
            t("visits.ui.actual_days", lang),
            min_value=0,
            max_value=MAX_DAYS,
            value=visit.actual_days if visit.actual_days is not None else visit.planned_days,
            help=say("visits.ui.actual_days_help", lang, planned=visit.planned_days),
            key=f"visits_actual_days_{visit.id}",
        )
        # The save runs in the button's callback, before the page is drawn again: a submitted form is saved or
        # refused with a sentence even when its visit is no longer the one picked or shown (another filter, a
        # picker the browser still holds under an old label), never dropped with the form.
        st.form_submit_button(
            t("visits.ui.save", lang),
            type="primary",
            key=f"visits_save_{visit.id}",
            on_click=_save,
            args=(visit.id, visit.revision, author, lang),
        )


def _history(found: Register, visit: Visit, lang: str) -> None:
    """Who set each status of ``visit``: the member, the host through a link, or staff (by name), and when."""
    zone = ZoneInfo(settings().office_time_zone)
    lines: list[tuple[str, dict[str, str]]] = []
    for event in found.events(visit.id):
        if event.action not in ("created", "status"):
            continue
        actor = t(f"host_answer.actor.{event.actor}", lang) if event.actor in ACTORS else ""
        who = " · ".join(part for part in (actor, event.by if event.by not in ("", "host") else "") if part)
        fields = {
            "at": event.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "old": t(f"visits.status.{event.old_value}", lang) if event.old_value else "",
            "new": t(f"visits.status.{event.new_value}", lang),
            "actor": who or "—",
        }
        key = "host_answer.history.created" if event.action == "created" else "host_answer.history.line"
        lines.append((key, fields))
    if lines:
        with st.expander(say("host_answer.history.title", lang, id=visit.id)):
            for key, fields in lines:
                st.markdown(say(key, lang, **fields))


def _save(visit_id: int, shown_revision: int, author: str, lang: str) -> None:
    """Save the form of visit ``visit_id`` as the person saw it at ``shown_revision``; say what happened."""
    st.session_state["visits_pick"] = visit_id  # the saved visit stays picked, whatever fills the list's places
    status = st.session_state.get(f"visits_new_status_{visit_id}")
    days = st.session_state.get(f"visits_actual_days_{visit_id}")
    try:
        found = data.register()
        before = found.get(visit_id)
    except InvalidValueError:
        st.session_state[REFUSAL] = visit_id  # the visit is gone
        return
    except PartnerDirectoryError as error:
        st.session_state[REFUSAL] = error
        return
    days = before.planned_days if days is None else int(days)
    set_days = status == "completed" or before.actual_days is not None or days != before.planned_days
    try:
        changed = found.change(
            visit_id,
            Change(status=status, actual_days=days if set_days else None, set_actual_days=set_days),
            revision=shown_revision,
            by=author,
            today=today(),
        )
    except PartnerDirectoryError as error:  # someone else's change first, a day not begun, a value out of range
        st.session_state[REFUSAL] = error
        return
    if changed.revision == before.revision:
        notice_later(NOTICE, say("register.unchanged", lang, id=visit_id))
        return
    if changed.status != before.status:
        try:  # the host's links no longer answer a visit staff have decided
            revoke_links(found.database, visit_id, now=dt.datetime.now(dt.UTC))
        except PartnerDirectoryError as error:
            st.session_state[REFUSAL] = error
    label = t(
        "visits.ui.visit_label",
        lang,
        id=changed.id,
        company=changed.member_company,
        partner=changed.partner_name,
        start=changed.start.isoformat(),
        status=t(f"visits.status.{changed.status}", lang),
    )
    notice_later(NOTICE, say("visits.ui.saved", lang, label=label))


def _partner_names() -> list[str]:
    try:
        table = data.directory().table
    except Exception:  # no published list: staff type the partner's name
        return []
    if "partner_name" not in table.columns:
        return []
    return sorted({str(n) for n in table["partner_name"] if str(n).strip()}, key=str.casefold)


def _incoming_form(found: Register, author: str, lang: str) -> None:
    with st.expander(t("visits.ui.incoming_title", lang)):
        st.caption(t("visits.ui.incoming_help", lang))
        with st.form("visit-incoming", clear_on_submit=False):
            columns = st.columns(2)
            partner = columns[0].selectbox(
                t("visits.ui.incoming_partner", lang),
                _partner_names(),
                index=None,
                accept_new_options=True,
                placeholder=t("words.choose_or_type", lang),
                key="visits_in_partner",
            )
            company = columns[1].text_input(t("visits.ui.incoming_company", lang), key="visits_in_company")
            name = columns[0].text_input(t("visits.column.member_name", lang), key="visits_in_name")
            email = columns[1].text_input(t("visits.column.member_email", lang), key="visits_in_email")
            day = today()
            dates = columns[0].date_input(
                t("visits.ui.dates", lang), value=(day, day), format="YYYY-MM-DD", key="visits_in_dates"
            )
            people = columns[1].number_input(
                t("visits.column.people", lang), min_value=1, max_value=MAX_PEOPLE, value=1, key="visits_in_people"
            )
            status = columns[0].selectbox(
                t("visits.ui.status", lang),
                list(STATUSES),
                index=STATUSES.index("completed"),
                format_func=lambda s: t(f"visits.status.{s}", lang),
                key="visits_in_status",
            )
            days = columns[1].number_input(
                t("visits.ui.actual_days", lang), min_value=0, max_value=MAX_DAYS, value=1, key="visits_in_days"
            )
            services = st.multiselect(
                t("visits.column.services", lang),
                list(SERVICES),
                format_func=lambda s: t(f"service.{s}", lang),
                placeholder=t("words.choose", lang),  # Streamlit's own is English ("Choose an option")
                key="visits_in_services",
            )
            note = st.text_area(t("visits.column.note", lang), height=68, key="visits_in_note")
            submitted = st.form_submit_button(t("visits.ui.incoming_add", lang), key="visits_in_add")
        if not submitted:
            return
        if not isinstance(dates, tuple) or len(dates) != 2:
            st.error(t("visits.ui.pick_two_dates", lang))
            return
        if status == "completed" and not may_complete(dates[0], today=today()):
            st.error(t("visits.problem.not_begun", lang))
            return
        visit = NewVisit(
            direction="incoming",
            member_company=company,
            partner_name=str(partner or ""),
            start=dates[0],
            end=dates[1],
            people=int(people),
            member_name=name,
            member_email=email,
            services=tuple(services),
            note=note,
            status=status,
            actual_days=int(days) if status == "completed" else None,
        )
        try:
            visit_id = found.record(visit, source="staff", by=author)
        except PartnerDirectoryError as error:
            st.error(error_text(error, lang))
            return
        notice_later(NOTICE, say("visits.ui.incoming_added", lang, id=visit_id))
        st.rerun()


def _erase_form(found: Register, author: str, lang: str) -> None:
    with st.expander(t("visits.ui.erase_title", lang)):
        st.caption(t("visits.ui.erase_help", lang))
        with st.form("visit-erase"):
            email = st.text_input(t("visits.column.member_email", lang), key="visits_erase_email")
            submitted = st.form_submit_button(t("visits.ui.erase", lang), key="visits_erase")
        if not submitted:
            return
        try:
            erased = found.erase_member(email=email, by=author)
        except PartnerDirectoryError as error:
            st.error(error_text(error, lang))
            return
        notice_later(NOTICE, say("visits.ui.erased", lang, count=erased))
        st.rerun()


# -- the office's backup -------------------------------------------------------------------------------------


def backup_button(lang: str) -> None:
    """The office's backup download: the published list, its history and the register in one ZIP (made on click)."""
    config = settings()

    def make() -> bytes:
        try:
            found: Register | None = data.register()
        except PartnerDirectoryError:
            found = None  # the ZIP says the register is missing rather than failing the whole backup
        try:
            published: dict[str, bytes] | None = data.store().export_files()
        except PartnerDirectoryError:
            published = {}  # the database is unreachable: the register's MISSING.txt says so
        return backup_zip(
            data_file=config.data_file, history_dir=config.history_dir, register=found, published=published
        )

    st.download_button(
        t("visits.ui.backup", lang),
        make,
        file_name=f"bra-backup-{dt.date.today().isoformat()}.zip",
        mime="application/zip",
        on_click="ignore",
        key="backup_zip",
    )
