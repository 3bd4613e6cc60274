"""A member's visit request to a host partner, following the BRA terms.

Under the Business Roaming Agreement a member company may use a desk, a
meeting room and internet at a partner's office for up to five consecutive
working days free of charge. The visit is agreed in advance with the host's
contact person, and the home cluster's office is copied so that it records it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .i18n import t
from .links import is_email, mailto
from .schema import SERVICES

#: The longest free visit under the BRA, in working days.
MAX_WORKING_DAYS = 5
MAX_PEOPLE = 20


@dataclass(frozen=True)
class VisitRequest:
    """What a member fills in to ask a host for a visit."""

    start: dt.date
    end: dt.date
    people: int
    services: tuple[str, ...]
    member_company: str = ""
    member_name: str = ""
    note: str = ""


@dataclass(frozen=True)
class Host:
    """The host office as the request needs it."""

    partner_name: str
    office_name: str
    city: str
    contact_name: str
    contact_email: str


def working_days(start: dt.date, end: dt.date) -> int:
    """Count Monday–Friday dates from ``start`` to ``end`` inclusive (0 when end is before start).

    >>> working_days(dt.date(2026, 11, 30), dt.date(2026, 12, 4))  # Monday to Friday
    5
    """
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (start + dt.timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def check_visit(request: VisitRequest, host: Host, *, today: dt.date, language: str = "en") -> list[str]:
    """Return the reasons, as sentences in ``language``, why the request cannot be sent (empty when it can)."""
    problems: list[str] = []
    if not is_email(host.contact_email):
        problems.append(t("visit.problem.no_contact", language, partner=host.partner_name))
    if request.start < today:
        problems.append(t("visit.problem.past", language))
    if request.end < request.start:
        problems.append(t("visit.problem.order", language))
    else:
        if request.start.weekday() >= 5 or request.end.weekday() >= 5:
            problems.append(t("visit.problem.weekend", language))
        if working_days(request.start, request.end) > MAX_WORKING_DAYS:
            problems.append(t("visit.problem.too_long", language, days=MAX_WORKING_DAYS))
    if not 1 <= request.people <= MAX_PEOPLE:
        problems.append(t("visit.problem.people", language, most=MAX_PEOPLE))
    if not request.services:
        problems.append(t("visit.problem.no_services", language))
    return problems


def visit_email(
    request: VisitRequest,
    host: Host,
    *,
    home_cluster_name: str,
    home_cluster_email: str,
    language: str = "en",
) -> tuple[str, str]:
    """Return ``(subject, body)`` of the request e-mail in ``language``."""
    services = ", ".join(t(f"service.{s}", language) for s in request.services if s in SERVICES)
    days = working_days(request.start, request.end)
    subject = t("visit.subject", language, partner=host.partner_name, start=request.start.isoformat())
    lines = [
        t("visit.greeting", language, name=host.contact_name)
        if host.contact_name
        else t("visit.greeting_plain", language),
        "",
        t("visit.intro", language, company=request.member_company or "—", home=home_cluster_name),
        "",
        t(
            "visit.office",
            language,
            office=" · ".join(p for p in (host.partner_name, host.office_name, host.city) if p),
        ),
        t("visit.dates", language, start=request.start.isoformat(), end=request.end.isoformat(), days=days),
        t("visit.people", language, people=request.people),
        t("visit.services", language, services=services),
    ]
    if request.note.strip():
        lines += [t("visit.note", language, note=request.note.strip())]
    lines += [
        "",
        t("visit.terms", language, days=MAX_WORKING_DAYS),
        t("visit.copy", language, home=home_cluster_name, email=home_cluster_email),
        "",
        t("visit.closing", language),
        request.member_name or request.member_company or "",
    ]
    return subject, "\n".join(lines).rstrip() + "\n"


def visit_link(
    request: VisitRequest,
    host: Host,
    *,
    home_cluster_name: str,
    home_cluster_email: str,
    language: str = "en",
) -> str | None:
    """The ``mailto:`` link that opens the member's e-mail program with the request, or ``None``."""
    subject, body = visit_email(
        request, host, home_cluster_name=home_cluster_name, home_cluster_email=home_cluster_email, language=language
    )
    return mailto(host.contact_email, subject=subject, body=body, cc=home_cluster_email)


def default_services(offered: Sequence[str]) -> tuple[str, ...]:
    """The services pre-selected in the form: the free BRA basics that the host offers."""
    basics = ("desk", "internet")
    return tuple(s for s in basics if s in offered) or tuple(offered[:1])
