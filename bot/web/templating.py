"""HTML rendering of the web app: Jinja2 with autoescaping on for every template.

Owns the template environment (templates in ``bot/web/templates``, strict undefined
variables, every ``{{ value }}`` HTML-escaped) and :func:`render`, which every HTML
handler uses so that all pages get the same headers.

Times are rendered in UTC inside ``<time datetime="...">``; ``/static/inbox.js`` rewrites
them in the browser's time zone (the consultant's own), so without script they still
read right, in UTC.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from sanic.response import HTTPResponse, html

from bot.web.triage import render_markdown

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def make_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = format_time
    environment.filters["time_tag"] = time_tag
    environment.filters["markdown"] = render_markdown
    return environment


def render(environment: Environment, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    body = environment.get_template(template).render(**context)
    return html(body, status=status)


def format_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def time_tag(moment: datetime | None) -> Markup:
    """``<time datetime="ISO">YYYY-MM-DD HH:MM UTC</time>``, for the browser to localise."""
    if moment is None:
        return Markup("-")
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), escape(format_time(moment)))
