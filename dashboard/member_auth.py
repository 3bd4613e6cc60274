"""Members' sign-in for the dashboard: who is looking, and the sign-in box of the ``members`` mode.

Decisions are in ``partner_directory.access.visibility`` (who may see what, e-mail
domains) and ``partner_directory.access.passwords`` (the code's hash and the throttle);
this module reads the configuration and keeps the session's state. Members
sign in with OpenID Connect (``st.login``, the ``[auth]`` section staff use
too), limited to ``PARTNER_DIRECTORY_MEMBER_DOMAINS`` when set, or with the
member access code whose hash is ``[members] code_hash`` in
``.streamlit/secrets.toml`` or ``PARTNER_DIRECTORY_MEMBER_CODE_HASH``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from dataclasses import dataclass

import streamlit as st

from dashboard import staff_auth, ui
from partner_directory.access.passwords import Throttle, verify_password
from partner_directory.access.visibility import Visitor, email_allowed, email_domains, may_see_contacts, visible_table
from partner_directory.i18n import t
from partner_directory.publication.published import Directory
from partner_directory.search.index import SearchIndex

MEMBER = "member_signed_in"
CODE_HASH_ENV = "PARTNER_DIRECTORY_MEMBER_CODE_HASH"


@dataclass(frozen=True)
class MemberConfig:
    """The access mode and the members' sign-in methods."""

    mode: str
    oidc: bool
    code_hash: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class SignedInMember:
    """A member signed in with the access code: an object, which no widget state sent by a browser can be."""

    method: str = "code"


def config() -> MemberConfig:
    settings = ui.settings()
    members = staff_auth.secret("members")
    code_hash = os.environ.get(CODE_HASH_ENV) or (members.get("code_hash") if hasattr(members, "get") else "") or ""
    secret_domains = members.get("domains") if hasattr(members, "get") else None
    domains = email_domains(settings.member_domains) or email_domains(secret_domains or ())
    # Staff sign in through the same identity provider, and with no ``[staff] emails`` list every
    # signed-in person counts as staff: members are offered st.login only once the staff are listed.
    return MemberConfig(
        mode=settings.access,
        oidc=bool(staff_auth.secret("auth")) and hasattr(st, "login") and bool(staff_auth.config().staff_emails),
        code_hash=str(code_hash).strip(),
        domains=domains,
    )


def _oidc_email() -> str:
    try:
        user = st.user
        if user.is_logged_in:
            return str(user.get("email") or "").strip().lower()
    except Exception:  # noqa: S110 — a broken provider configuration: nobody is signed in through it
        pass
    return ""


def current_visitor() -> Visitor:
    """Who is looking: staff, a member (by identity provider or access code) or an anonymous visitor."""
    settings = config()
    staff = staff_auth.current_staff() is not None
    email = _oidc_email() if settings.oidc else ""
    if email and email_allowed(email, settings.domains):
        return Visitor(member=True, staff=staff, email=email, method="oidc")
    try:
        signed_in = st.session_state.get(MEMBER)
    except Exception:  # a forged widget state under this name is not a sign-in
        signed_in = None
    if isinstance(signed_in, SignedInMember) and settings.code_hash:
        return Visitor(member=True, staff=staff, method="code")
    return Visitor(staff=staff)


def sees_contacts() -> bool:
    """Whether this session may receive contact persons, e-mails, phones and the visit form."""
    return may_see_contacts(config().mode, current_visitor())


def sees_only_public() -> bool:
    """Whether this session receives no more than a visitor who is not signed in: its data may go into public files."""
    return may_see_contacts(config().mode, Visitor()) or not sees_contacts()


# -- what this session receives: every page takes the directory and its search index from here -------------


def directory() -> Directory:
    """The published directory as this session may receive it: without contact data unless it may see it."""
    found = ui.directory()
    return found if sees_contacts() else _hidden_directory(found.version, found)


def search_index() -> SearchIndex:
    """The search index this session searches: one built without contact data unless it may see it,
    so a search for a contact person's name finds nothing (no oracle for hidden data)."""
    if sees_contacts():
        return ui.search_index()
    found = ui.directory()
    return _hidden_index(found.version, _hidden_directory(found.version, found))


@st.cache_resource(max_entries=4, show_spinner=False)
def _hidden_directory(version: str, _found: Directory) -> Directory:
    # Keyed by the published version, shared by every visitor who is not signed in.
    hidden = visible_table(_found.table, mode="members", visitor=Visitor())
    return dataclasses.replace(_found, table=hidden)


@st.cache_resource(max_entries=4, show_spinner=False)
def _hidden_index(version: str, _found: Directory) -> SearchIndex:
    from partner_directory.geo.gazetteer.queries import default_gazetteer

    return SearchIndex.build(_found.table, resolve_place=default_gazetteer().find_place)


@st.cache_resource
def _throttle() -> Throttle:
    # One per server process, shared by every session, apart from the staff password's.
    return Throttle(base_delay=1.0, max_delay=30.0)


def try_code(code: str) -> str:
    """Check a member access code; ``"ok"``, ``"wait"`` (in the back-off window) or ``"wrong"``.

    Throttled like the staff password: per client, at most one check per back-off window.
    """
    code_hash = config().code_hash
    if not code_hash:
        return "wrong"
    throttle = _throttle()
    key = staff_auth.client_key() if hasattr(staff_auth, "client_key") else "members"
    if hasattr(throttle, "attempt"):
        outcome = str(throttle.attempt(key, lambda: verify_password(code, code_hash)))
    elif throttle.wait_seconds(key) > 0:
        outcome = "wait"
    elif verify_password(code, code_hash):
        throttle.succeeded(key)
        outcome = "ok"
    else:
        throttle.failed(key)
        outcome = "wrong"
    if outcome == "ok":
        st.session_state[MEMBER] = SignedInMember()
    elif outcome == "wrong":
        time.sleep(0.5)  # every failure costs the guesser time, even the first
    return outcome


def sign_out() -> None:
    st.session_state.pop(MEMBER, None)
    if config().oidc and _oidc_email():
        with contextlib.suppress(Exception):  # a broken provider: the session's own sign-in is gone anyway
            st.logout()


def member_box(lang: str) -> None:
    """In the ``members`` mode: the sign-in box for a visitor, or who is signed in and a sign-out button.

    Nothing at all in the ``public`` mode.
    """
    settings = config()
    if settings.mode == "public":
        return
    visitor = current_visitor()
    box = st.sidebar.container(border=True)
    if visitor.member:
        box.caption(
            t("members.signed_in", lang) if not visitor.email else t("members.signed_in_as", lang, email=visitor.email)
        )
        box.button(t("members.sign_out", lang), on_click=sign_out, key="member_sign_out")
        return
    if visitor.staff:
        box.caption(t("members.staff_sees", lang))
        return
    box.markdown(f"**{ui.md(t('members.title', lang))}**")
    box.caption(t("members.why", lang))
    email = _oidc_email() if settings.oidc else ""
    if email:  # signed in with the provider, but not from a member's domain
        box.warning(t("members.domain_refused", lang, email=email))
    if settings.oidc:
        box.button(t("members.sign_in_oidc", lang), on_click=st.login, key="member_oidc", type="primary")
    if settings.code_hash:
        with box.form("member-sign-in"):
            code = st.text_input(t("members.code", lang), type="password", key="member_code")
            submitted = st.form_submit_button(t("members.sign_in", lang), key="member_sign_in")
        if submitted:
            outcome = try_code(code)
            if outcome == "ok":
                st.rerun()
            box.error(t(f"members.sign_in_{outcome}", lang))
    if not settings.oidc and not settings.code_hash:
        box.info(t("members.not_configured", lang))
