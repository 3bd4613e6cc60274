"""Who may see what: the directory's access mode and the members' sign-in decisions.

Partners share their contact persons for BRA members, not for the public
internet, and names, e-mails and phones are personal data. In the ``members``
mode a visitor who is not signed in gets every other field (partners,
offices, cities, sectors, services, websites) but never the contact fields
nor the visit form; in the ``public`` mode (the demo's default) everyone sees
everything. The decision is :func:`may_see_contacts`; :func:`visible_table`
empties the hidden fields of a table *on the server*, before the table reaches the page, the
map, a download or a shared link, so nothing hidden is ever sent.

Members sign in with OpenID Connect (``st.login``), optionally only from the
e-mail domains the office lists (:func:`email_allowed`), or, for clusters
without an identity provider, with a member access code whose scrypt hash is
in the configuration (checked with :func:`partner_directory.access.passwords.verify_password`
through the same per-client throttle as the staff password).

>>> may_see_contacts("members", Visitor())
False
>>> may_see_contacts("public", Visitor())
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from partner_directory.text import email_key

#: The fields that are personal data of a partner's contact person.
CONTACT_FIELDS: tuple[str, ...] = ("contact_name", "contact_email", "contact_phone")


@dataclass(frozen=True)
class Visitor:
    """Who is looking: signed in as a member (``method`` is ``"oidc"`` or ``"code"``) or not, or staff."""

    member: bool = False
    staff: bool = False
    email: str = ""
    method: str = ""


def may_see_contacts(mode: str, visitor: Visitor) -> bool:
    """Whether ``visitor`` may receive contact persons, e-mails, phones and the visit form in ``mode``.

    An unknown mode is treated as ``members``: a typo must never publish personal data.
    """
    return mode == "public" or visitor.member or visitor.staff


def visible_fields(columns: Iterable[str], *, mode: str, visitor: Visitor) -> list[str]:
    """The columns of ``columns`` that ``visitor`` may receive, in their order.

    >>> visible_fields(["partner_name", "contact_email", "website"], mode="members", visitor=Visitor())
    ['partner_name', 'website']
    """
    allowed = may_see_contacts(mode, visitor)
    return [c for c in columns if allowed or c not in CONTACT_FIELDS]


def visible_table(table: pd.DataFrame, *, mode: str, visitor: Visitor) -> pd.DataFrame:
    """``table`` with every field ``visitor`` may not receive emptied (the same table when nothing is hidden).

    The columns stay, empty, so every page, map and download built from the
    table works unchanged and simply has no contact data to show or send.
    """
    hidden = [c for c in table.columns if c not in visible_fields(table.columns, mode=mode, visitor=visitor)]
    if not hidden:
        return table
    return table.assign(**dict.fromkeys(hidden, ""))


def email_domains(value: str | Iterable[str]) -> tuple[str, ...]:
    """Normalise a list of e-mail domains (``"a.org, @b.org"`` or a list): lower case, no ``@``, no blanks.

    >>> email_domains(" Example.org, @members.example.net ,")
    ('example.org', 'members.example.net')
    """
    items = value.replace(";", ",").split(",") if isinstance(value, str) else [str(v) for v in value]
    return tuple(dict.fromkeys(email_key(d).lstrip("@") for d in items if d.strip().lstrip("@")))


def email_allowed(email: str, domains: Iterable[str]) -> bool:
    """Whether a signed-in address may act as a member: any address when no domains are listed,
    else one whose domain is listed or is a subdomain of one.

    >>> email_allowed("anna@members.example.org", ["example.org"])
    True
    >>> email_allowed("anna@example.org.evil.net", ["example.org"])
    False
    >>> email_allowed("", [])
    False
    """
    address = email_key(email)  # the one rule of which addresses are the same (Unicode case folding)
    if address.count("@") != 1:
        return False
    domain = address.rsplit("@", 1)[1]
    if not domain:
        return False
    listed = email_domains(list(domains))
    return not listed or any(domain == d or domain.endswith("." + d) for d in listed)
