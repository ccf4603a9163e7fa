"""``/healthz``: is the web app up, and can it reach the tickets database?

Owns the health check: 200 ``{"status": "ok", ...}`` when the database answers,
503 ``{"status": "degraded", ...}`` when it does not; both say how many tickets wait
in the outbox. No authentication, no patient data.
"""

from __future__ import annotations

import asyncio

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json
from sqlalchemy import text

from bot.tickets.db import get_engine
from bot.web.state import state_of

blueprint = Blueprint("health")


@blueprint.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    state = state_of(request)

    def check() -> tuple[bool, int]:
        try:
            with get_engine(state.settings.database_url).connect() as connection:
                connection.execute(text("SELECT 1"))
            database = True
        except Exception:
            database = False
        return database, len(state.filing.outbox.pending())

    database, pending = await asyncio.to_thread(check)
    return json(
        {
            "status": "ok" if database else "degraded",
            "database": "ok" if database else "unreachable",
            "outbox_pending": pending,
        },
        status=200 if database else 503,
    )
