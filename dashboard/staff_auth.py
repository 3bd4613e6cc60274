"""Staff sign-in for the dashboard: OpenID Connect through ``st.login`` when configured, else a password.

Decisions (hash checking, slowing down failures) are in
``partner_directory.access.passwords``; this module only reads the configuration and
keeps the session's state.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import server_guard
from partner_directory.access.passwords import Throttle, verify_password
from partner_directory.i18n import t

STAFF_USER = "staff_user"
PASSWORD_HASH_ENV = "PARTNER_DIRECTORY_STAFF_PASSWORD_HASH"  # noqa: S105 (a variable name, not a secret)


@dataclass(frozen=True)
class AuthConfig:
    """Which sign-in methods are configured."""

    oidc: bool
    password_hash: str
    staff_emails: tuple[str, ...]

    @property
    def configured(self) -> bool:
        return self.oidc or bool(self.password_hash)


SECRETS_LOOK_EVERY_SECONDS = 2.0
_secrets_seen: list[Any] = [-SECRETS_LOOK_EVERY_SECONDS, False]  # when last looked, whether a file was there


def _secrets_file_exists() -> bool:
    """Whether a secrets file exists, looked up at most every two seconds (a run asks a dozen times)."""
    now = time.monotonic()
    if now - _secrets_seen[0] >= SECRETS_LOOK_EVERY_SECONDS:
        _secrets_seen[:] = [now, any(os.path.exists(path) for path in st.get_option("secrets.files"))]
    return bool(_secrets_seen[1])


def secret(section: str, key: str | None = None) -> object:
    """``st.secrets[section][key]`` (or the whole section), or ``None`` when it is not configured.

    With no secrets file at all, ``st.secrets`` searches for one and raises at
    every call -- several calls a run, 8 % of a loaded server's time -- so a
    missing file is seen with a ``stat`` instead. Secrets given in memory
    (AppTest's ``at.secrets``) are read as they are.
    """
    secrets = st.secrets
    if getattr(secrets, "_secrets", None) is None and not _secrets_file_exists():
        return None
    try:
        value = secrets.get(section)
        if key is not None:
            value = value.get(key) if hasattr(value, "get") else None
        return value
    except Exception:  # a malformed secrets.toml: treated as not configured
        return None


def config() -> AuthConfig:
    """Read the sign-in configuration from ``.streamlit/secrets.toml`` and the environment."""
    auth = secret("auth")
    emails = secret("staff", "emails") or ()
    password_hash = str(os.environ.get(PASSWORD_HASH_ENV) or secret("staff", "password_hash") or "")
    return AuthConfig(
        oidc=bool(auth) and hasattr(st, "login"),
        password_hash=password_hash.strip(),
        staff_emails=tuple(str(e).strip().lower() for e in emails if str(e).strip()),  # type: ignore[union-attr]
    )


@dataclass(frozen=True)
class SignedIn:
    """The session's sign-in, kept as an object no widget state can be: a browser can only send plain values."""

    name: str


@st.cache_resource
def _throttle() -> Throttle:
    # One per server process, shared by every session: a new tab does not reset it.
    # Every failure costs half a second, then a window of 1, 2, 4 … s (see the README).
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


def current_staff() -> str | None:
    """The signed-in staff member's name or e-mail, or ``None``.

    Also tells the server's upload guard whether this session may upload (see ``server_guard``).
    """
    name = _current_staff()
    server_guard.mark_session(staff=name is not None)
    return name


def _current_staff() -> str | None:
    settings = config()
    if settings.oidc:
        try:
            user = st.user
            if user.is_logged_in:
                email = str(user.get("email") or "").lower()
                if not settings.staff_emails or email in settings.staff_emails:
                    return email or str(user.get("name") or "staff")
        except Exception:  # noqa: S110 — a broken provider configuration falls back to the password
            pass
    try:
        signed_in = st.session_state.get(STAFF_USER)
    except Exception:  # a forged or stale widget state under this name: not a sign-in
        signed_in = None
    return signed_in.name if isinstance(signed_in, SignedIn) and settings.password_hash else None


def try_password(name: str, password: str) -> str:
    """Check a password sign-in; returns ``"ok"``, ``"wait"`` (in the back-off window) or ``"wrong"``.

    At most one password check per back-off window for each client (see
    :class:`partner_directory.access.passwords.Throttle`): guesses sent together from one
    client are not all checked, and a flood from elsewhere does not lock staff out.
    """
    settings = config()
    if not settings.password_hash:
        return "wrong"
    outcome = _throttle().attempt(client_key(), lambda: verify_password(password, settings.password_hash))
    if outcome == "ok":
        st.session_state[STAFF_USER] = SignedIn(name.strip() or "staff")
    return outcome


def wait_seconds() -> float:
    """How long the next password attempt must still wait (0 when it may be made now)."""
    return _throttle().wait_seconds("staff")


def sign_out() -> None:
    st.session_state.pop(STAFF_USER, None)
    server_guard.mark_session(staff=False)
    if config().oidc:
        try:
            if st.user.is_logged_in:
                st.logout()
        except Exception:  # noqa: S110
            pass


def sign_in_form(lang: str) -> None:
    """The sign-in form: OpenID Connect (``st.login``) when configured, else the staff password.

    Shown at the office's own address (``/staff``) to whoever is not signed in;
    a successful password sign-in reruns the same address, which then shows the
    data page.
    """
    st.title(t("staff.sign_in_title", lang), anchor=False)
    settings = config()
    if not settings.configured:
        st.warning(t("staff.not_configured", lang))
        st.code(t("staff.configure_howto", lang), language="toml")
        return
    if settings.oidc:
        st.button(t("staff.sign_in_oidc", lang), on_click=st.login, type="primary", key="oidc")
    if settings.password_hash:
        with st.form("sign-in"):
            name = st.text_input(t("staff.your_name", lang), key="staff_name")
            password = st.text_input(t("staff.password", lang), type="password", key="staff_password")
            submitted = st.form_submit_button(t("staff.sign_in", lang), type="primary")
        if submitted:
            outcome = try_password(name, password)
            if outcome == "ok":
                st.rerun()
            seconds = math.ceil(wait_seconds())
            if outcome == "wait":  # say how long, not just "a little"
                st.error(t("office.sign_in_wait", lang, seconds=max(seconds, 1)))
            else:
                st.error(t("staff.sign_in_wrong", lang) + " " + t("office.sign_in_next", lang, seconds=seconds))
