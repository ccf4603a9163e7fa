"""HTML rendering of the web app: Jinja2 with autoescaping on for every template.

Owns the template environment (templates in ``bot/web/templates``, strict undefined
variables, every ``{{ value }}`` HTML-escaped) and :func:`render`, which every HTML
handler uses so that all pages get the same headers.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sanic.response import HTTPResponse, html

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
    return environment


def render(environment: Environment, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    body = environment.get_template(template).render(**context)
    return html(body, status=status)


def format_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M UTC")
