"""Sign-in for staff and members: who is signed in, the forms, and the one throttle both share.

Staff sign in with OpenID Connect (``st.login``) when ``[auth]`` is configured,
else with the staff password (``[staff] password_hash`` in
``.streamlit/secrets.toml`` or ``PARTNER_DIRECTORY_STAFF_PASSWORD_HASH``).
Members sign in with the same identity provider, limited to
``PARTNER_DIRECTORY_MEMBER_DOMAINS`` when set, or with the member access code
(``[members] code_hash`` or ``PARTNER_DIRECTORY_MEMBER_CODE_HASH``).

Decisions are in ``partner_directory.access``: hashing (``passwords``), the
throttle (``throttle``: one per process, keyed by the client's address, for
the password and the code alike) and who may see what (``visibility``, used
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

from dashboard import navigation, upload_guard
from dashboard.settings import settings
from dashboard.text import md, say
from partner_directory.access.passwords import verify_password
from partner_directory.access.throttle import Throttle
from partner_directory.access.visibility import Visitor, email_allowed, email_domains
from partner_directory.i18n import t

_log = logging.getLogger("partner_directory.signin")

STAFF_USER = "staff_user"
PASSWORD_HASH_ENV = "PARTNER_DIRECTORY_STAFF_PASSWORD_HASH"  # noqa: S105 (a variable name, not a secret)
MEMBER = "member_signed_in"
CODE_HASH_ENV = "PARTNER_DIRECTORY_MEMBER_CODE_HASH"


# -- the secrets file ---------------------------------------------------------------------------------------

SECRETS_LOOK_EVERY_SECONDS = 2.0
_secrets_seen: list[Any] = [-SECRETS_LOOK_EVERY_SECONDS, False]  # when last looked, whether a file was there


def _secrets_file_exists() -> bool:
    """Whether a secrets file exists, looked up at most every two seconds (a run asks a dozen times)."""
    now = time.monotonic()
    if now - _secrets_seen[0] >= SECRETS_LOOK_EVERY_SECONDS:
        _secrets_seen[:] = [now, any(os.path.exists(path) for path in st.get_option("secrets.files"))]
    return bool(_secrets_seen[1])


def secret(section: str, key: str | None = None) -> Any:
    """``st.secrets[section][key]`` (or the whole section), or ``None`` when it is not configured.

    With no secrets file at all, ``st.secrets`` searches for one and raises at
    every call -- several calls a run, 8 % of a loaded server's time -- so a
    missing file is seen with a ``stat`` instead. Secrets given in memory
    (AppTest's ``at.secrets``) are read as they are.
    """
    if not navigation.secrets_in_memory() and not _secrets_file_exists():
        return None
    try:
        value: Any = st.secrets.get(section)
        if key is not None:
            value = value.get(key) if hasattr(value, "get") else None
        return value
    except Exception:  # a malformed secrets.toml: treated as not configured
        return None


# -- the one throttle ---------------------------------------------------------------------------------------


@st.cache_resource
def throttle() -> Throttle:
    """The throttle of every password and access-code check, one per server process.

    Shared by every session (a new tab does not reset it) and by both sign-ins:
    every failure costs half a second, then a window of 1, 2, 4 … s (see the README).
    """
    return Throttle(base_delay=1.0, max_delay=30.0, failure_pause=0.5)


def client_key() -> str:
    """Who is signing in, for the throttle: the address the connection comes from.

    Streamlit's server (uvicorn) takes the address from ``X-Forwarded-For`` only
    when the connection comes from a trusted proxy (by default the same machine),
    so a client cannot choose its own key by sending that header. Connections
    from the same machine (``ip_address`` is ``None`` then) share one key.
    """
    try:
        address = st.context.ip_address
    except Exception:  # no request context (tests, a bare script run)
        address = None
    return f"ip:{address}" if isinstance(address, str) and address else "ip:local"


def _checked(secret_hash: str, given: str) -> str:
    """``"ok"``, ``"wrong"`` or ``"wait"``: at most one check per back-off window for this client.

    Every check made is logged with the client and the window it opened, so the
    server's log shows who tried and that no two checks of one client fell in one window.
    """
    key = client_key()
    outcome = throttle().attempt(key, lambda: verify_password(given, secret_hash))
    if outcome != "wait":
        _log.info("Sign-in checked for %s: %s; next check in %.3f s", key, outcome, throttle().wait_seconds(key))
    return outcome


def wait_seconds() -> float:
    """How long this client's next password or code attempt must still wait (0 when it may be made now)."""
    return throttle().wait_seconds(client_key())


def _oidc_email() -> str:
    try:
        user = st.user
        if user.is_logged_in:
            return str(user.get("email") or "").strip().lower()
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
        staff_emails=tuple(str(e).strip().lower() for e in emails if str(e).strip()),
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
    return name


def _current_staff() -> str | None:
    staff = config()
    if staff.oidc:
        try:
            user = st.user
            if user.is_logged_in:
                email = str(user.get("email") or "").lower()
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
    """Check a password sign-in; returns ``"ok"``, ``"wait"`` (in the back-off window) or ``"wrong"``.

    At most one password check per back-off window for each client (see
    :class:`partner_directory.access.throttle.Throttle`): guesses sent together from one
    client are not all checked, and a flood from elsewhere does not lock staff out.
    """
    password_hash = config().password_hash
    if not password_hash:
        return "wrong"
    outcome = _checked(password_hash, password)
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
            seconds = math.ceil(wait_seconds())  # this client's own window: the wait it really has
            if outcome == "wait":  # say how long, not just "a little"
                st.error(t("office.sign_in_wait", lang, seconds=max(seconds, 1)))
            else:
                st.error(t("staff.sign_in_wrong", lang) + " " + t("office.sign_in_next", lang, seconds=seconds))


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
    return Visitor(staff=staff)


def try_code(code: str) -> str:
    """Check a member access code; ``"ok"``, ``"wait"`` (in the back-off window) or ``"wrong"``.

    Throttled as the staff password is, by the same throttle: per client, at most one check per back-off window.
    """
    code_hash = member_config().code_hash
    if not code_hash:
        return "wrong"
    outcome = _checked(code_hash, code)
    if outcome == "ok":
        st.session_state[MEMBER] = SignedInMember()
    return outcome


def member_sign_out() -> None:
    """Sign the member out (the identity provider too, when signed in through it)."""
    st.session_state.pop(MEMBER, None)
    if member_config().oidc and _oidc_email():
        with contextlib.suppress(Exception):  # a broken provider: the session's own sign-in is gone anyway
            st.logout()


def member_box(lang: str) -> None:
    """In the ``members`` mode: the sign-in box for a visitor, or who is signed in and a sign-out button.

    Nothing at all in the ``public`` mode.
    """
    members = member_config()
    if members.mode == "public":
        return
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
    email = _oidc_email() if members.oidc else ""
    if email:  # signed in with the provider, but not from a member's domain
        box.warning(say("members.domain_refused", lang, email=email))
    if members.oidc:
        box.button(t("members.sign_in_oidc", lang), on_click=st.login, key="member_oidc", type="primary")
    if members.code_hash:
        with box.form("member-sign-in"):
            code = st.text_input(t("members.code", lang), type="password", key="member_code")
            submitted = st.form_submit_button(t("members.sign_in", lang), key="member_sign_in")
        if submitted:
            outcome = try_code(code)
            if outcome == "ok":
                st.rerun()
            box.error(t(f"members.sign_in_{outcome}", lang))
    if not members.oidc and not members.code_hash:
        box.info(t("members.not_configured", lang))
