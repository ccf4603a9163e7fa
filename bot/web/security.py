"""HTTP-level protections shared by every page and API route.

Owns the response headers (a Content-Security-Policy that allows scripts, styles and
images from this origin only and no inline script, no framing, no sniffing, no caching
of pages that show patient data) and the session cookie's attributes: HttpOnly,
SameSite=Strict, Path=/, and Secure when ``INBOX_COOKIE_SECURE`` is on (forced on in
production).
"""

from __future__ import annotations

from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

SESSION_COOKIE = "inbox_session"
LOGIN_CSRF_COOKIE = "inbox_login_csrf"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


async def add_security_headers(request: Request, response: BaseHTTPResponse) -> None:
    """Response middleware: the headers every response gets."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")


def set_cookie(
    response: HTTPResponse,
    name: str,
    value: str,
    *,
    secure: bool,
    max_age: int,
    path: str = "/",
) -> None:
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = path
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True


def clear_cookie(response: HTTPResponse, name: str, *, secure: bool, path: str = "/") -> None:
    set_cookie(response, name, "", secure=secure, max_age=0, path=path)
