"""The web app: one Sanic application for everything served on :8000.

Owns the app factory :func:`create_app` (blueprints, static files, security headers,
error pages, start-up and shutdown) and :func:`serve` (``python -m bot web``). Today it
serves the consultant inbox (``/inbox``), its JSON API (``/api``) and ``/healthz``; a
later chat widget adds its script under ``bot/web/static/`` and its pages as another
blueprint in ``BLUEPRINTS``. On start it upgrades the tickets schema if needed and
delivers the outbox, then retries the outbox periodically.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from sanic import Sanic
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings, load_settings
from bot.tickets.migrate import ensure_schema
from bot.web import api, auth, health, inbox, widget
from bot.web.auth import api_error
from bot.web.outbox_worker import retry_outbox_forever
from bot.web.security import add_security_headers
from bot.web.state import WebState, state_of
from bot.web.templating import render

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
BLUEPRINTS = (health.blueprint, auth.blueprint, inbox.blueprint, api.blueprint, widget.blueprint)


def create_app(settings: Settings | None = None, name: str = "pharmabot") -> Sanic:
    """A configured app; nothing touches the database until it starts serving."""
    settings = settings or load_settings()
    app = Sanic(name)
    app.config.FORWARDED_SECRET = None
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.ctx.state = WebState.build(settings)
    app.ctx.outbox_task = None

    app.static("/static", str(STATIC_DIR), name="static")
    for blueprint in BLUEPRINTS:
        app.blueprint(blueprint)
    app.register_middleware(add_security_headers, "response")
    app.error_handler.add(SQLAlchemyError, _database_error)
    app.error_handler.add(NotFound, _not_found)
    app.register_listener(_start, "before_server_start")
    app.register_listener(_start_outbox_retries, "after_server_start")
    app.register_listener(_stop, "before_server_stop")
    return app


def serve(settings: Settings | None = None, host: str | None = None, port: int | None = None) -> None:
    """Run the web app in the foreground until interrupted."""
    settings = settings or load_settings()
    app = create_app(settings)
    for name in ("sanic.root", "sanic.access", "sanic.error"):
        logging.getLogger(name).propagate = False  # Sanic prints these itself
    app.run(
        host=host or settings.inbox_host,
        port=port if port is not None else settings.inbox_port,
        access_log=True,
        motd=False,
        workers=1,
    )


async def _start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    state: WebState = app.ctx.state
    try:
        await asyncio.to_thread(ensure_schema, state.settings.database_url)
    except Exception as exc:
        logger.error("tickets database not ready at start (%s); will retry on use", exc)


async def _start_outbox_retries(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    state: WebState = app.ctx.state
    app.ctx.outbox_task = loop.create_task(
        retry_outbox_forever(state.filing, state.settings.outbox_retry_seconds)
    )


async def _stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    task = app.ctx.outbox_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _database_error(request: Request, exception: Exception) -> HTTPResponse:
    logger.error("database error on %s %s: %s", request.method, request.path, exception)
    message = "The tickets database cannot be reached right now. Please try again shortly."
    if request.path.startswith("/api/"):
        return api_error(503, "database_unavailable", message)
    return render(
        state_of(request).templates,
        "error.html",
        status=503,
        title="Database unavailable",
        message=message,
        session=None,
    )


def _not_found(request: Request, exception: Exception) -> HTTPResponse:
    if request.path.startswith("/api/"):
        return api_error(404, "not_found", "no such route")
    return render(
        state_of(request).templates,
        "error.html",
        status=404,
        title="Not found",
        message="There is no page at this address.",
        session=None,
    )
