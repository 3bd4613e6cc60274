"""Staff sign-in for the dashboard: OpenID Connect through ``st.login`` when configured, else a password.

Decisions (hash checking, slowing down failures) are in
``partner_directory.auth``; this module only reads the configuration and
keeps the session's state.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import streamlit as st

from partner_directory.auth import Throttle, verify_password
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


def _secret(section: str, key: str | None = None) -> object:
    try:
        value = st.secrets.get(section)
        if key is not None:
            value = value.get(key) if hasattr(value, "get") else None
        return value
    except Exception:  # no secrets.toml at all, or a malformed one: treated as not configured
        return None


def config() -> AuthConfig:
    """Read the sign-in configuration from ``.streamlit/secrets.toml`` and the environment."""
    auth = _secret("auth")
    emails = _secret("staff", "emails") or ()
    password_hash = str(os.environ.get(PASSWORD_HASH_ENV) or _secret("staff", "password_hash") or "")
    return AuthConfig(
        oidc=bool(auth) and hasattr(st, "login"),
        password_hash=password_hash.strip(),
        staff_emails=tuple(str(e).strip().lower() for e in emails if str(e).strip()),  # type: ignore[union-attr]
    )


@st.cache_resource
def _throttle() -> Throttle:
    # One per server process, shared by every session: a new tab does not reset it.
    return Throttle(base_delay=1.0, max_delay=30.0)


def current_staff() -> str | None:
    """The signed-in staff member's name or e-mail, or ``None``."""
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
    name = st.session_state.get(STAFF_USER)
    return str(name) if name and settings.password_hash else None


def try_password(name: str, password: str) -> str:
    """Check a password sign-in; returns ``"ok"``, ``"wait"`` (too many failures) or ``"wrong"``."""
    settings = config()
    throttle = _throttle()
    key = "staff"  # one shared account: slow down every failure, whatever the name
    wait = throttle.wait_seconds(key)
    if wait > 0:
        return "wait"
    if settings.password_hash and verify_password(password, settings.password_hash):
        throttle.succeeded(key)
        st.session_state[STAFF_USER] = name.strip() or "staff"
        return "ok"
    throttle.failed(key)
    time.sleep(0.5)  # every failure costs time, even the first
    return "wrong"


def wait_seconds() -> float:
    """How long the next password attempt must still wait (0 when it may be made now)."""
    return _throttle().wait_seconds("staff")


def sign_out() -> None:
    st.session_state.pop(STAFF_USER, None)
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
