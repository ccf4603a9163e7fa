"""What the web app's handlers share: settings, stores and templates.

Owns :class:`WebState`, built once by ``create_app`` and kept on ``app.ctx.state``, and
:func:`state_of` to reach it from a request; and :func:`run_blocking`, the one way
handlers call the (synchronous) database code, in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from jinja2 import Environment
from sanic.request import Request

from bot.settings import Settings
from bot.tickets.consultants import ConsultantDirectory
from bot.tickets.db import get_engine
from bot.tickets.filing import FilingService
from bot.tickets.migrate import ensure_schema
from bot.tickets.repository import TicketRepository
from bot.web.sessions import SessionStore
from bot.web.templating import make_environment
from bot.web.throttle import LoginThrottle

T = TypeVar("T")


@dataclass
class WebState:
    settings: Settings
    tickets: TicketRepository
    consultants: ConsultantDirectory
    sessions: SessionStore
    filing: FilingService
    templates: Environment
    throttle: LoginThrottle

    @classmethod
    def build(cls, settings: Settings) -> WebState:
        engine = get_engine(settings.database_url)
        return cls(
            settings=settings,
            tickets=TicketRepository(engine),
            consultants=ConsultantDirectory(engine),
            sessions=SessionStore(engine, timedelta(hours=settings.session_hours)),
            filing=FilingService(settings, notifiers=()),
            templates=make_environment(),
            throttle=LoginThrottle(),
        )


def state_of(request: Request) -> WebState:
    state: WebState = request.app.ctx.state
    return state


async def run_blocking(request: Request, function: Callable[..., T], *args: Any) -> T:
    """Run database code in a worker thread, after making sure the schema is ready."""
    url = state_of(request).settings.database_url

    def call() -> T:
        ensure_schema(url)
        return function(*args)

    return await asyncio.to_thread(call)
