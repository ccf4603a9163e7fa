"""Consultant authentication for the inbox pages and the JSON API.

Owns the login and logout pages (``/inbox/login``, ``/inbox/logout``) and the two
guards handlers use:

- :func:`login_required` for HTML pages: a valid session cookie, and on POST a form
  field ``csrf_token`` equal to the session's CSRF token (else 403);
- :func:`api_auth_required` for ``/api/``: either ``Authorization: Bearer <token>``
  (a token from ``POST /api/login``; no CSRF token needed, browsers never add this
  header on their own), or the inbox session cookie plus, on POST, an
  ``X-CSRF-Token`` header. Anything else gets 401.

The login form itself is protected by a double-submit CSRF token (a random value in a
SameSite=Strict cookie and in the form). Repeated failed logins are throttled.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any
from urllib.parse import quote

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from bot.settings import Settings
from bot.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from bot.web.sessions import LoginSession, same_token
from bot.web.state import run_blocking, state_of
from bot.web.templating import render

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]

blueprint = Blueprint("auth", url_prefix="/inbox")

LOGIN_CSRF_MAX_AGE = 3600


async def current_session(request: Request) -> LoginSession | None:
    """The session of the request's cookie, or None."""
    if hasattr(request.ctx, "session"):
        session: LoginSession | None = request.ctx.session
        return session
    token = request.cookies.get(SESSION_COOKIE)
    state = state_of(request)
    found = await run_blocking(request, state.sessions.find, token) if token else None
    request.ctx.session = found
    return found


def login_required(handler: Handler) -> Handler:
    """Guard an HTML handler: redirect to the login page, and check CSRF on POST."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        session = await current_session(request)
        if session is None:
            return redirect(f"/inbox/login?next={quote(request.path)}")
        if request.method == "POST" and not same_token(request.form.get("csrf_token"), session.csrf_token):
            return render(
                state_of(request).templates,
                "error.html",
                status=403,
                title="Form expired",
                message="This form has expired or did not come from the inbox. "
                "Go back, reload the page and try again.",
                session=session,
            )
        return await handler(request, *args, **kwargs)

    return guarded


def api_auth_required(handler: Handler) -> Handler:
    """Guard a JSON API handler (Bearer token, or cookie plus X-CSRF-Token on POST)."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        state = state_of(request)
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
            session = await run_blocking(request, state.sessions.find, token)
            request.ctx.session = session
        else:
            session = await current_session(request)
            if (
                session is not None
                and request.method == "POST"
                and not same_token(request.headers.get("x-csrf-token"), session.csrf_token)
            ):
                return api_error(403, "csrf", "cookie-authenticated POST needs X-CSRF-Token")
        if session is None:
            response = api_error(401, "unauthenticated", "log in: POST /api/login")
            response.headers["WWW-Authenticate"] = 'Bearer realm="inbox"'
            return response
        return await handler(request, *args, **kwargs)

    return guarded


def api_error(status: int, code: str, message: str) -> HTTPResponse:
    return json({"error": {"code": code, "message": message}}, status=status)


def safe_next(target: str | None) -> str:
    """Only redirect after login to a page of the inbox itself."""
    if target and target.startswith("/inbox") and not target.startswith("//"):
        return target
    return "/inbox"


@blueprint.get("/login")
async def login_page(request: Request) -> HTTPResponse:
    if await current_session(request) is not None:
        return redirect(safe_next(request.args.get("next")))
    return _login_form(request, status=200, error=None)


@blueprint.post("/login")
async def login(request: Request) -> HTTPResponse:
    state = state_of(request)
    if not same_token(request.form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form(request, status=403, error="The form expired. Please try again.")
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    attempt = state.throttle.begin(username, login_address(request, state.settings))
    if attempt is None:
        return _login_form(
            request, status=429, error="Too many failed attempts. Wait 15 minutes and try again."
        )
    consultant = await run_blocking(request, state.consultants.authenticate, username, password)
    if consultant is None:
        return _login_form(request, status=401, error="Wrong name or password.")
    state.throttle.succeeded(attempt)
    old_token = request.cookies.get(SESSION_COOKIE)
    if old_token:
        await run_blocking(request, state.sessions.end, old_token)
    created = await run_blocking(request, state.sessions.create, consultant)
    response = redirect(safe_next(request.form.get("next")), status=303)
    set_cookie(
        response,
        SESSION_COOKIE,
        created.token,
        secure=state.settings.cookie_secure,
        max_age=int(state.settings.session_hours * 3600),
    )
    clear_cookie(response, LOGIN_CSRF_COOKIE, secure=state.settings.cookie_secure, path="/inbox/login")
    return response


@blueprint.post("/logout")
@login_required
async def logout(request: Request) -> HTTPResponse:
    state = state_of(request)
    session = await current_session(request)
    if session is not None:  # every session of the account ends, on every device
        await run_blocking(request, state.sessions.end_all, session.consultant.id)
    await run_blocking(request, state.sessions.end, request.cookies.get(SESSION_COOKIE))
    response = redirect("/inbox/login", status=303)
    clear_cookie(response, SESSION_COOKIE, secure=state.settings.cookie_secure)
    return response


def login_address(request: Request, settings: Settings) -> str:
    """The client's address for the login throttle (behind the proxy: its X-Forwarded-For)."""
    from bot.rate_limit import client_address

    return client_address(request.ip or "-", request.headers.get("x-forwarded-for"), settings.trusted_proxies)


def _login_form(request: Request, *, status: int, error: str | None) -> HTTPResponse:
    state = state_of(request)
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    posted = request.method == "POST"
    next_target = request.form.get("next") if posted else request.args.get("next")
    response = render(
        state.templates,
        "login.html",
        status=status,
        title="Consultant login",
        csrf_token=csrf,
        error=error,
        next=safe_next(next_target),
        username=(request.form.get("username") or "") if posted else "",
        session=None,
    )
    set_cookie(
        response,
        LOGIN_CSRF_COOKIE,
        csrf,
        secure=state.settings.cookie_secure,
        max_age=LOGIN_CSRF_MAX_AGE,
        path="/inbox/login",
    )
    return response
