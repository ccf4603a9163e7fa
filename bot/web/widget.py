"""The patient-facing pages: demo articles that embed the chat widget.

Owns ``/`` (redirects to the first demo article), ``/articles/<slug>`` (a placeholder
article about one drug that embeds ``/static/widget/widget.js`` with ``data-drug``), the
widget's one setting ``WIDGET_RASA_URL`` and the Content-Security-Policy of these pages:
the app's policy with the Rasa server's origin (``http(s)://`` and ``ws(s)://``) added to
``connect-src``, on these pages only. The widget itself is built from ``widget/`` into
``bot/web/static/widget/`` (``npm ci && npm run build``); see ``docs/widget.md``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.settings import SettingsError
from bot.web.security import CONTENT_SECURITY_POLICY
from bot.web.state import state_of
from bot.web.templating import TEMPLATES_DIR, render

blueprint = Blueprint("widget")

WIDGET_DIR = TEMPLATES_DIR.parent / "static" / "widget"
DEFAULT_RASA_PORT = 5005
_HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^[0-9A-Fa-f:.]{2,45}$")


@dataclass(frozen=True)
class Article:
    slug: str
    drug: str  # the monograph id the widget sends as metadata
    drug_name: str


# Demo pages only: the text is placeholder that defers to the chat and the label.
ARTICLES = {
    article.slug: article
    for article in (
        Article("ocrelizumab-side-effects", "ocrelizumab", "ocrelizumab"),
        Article("elacestrant-side-effects", "elacestrant", "elacestrant"),
        Article("capmatinib-side-effects", "capmatinib", "capmatinib"),
    )
}
HOME_ARTICLE = "ocrelizumab-side-effects"


@dataclass(frozen=True)
class WidgetSettings:
    """Where the widget finds Rasa: ``WIDGET_RASA_URL``, else this page's host on ``RASA_PORT``."""

    rasa_url: str | None = None
    rasa_port: int = DEFAULT_RASA_PORT

    def rasa_url_for(self, request: Request) -> str:
        if self.rasa_url:
            return self.rasa_url
        try:
            hostname = urlsplit(f"//{request.host}").hostname or "localhost"
        except ValueError:  # e.g. "[::1" in the Host header
            hostname = "localhost"
        if not _HOSTNAME.match(hostname):
            hostname = "localhost"
        if ":" in hostname:
            hostname = f"[{hostname}]"
        scheme = "https" if request.scheme == "https" else "http"
        return f"{scheme}://{hostname}:{self.rasa_port}"


def load_widget_settings(environ: Mapping[str, str] | None = None) -> WidgetSettings:
    env = os.environ if environ is None else environ
    raw_url = (env.get("WIDGET_RASA_URL") or "").strip()
    url: str | None = None
    if raw_url:
        parts = urlsplit(raw_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise SettingsError(
                f"WIDGET_RASA_URL must be an http:// or https:// URL such as http://localhost:5005, "
                f"not {raw_url!r}"
            )
        url = raw_url.rstrip("/")
    raw_port = (env.get("RASA_PORT") or "").strip() or str(DEFAULT_RASA_PORT)
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise SettingsError(f"RASA_PORT must be a port number, not {raw_port!r}")
    return WidgetSettings(rasa_url=url, rasa_port=int(raw_port))


def content_security_policy(rasa_url: str) -> str:
    """The app's policy, allowing connections to the Rasa server (socket.io: HTTP and WebSocket)."""
    parts = urlsplit(rasa_url)
    websocket = "wss" if parts.scheme == "https" else "ws"
    sources = f"connect-src 'self' {parts.scheme}://{parts.netloc} {websocket}://{parts.netloc}"
    policy = CONTENT_SECURITY_POLICY.replace("connect-src 'self'", sources, 1)
    if policy == CONTENT_SECURITY_POLICY:
        raise RuntimeError("bot.web.security.CONTENT_SECURITY_POLICY has no \"connect-src 'self'\"")
    return policy


def retention_text(period: str) -> str:
    """``90d`` as the privacy note says it: "90 days"."""
    from bot.retention import parse_period

    delta = parse_period(period)
    if delta.days and not delta.seconds:
        return f"{delta.days} day{'s' if delta.days != 1 else ''}"
    hours = int(delta.total_seconds() // 3600)
    return (
        f"{hours} hour{'s' if hours != 1 else ''}" if hours else f"{int(delta.total_seconds() // 60)} minutes"
    )


def widget_version() -> str | None:
    """A cache-busting token for the built script, or None when it is not built."""
    try:
        stat = (WIDGET_DIR / "widget.js").stat()
    except OSError:
        return None
    return f"{int(stat.st_mtime)}-{stat.st_size}"


@blueprint.get("/")
async def home(request: Request) -> HTTPResponse:
    return redirect(f"/articles/{HOME_ARTICLE}", status=302)


@blueprint.get("/articles/<slug>")
async def article(request: Request, slug: str) -> HTTPResponse:
    page = ARTICLES.get(slug)
    if page is None:
        raise NotFound("no such article")
    rasa_url = load_widget_settings().rasa_url_for(request)
    response = render(
        state_of(request).templates,
        "widget/article.html",
        article=page,
        articles=list(ARTICLES.values()),
        rasa_url=rasa_url,
        retention=retention_text(state_of(request).settings.retention),
        widget_version=widget_version(),
    )
    response.headers["Content-Security-Policy"] = content_security_policy(rasa_url)
    return response
