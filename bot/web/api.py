"""The authenticated JSON API of the inbox, under ``/api/``.

Authentication (see ``bot.web.auth``): ``POST /api/login`` with JSON
``{"username": ..., "password": ...}`` returns ``{"token": ..., "expires_at": ...}``;
send it as ``Authorization: Bearer <token>`` on every other call; ``POST /api/logout``
ends it. A browser already logged in to the inbox may instead use its session cookie,
with the header ``X-CSRF-Token`` on POST.

Routes (all JSON; errors are ``{"error": {"code", "message"}}`` with 4xx/503):
    GET  /api/tickets?status=new|claimed|resolved&urgent=true|false&drug=NAME
    GET  /api/tickets/<reference>                 with transcript and audit trail
    POST /api/tickets/<reference>/claim           409 already_claimed / already_resolved
    POST /api/tickets/<reference>/notes           {"text": "..."}
    POST /api/tickets/<reference>/resolve         {"note": "..."} (optional)
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyResolvedError,
    DraftError,
    TicketNotFoundError,
)
from bot.tickets.models import STATUSES
from bot.web.auth import api_auth_required, api_error, current_session, login_address
from bot.web.state import run_blocking, state_of

blueprint = Blueprint("api", url_prefix="/api")

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@blueprint.post("/login")
async def login(request: Request) -> HTTPResponse:
    state = state_of(request)
    body = _body(request)
    username = str(body.get("username") or "").strip()
    password = str(body.get("password") or "")
    attempt = state.throttle.begin(username, login_address(request, state.settings))
    if attempt is None:
        return api_error(429, "throttled", "too many failed logins; wait 15 minutes")
    consultant = await run_blocking(request, state.consultants.authenticate, username, password)
    if consultant is None:
        return api_error(401, "bad_credentials", "wrong username or password")
    state.throttle.succeeded(attempt)
    created = await run_blocking(request, state.sessions.create, consultant)
    return json(
        {
            "token": created.token,
            "token_type": "Bearer",
            "expires_at": created.session.expires_at.isoformat(),
            "username": consultant.username,
        }
    )


@blueprint.post("/logout")
@api_auth_required
async def logout(request: Request) -> HTTPResponse:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        store = state_of(request).sessions
        session = await run_blocking(request, store.find, authorization[7:].strip())
        if session is not None:  # every session of the account ends
            await run_blocking(request, store.end_all, session.consultant.id)
    return json({"logged_out": True})


@blueprint.get("/tickets")
@api_auth_required
async def list_tickets(request: Request) -> HTTPResponse:
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        return api_error(400, "bad_filter", f"status must be one of {', '.join(STATUSES)}")
    urgent_arg = (request.args.get("urgent") or "").lower()
    if urgent_arg and urgent_arg not in BOOLEANS:
        return api_error(400, "bad_filter", "urgent must be true or false")
    drug = request.args.get("drug") or None
    tickets = await run_blocking(
        request,
        lambda: state_of(request).tickets.list_tickets(
            status=status, urgent=BOOLEANS.get(urgent_arg), drug=drug, with_events=True
        ),
    )
    return json({"tickets": [ticket.to_dict() for ticket in tickets]})


@blueprint.get("/tickets/<reference>")
@api_auth_required
async def get_ticket(request: Request, reference: str) -> HTTPResponse:
    try:
        ticket = await run_blocking(request, state_of(request).tickets.get, reference)
    except TicketNotFoundError as exc:
        return api_error(404, "not_found", str(exc))
    return json(ticket.to_dict())


@blueprint.post("/tickets/<reference>/claim")
@api_auth_required
async def claim(request: Request, reference: str) -> HTTPResponse:
    username = await _username(request)
    try:
        ticket = await run_blocking(request, state_of(request).tickets.claim, reference, username)
    except TicketNotFoundError as exc:
        return api_error(404, "not_found", str(exc))
    except AlreadyClaimedError as exc:
        return api_error(409, "already_claimed", str(exc))
    except AlreadyResolvedError as exc:
        return api_error(409, "already_resolved", str(exc))
    return json(ticket.to_dict())


@blueprint.post("/tickets/<reference>/notes")
@api_auth_required
async def add_note(request: Request, reference: str) -> HTTPResponse:
    username = await _username(request)
    text = str(_body(request).get("text") or "")
    try:
        ticket = await run_blocking(request, state_of(request).tickets.add_note, reference, username, text)
    except TicketNotFoundError as exc:
        return api_error(404, "not_found", str(exc))
    except DraftError as exc:
        return api_error(400, "bad_note", str(exc))
    return json(ticket.to_dict(), status=201)


@blueprint.post("/tickets/<reference>/resolve")
@api_auth_required
async def resolve(request: Request, reference: str) -> HTTPResponse:
    username = await _username(request)
    note = _body(request).get("note")
    try:
        ticket = await run_blocking(
            request,
            state_of(request).tickets.resolve,
            reference,
            username,
            str(note) if note else None,
        )
    except TicketNotFoundError as exc:
        return api_error(404, "not_found", str(exc))
    except AlreadyResolvedError as exc:
        return api_error(409, "already_resolved", str(exc))
    return json(ticket.to_dict())


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


async def _username(request: Request) -> str:
    session = request.ctx.session if hasattr(request.ctx, "session") else None
    if session is None:
        session = await current_session(request)
    assert session is not None  # guaranteed by api_auth_required
    return str(session.consultant.username)
