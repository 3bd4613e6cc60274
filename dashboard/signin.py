"""Sign-in for staff and members: who is signed in, the forms, and the one throttle both share.

Staff sign in with OpenID Connect (``st.login``) when ``[auth]`` is configured,
else with the staff password (``[staff] password_hash`` in
``.streamlit/secrets.toml`` or ``PARTNER_DIRECTORY_STAFF_PASSWORD_HASH``).
Members sign in with the same identity provider, limited to
``PARTNER_DIRECTORY_MEMBER_DOMAINS`` when set, or with the member access code
(``[members] code_hash`` or ``PARTNER_DIRECTORY_MEMBER_CODE_HASH``).

Decisions are in ``partner_directory.access``: hashing (``passwords``), the
throttle (``throttle``: its state in the office's database, keyed by the
client's address or agent-API session, and by the account: the password and
the code each have their own budget) and who may see what (``visibility``, used
by ``dashboard.visibility``). This module reads the configuration and keeps
the session's state.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import data, member_cookie, navigation, upload_guard
from dashboard.settings import secret, settings
from dashboard.text import md, say
from partner_directory.access.member_session import COOKIE, SESSION, TICKET, TICKET_SECONDS, issue, signing_key, valid
from partner_directory.access.passwords import verify_password
from partner_directory.access.throttle import Throttle
from partner_directory.access.visibility import Visitor, email_allowed, email_domains
from partner_directory.errors import DatabaseError
from partner_directory.i18n import t
from partner_directory.text import email_key, without_controls

_log = logging.getLogger("partner_directory.signin")

STAFF_USER = "staff_user"
PASSWORD_HASH_ENV = "PARTNER_DIRECTORY_STAFF_PASSWORD_HASH"  # noqa: S105 (a variable name, not a secret)
MEMBER = "member_signed_in"
CODE_HASH_ENV = "PARTNER_DIRECTORY_MEMBER_CODE_HASH"
COOKIE_SECRET_ENV = "PARTNER_DIRECTORY_MEMBER_COOKIE_SECRET"  # noqa: S105 (a variable name, not a secret)
SIGNED_OUT = "_member_signed_out"  # this tab signed out: a cookie the browser still sends is not a sign-in


# -- the one throttle ---------------------------------------------------------------------------------------

#: The two accounts a guesser may aim at; each has its own budget of checks (see ``Throttle``).
STAFF_ACCOUNT = "staff-password"
MEMBER_ACCOUNT = "member-code"


@st.cache_resource(show_spinner=False)
def _throttle(url: str) -> Throttle:
    # One per process and database; its state is in the database, so every process shares the same windows.
    return Throttle(data.register().database, base_delay=1.0, max_delay=30.0, failure_pause=0.5)


def throttle() -> Throttle:
    """The throttle of every password and access-code check, its state in the office's database.

    Shared by every session and every process (a new tab, or another process
    behind nginx, does not reset it): every failure costs half a second, then a
    window of 1, 2, 4 … s per client, and each account gets about one check
    every 2 s whoever asks (see the README). Raises ``DatabaseError`` when the
    database cannot be reached: then nothing is checked.
    """
    return _throttle(settings().database_url)


def client_key() -> str:
    """Who is signing in, for the throttle: the address the connection comes from, or the agent-API session.

    Streamlit's server (uvicorn) takes the address from ``X-Forwarded-For`` only
    when the connection comes from a trusted proxy (by default the same machine),
    so a client cannot choose its own key by sending that header. Connections
    from the same machine (``ip_address`` is ``None`` then) share one key.
    A session driven through the agent API (``POST /_stcore/agent/interact``)
    has no address at all; each is its own client, keyed by its session, which
    only the server's agent registry can mark (see ``navigation.agent_session_id``),
    so one caller's failures never open another's window, and a browser cannot pose as one.
    """
    agent = navigation.agent_session_id()
    if agent is not None:
        return f"agent:{agent}"
    try:
        address = st.context.ip_address
    except Exception:  # no request context (tests, a bare script run)
        address = None
    return f"ip:{address}" if isinstance(address, str) and address else "ip:local"


def client_group(key: str) -> str | None:
    """The throttle's group of a client that costs nothing to make anew: every agent-API session is one.

    Each session keeps its own window, but their failures count together for
    their place in the account's schedule, so opening a new session per guess
    gains no priority over staff who have not failed (see ``Throttle``).
    """
    return "agent" if key.startswith("agent:") else None


def _checked(secret_hash: str, given: str, *, account: str) -> str:
    """``"ok"``, ``"wrong"``, ``"wait"`` or ``"unavailable"`` (the database cannot be reached; nothing checked).

    Every check made is logged with the client and the window it opened, so the
    server's log shows who tried and that no two checks of one client fell in one window.
    """
    key = client_key()
    group = client_group(key)
    try:
        outcome = throttle().attempt(key, lambda: verify_password(given, secret_hash), account=account, group=group)
        if outcome != "wait":
            wait = throttle().wait_seconds(key, account=account, group=group)
            _log.info("Sign-in checked for %s: %s; next check in %.3f s", key, outcome, wait)
    except DatabaseError:
        return "unavailable"
    return outcome


def wait_seconds(account: str) -> float:
    """How long this client's next attempt at ``account`` must still wait (0 when it may be made now)."""
    key = client_key()
    try:
        return throttle().wait_seconds(key, account=account, group=client_group(key))
    except DatabaseError:
        return 0.0


def refusal(outcome: str, account: str, lang: str) -> str:
    """The sentence for a sign-in that did not succeed, with the real wait before the next attempt."""
    if outcome == "unavailable":
        return t("throttle.unavailable", lang)
    seconds = math.ceil(wait_seconds(account))
    if outcome == "wait":  # say how long, not just "a little"
        return t("office.sign_in_wait", lang, seconds=max(seconds, 1))
    wrong = t("staff.sign_in_wrong" if account == STAFF_ACCOUNT else "members.sign_in_wrong", lang)
    return wrong + " " + t("office.sign_in_next", lang, seconds=seconds)


def _oidc_email() -> str:
    try:
        user = st.user
        if user.is_logged_in:
            return email_key(str(user.get("email") or ""))
    except Exception:  # noqa: S110 — a broken provider configuration: nobody is signed in through it
        pass
    return ""


# -- staff --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthConfig:
    """Which staff sign-in methods are configured."""

    oidc: bool
    password_hash: str
    staff_emails: tuple[str, ...]

    @property
    def configured(self) -> bool:
        return self.oidc or bool(self.password_hash)


def config() -> AuthConfig:
    """Read the staff sign-in configuration from ``.streamlit/secrets.toml`` and the environment."""
    auth = secret("auth")
    emails = secret("staff", "emails") or ()
    password_hash = str(os.environ.get(PASSWORD_HASH_ENV) or secret("staff", "password_hash") or "")
    return AuthConfig(
        oidc=bool(auth),
        password_hash=password_hash.strip(),
        staff_emails=tuple(email_key(str(e)) for e in emails if str(e).strip()),
    )


@dataclass(frozen=True)
class SignedIn:
    """The session's sign-in, kept as an object no widget state can be: a browser can only send plain values."""

    name: str


def current_staff() -> str | None:
    """The signed-in staff member's name or e-mail, or ``None``.

    Also tells the server's upload guard whether this session may upload (see ``dashboard.upload_guard``).
    """
    name = _current_staff()
    upload_guard.mark_session(staff=name is not None)
    # Typed by the person or sent by an identity provider: stored in history and the register, so no controls.
    return None if name is None else without_controls(name)


def _current_staff() -> str | None:
    staff = config()
    if staff.oidc:
        try:
            user = st.user
            if user.is_logged_in:
                email = email_key(str(user.get("email") or ""))
                if not staff.staff_emails or email in staff.staff_emails:
                    return email or str(user.get("name") or "staff")
        except Exception:  # noqa: S110 — a broken provider configuration falls back to the password
            pass
    try:
        signed_in = st.session_state.get(STAFF_USER)
    except Exception:  # a forged or stale widget state under this name: not a sign-in
        signed_in = None
    return signed_in.name if isinstance(signed_in, SignedIn) and staff.password_hash else None


def try_password(name: str, password: str) -> str:
    """Check a password sign-in; returns ``"ok"``, ``"wait"``, ``"wrong"`` or ``"unavailable"`` (no database).

    At most one password check per back-off window for each client, and about
    one every 2 s for the account (see :class:`partner_directory.access.throttle.Throttle`):
    guesses sent together from one client, to one process or several, are not
    all checked, and a flood from elsewhere does not lock staff out.
    """
    password_hash = config().password_hash
    if not password_hash:
        return "wrong"
    outcome = _checked(password_hash, password, account=STAFF_ACCOUNT)
    if outcome == "ok":
        st.session_state[STAFF_USER] = SignedIn(name.strip() or "staff")
    return outcome


def sign_out() -> None:
    """Sign the staff member out (the identity provider too, when signed in through it)."""
    st.session_state.pop(STAFF_USER, None)
    upload_guard.mark_session(staff=False)
    if config().oidc:
        try:
            if st.user.is_logged_in:
                st.logout()
        except Exception:  # noqa: S110
            pass


def sign_in_form(lang: str) -> None:
    """The staff sign-in form: OpenID Connect (``st.login``) when configured, else the staff password.

    Shown at the office's own address (``/staff``) to whoever is not signed in;
    a successful password sign-in reruns the same address, which then shows the
    data page.
    """
    st.title(t("staff.sign_in_title", lang), anchor=False)
    staff = config()
    if not staff.configured:
        st.warning(t("staff.not_configured", lang))
        st.code(t("staff.configure_howto", lang), language="toml")
        return
    if staff.oidc:
        st.button(t("staff.sign_in_oidc", lang), on_click=st.login, type="primary", key="oidc")
    if staff.password_hash:
        with st.form("sign-in"):
            name = st.text_input(t("staff.your_name", lang), key="staff_name")
            password = st.text_input(t("staff.password", lang), type="password", key="staff_password")
            submitted = st.form_submit_button(t("staff.sign_in", lang), type="primary")
        if submitted:
            outcome = try_password(name, password)
            if outcome == "ok":
                st.rerun()
            st.error(refusal(outcome, STAFF_ACCOUNT, lang))


# -- members ------------------------------------------------------------------------------------------------


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


def member_config() -> MemberConfig:
    """Read the access mode and the members' sign-in configuration."""
    app = settings()
    members = secret("members")
    section = members if hasattr(members, "get") else {}
    code_hash = os.environ.get(CODE_HASH_ENV) or section.get("code_hash") or ""
    domains = email_domains(app.member_domains) or email_domains(section.get("domains") or ())
    # Staff sign in through the same identity provider, and with no ``[staff] emails`` list every
    # signed-in person counts as staff: members are offered st.login only once the staff are listed.
    return MemberConfig(
        mode=app.access,
        oidc=bool(secret("auth")) and bool(config().staff_emails),
        code_hash=str(code_hash).strip(),
        domains=domains,
    )


def current_visitor() -> Visitor:
    """Who is looking: staff, a member (by identity provider or access code) or an anonymous visitor."""
    members = member_config()
    staff = current_staff() is not None
    email = _oidc_email() if members.oidc else ""
    if email and email_allowed(email, members.domains):
        return Visitor(member=True, staff=staff, email=email, method="oidc")
    try:
        signed_in = st.session_state.get(MEMBER)
    except Exception:  # a forged widget state under this name is not a sign-in
        signed_in = None
    if isinstance(signed_in, SignedInMember) and members.code_hash:
        return Visitor(member=True, staff=staff, method="code")
    if members.code_hash and not st.session_state.get(SIGNED_OUT) and _cookie_signed_in():
        return Visitor(member=True, staff=staff, method="code")
    return Visitor(staff=staff)


def member_signing_key() -> bytes:
    """The key of the members' sign-in cookie (see ``partner_directory.access.member_session``); empty without a code."""
    configured = os.environ.get(COOKIE_SECRET_ENV) or secret("members", "cookie_secret") or ""
    return signing_key(code_hash=member_config().code_hash, configured=str(configured))


def _cookie_signed_in() -> bool:
    """Whether the browser sent a valid members' cookie when this session began (a reload, a shared link)."""
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no request context (tests, a bare script run)
        return False
    return bool(token) and valid(token, member_signing_key(), purpose=SESSION, now=time.time())


def try_code(code: str) -> str:
    """Check a member access code; ``"ok"``, ``"wait"``, ``"wrong"`` or ``"unavailable"`` (no database).

    Throttled as the staff password is, by the same throttle: per client and per account (the code's own budget).
    """
    code_hash = member_config().code_hash
    if not code_hash:
        return "wrong"
    outcome = _checked(code_hash, code, account=MEMBER_ACCOUNT)
    if outcome == "ok":
        st.session_state[MEMBER] = SignedInMember()
    return outcome


def member_sign_out() -> None:
    """Sign the member out (the identity provider too, when signed in through it)."""
    st.session_state.pop(MEMBER, None)
    st.session_state[SIGNED_OUT] = True
    st.session_state[member_cookie.PENDING] = "clear"
    if member_config().oidc and _oidc_email():
        with contextlib.suppress(Exception):  # a broken provider: the session's own sign-in is gone anyway
            st.logout()


def _code_sent(prefix: str) -> None:
    # Checked in the button's callback, before the page runs: the whole run then sees the member,
    # and a rerun that starts before the form is reached (a pick, a dialog) cannot lose the click.
    code = str(st.session_state.get(f"{prefix}member_code") or "")
    outcome = try_code(code)
    st.session_state[f"_{prefix}member_code_outcome"] = "signed_in" if outcome == "ok" else outcome
    key = member_signing_key()
    if outcome == "ok" and key:  # the page asks the browser for the cookie that keeps the member signed in
        st.session_state.pop(SIGNED_OUT, None)
        st.session_state[member_cookie.PENDING] = issue(key, purpose=TICKET, now=time.time(), lifetime=TICKET_SECONDS)


def rerun_after_sign_in(prefix: str) -> None:
    """Run the whole page again when the member has just signed in with the form ``prefix`` (the card's: ``card_``).

    A form in a dialog reruns only the dialog, which still holds the page's
    data as a visitor received it (no contacts): the page must run again.
    """
    if st.session_state.get(f"_{prefix}member_code_outcome") == "signed_in":
        st.session_state.pop(f"_{prefix}member_code_outcome")
        st.rerun()


def member_box(lang: str) -> None:
    """In the ``members`` mode: the sign-in box for a visitor, or who is signed in and a sign-out button.

    Nothing at all in the ``public`` mode.
    """
    members = member_config()
    if members.mode == "public":
        return
    member_cookie.ask_browser()
    visitor = current_visitor()
    box = st.sidebar.container(border=True)
    if visitor.member:
        box.caption(
            t("members.signed_in", lang)
            if not visitor.email
            else say("members.signed_in_as", lang, email=visitor.email)
        )
        box.button(t("members.sign_out", lang), on_click=member_sign_out, key="member_sign_out")
        return
    if visitor.staff:
        box.caption(t("members.staff_sees", lang))
        return
    box.markdown(f"**{md(t('members.title', lang))}**")
    box.caption(t("members.why", lang))
    member_sign_in(box, lang)


def member_sign_in(box: Any, lang: str, *, prefix: str = "") -> None:
    """The members' sign-in itself (identity provider, access code) in ``box``: the sidebar, or the card where the member is.

    ``prefix`` keeps the widget keys of a second copy apart (the card's is
    ``card_``): the sidebar's form is drawn in the same run.
    """
    members = member_config()
    email = _oidc_email() if members.oidc else ""
    if email:  # signed in with the provider, but not from a member's domain
        box.warning(say("members.domain_refused", lang, email=email))
    if members.oidc:
        box.button(t("members.sign_in_oidc", lang), on_click=st.login, key=f"{prefix}member_oidc", type="primary")
    if members.code_hash:
        with box.form(f"{prefix}member-sign-in"):
            st.text_input(t("members.code", lang), type="password", key=f"{prefix}member_code")
            st.form_submit_button(
                t("members.sign_in", lang), key=f"{prefix}member_sign_in", on_click=_code_sent, args=(prefix,)
            )
        outcome = str(st.session_state.pop(f"_{prefix}member_code_outcome", None) or "ok")
        if outcome not in ("ok", "signed_in"):
            box.error(refusal(outcome, MEMBER_ACCOUNT, lang))
    if not members.oidc and not members.code_hash:
        box.info(t("members.not_configured", lang))
