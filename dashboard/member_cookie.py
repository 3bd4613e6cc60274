"""The members' sign-in cookie: the HTTP route that sets and clears it, and the page's part that asks for it.

Streamlit answers a page over a websocket, which cannot set a cookie, and
``st.context.cookies`` only reads them. So the app is served as an ``st.App``
(``asgi.py``, Streamlit's public API for extra routes) with one route of its
own, ``/_bra/member-session``: the page posts the one-minute ticket it was given
at the sign-in (never in the address), and the answer sets the signed
``HttpOnly`` cookie (``partner_directory.access.member_session``). ``DELETE``
clears it at the sign-out. A server started as ``streamlit run app.py`` has no
such route: the sign-in then lasts as long as the tab, as before.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from partner_directory.access.member_session import COOKIE, SESSION, SESSION_SECONDS, TICKET, issue, valid

ROUTE = "/_bra/member-session"
TICKET_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]*")
PENDING = "_member_cookie_pending"  # "set" with a ticket, or "clear": what the page asks the browser to do


def _secure(request: Request) -> bool:
    # Behind nginx the connection to the app is plain HTTP; the browser's is what counts.
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


async def member_session(request: Request, signing_key: Callable[[], bytes]) -> Response:
    """``POST`` a ticket: set the member's cookie; ``DELETE``: clear it. Anything else is refused without a reason."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return Response(status_code=403)
    if request.method == "DELETE":
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
        return response
    key = signing_key()
    ticket = (await request.body())[:600].decode("ascii", "replace").strip()
    now = time.time()
    if not valid(ticket, key, purpose=TICKET, now=now):
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE,
        issue(key, purpose=SESSION, now=now, lifetime=SESSION_SECONDS),
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


def routes(signing_key: Callable[[], bytes]) -> list[Route]:
    """The app's own routes, for ``st.App``; ``signing_key`` is ``dashboard.signin.member_signing_key``.

    (Passed in, not imported: the sign-in imports this module to ask the browser for the cookie.)
    """

    async def endpoint(request: Request) -> Response:
        return await member_session(request, signing_key)

    return [Route(ROUTE, endpoint, methods=["POST", "DELETE"])]


def ask_browser() -> None:
    """Hand the browser what the last sign-in or sign-out asked for: post the ticket, or clear the cookie.

    A script in the page, with the ticket written as a JSON string (the
    ticket is only ``A-Za-z0-9-_.``); a failed request changes nothing but the
    cookie's absence: the member stays signed in for this tab.
    """
    pending = st.session_state.pop(PENDING, None)
    if not pending:
        return
    method, body = ("DELETE", "") if pending == "clear" else ("POST", str(pending))
    if not TICKET_CHARACTERS.fullmatch(body):  # only what issue() writes goes into the page's script
        return
    script = (
        "<script>fetch(new URL(" + json.dumps(ROUTE) + ", window.location.origin), "
        "{method: " + json.dumps(method) + ", body: " + json.dumps(body) + " || undefined, "
        "credentials: 'same-origin', headers: {'Content-Type': 'text/plain'}}).catch(() => {});</script>"
    )
    st.html(script, unsafe_allow_javascript=True, width="content")
