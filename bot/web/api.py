"""The authenticated JSON API of the inbox, under ``/api/``.

Authentication (see ``bot.web.auth``): ``POST /api/login`` with JSON
``{"username": ..., "password": ...}`` returns ``{"token": ..., "expires_at": ...}``;
send it as ``Authorization: Bearer <token>`` on every other call; ``POST /api/logout``
ends it. A browser already logged in to the inbox may instead use its session cookie,
with the header ``X-CSRF-Token`` on POST.

Routes (all JSON; errors are ``{"error": {"code", "message"}}`` with 4xx/503):
    GET  /api/tickets?q=TEXT&limit=N&cursor=C&status=S[,S...]&urgent=true|false&drug=NAME
         {"tickets": [...], "total", "next_cursor", "prev_cursor"}: no transcripts, in
         the inbox order (open urgent first, then open, each oldest first; resolved last).
         Without q, limit and cursor: the old answer, every matching ticket with its
         transcript and audit trail, urgent first then newest (kept for old tools).
         Test tickets (senders convtest-..., t-...) only with include_test=1. Each ticket
         says whether it is ``overdue`` (open, not waiting, older than TICKET_OVERDUE_AFTER).
    GET  /api/tickets.csv?...                     the same filters, every match, as CSV
    GET  /api/tickets/summary?since=ID            {"open", "open_urgent", "latest_id",
         "new_since", "new_urgent_since", "newest_reference"} (the live inbox polls it)
    GET  /api/tickets/<reference>                 with transcript, events, history,
                                                  replies and contacts
    POST /api/tickets/<reference>/reply           {"text": "..."}: emailed to the patient
         when they left an address (SMTP settings of the notifications), kept on the
         ticket with how it went (``email_status``: sent, failed, no_email,
         not_configured), and put in the patient's chat when the ticket has one
         (``chat_status``: live, shown in the open chat; waiting, shown when the patient
         comes back; no_chat; failed, with ``chat_detail``; not_configured); 201 with the
         ticket and the ``reply``
    POST /api/tickets/<reference>/contact         {"kind": "call"|"no_answer"|"email",
                                                  "note": "..."}: 201 with the ticket
    POST /api/tickets/<reference>/claim           409 already_claimed / already_resolved
    POST /api/tickets/<reference>/notes           {"text": "..."}
    POST /api/tickets/<reference>/resolve         {"note": "..."} (optional)
    POST /api/tickets/<reference>/unclaim         {"note": "..."} (optional): back to new
    POST /api/tickets/<reference>/reassign        {"to": USERNAME, "note": ...}
    POST /api/tickets/<reference>/waiting         waiting_for_patient
    POST /api/tickets/<reference>/resume          waiting_for_patient -> claimed
    POST /api/tickets/<reference>/reopen          {"status": "claimed" (default) | "new"}

The lifecycle (``bot.tickets.lifecycle``): only the assignee or a lead may unclaim,
reassign, wait, resume or resolve (else 403 ``not_allowed``); resolving (or waiting,
resuming, unclaiming) an unclaimed ticket is 409 ``not_claimed``; any other status that
does not allow the action is 409 (``already_resolved``, ``already_claimed``,
``bad_state``, ``conflict``); an unknown or inactive consultant to reassign to is 400
``unknown_consultant``. Replying and logging a contact follow the same rule (403
``not_allowed``, 409 ``not_claimed`` / ``already_resolved``); an empty or too long reply
is 400 ``bad_reply``, an unknown contact kind 400 ``bad_request``. Every action answers
the ticket as ``GET`` does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.tickets import lifecycle
from bot.tickets.chat_delivery import ChatPusher
from bot.tickets.drafts import utcnow
from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyResolvedError,
    ConsultantError,
    DraftError,
    InvalidCursorError,
    NotAllowedError,
    NotClaimedError,
    TicketChangedError,
    TicketError,
    TicketNotFoundError,
    TicketStateError,
)
from bot.tickets.models import LOGGED_CONTACT_KINDS, STATUSES
from bot.tickets.records import TicketRecord
from bot.tickets.replies import PatientMailer, send_reply
from bot.tickets.repository import MAX_PAGE
from bot.web.auth import api_auth_required, api_error, current_session, login_address
from bot.web.inbox import EXPORT_LIMIT, csv_response
from bot.web.state import run_blocking, state_of
from bot.web.triage import is_overdue

blueprint = Blueprint("api", url_prefix="/api")

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
BOOLEANS_TRUE = {name for name, value in BOOLEANS.items() if value}
DEFAULT_LIMIT = 50
PAGING_ARGS = ("q", "limit", "cursor")


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
    filters = _filters(request)
    if isinstance(filters, HTTPResponse):
        return filters
    tickets = state_of(request).tickets
    after = state_of(request).settings.ticket_overdue_after
    if not any(name in request.get_args(keep_blank_values=True) for name in PAGING_ARGS):
        # The old answer, for tools written before paging: everything, with transcripts.
        legacy = await run_blocking(
            request,
            lambda: tickets.list_tickets(
                statuses=filters["statuses"],
                urgent=filters["urgent"],
                drug=filters["drug"],
                include_test=filters["include_test"],
                with_events=True,
            ),
        )
        return json({"tickets": [_with_overdue(t, t.to_dict(), after) for t in legacy], "next_cursor": None})
    try:
        limit = int(request.args.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_PAGE:
        return api_error(400, "bad_filter", f"limit must be a number from 1 to {MAX_PAGE}")
    try:
        page = await run_blocking(
            request,
            lambda: tickets.page(
                **filters,
                query=request.args.get("q"),
                limit=limit,
                cursor=request.args.get("cursor") or None,
            ),
        )
    except InvalidCursorError as exc:
        return api_error(400, "bad_cursor", str(exc))
    body = page.to_dict()
    body["tickets"] = [_with_overdue(t, d, after) for t, d in zip(page.tickets, body["tickets"], strict=True)]
    return json(body)


@blueprint.get("/tickets.csv")
@api_auth_required
async def export_csv(request: Request) -> HTTPResponse:
    """The filtered list (``q`` and the filters of ``GET /api/tickets``) as CSV."""
    filters = _filters(request)
    if isinstance(filters, HTTPResponse):
        return filters
    tickets = state_of(request).tickets
    found = await run_blocking(
        request, lambda: tickets.export(**filters, query=request.args.get("q"), limit=EXPORT_LIMIT)
    )
    return csv_response(found, state_of(request).settings.ticket_overdue_after.total_seconds())


@blueprint.get("/tickets/summary")
@api_auth_required
async def summary(request: Request) -> HTTPResponse:
    """Counts for a live inbox: open, open urgent, and new since ``since`` (a latest_id)."""
    since_arg = request.args.get("since")
    since: int | None = None
    if since_arg:
        try:
            since = int(since_arg)
        except ValueError:
            return api_error(400, "bad_filter", "since must be a latest_id of an earlier answer")
    include_test = (request.args.get("include_test") or "").lower() in BOOLEANS_TRUE
    tickets = state_of(request).tickets
    found = await run_blocking(request, lambda: tickets.summary(since=since, include_test=include_test))
    return json(found.to_dict())


@blueprint.get("/tickets/<reference>")
@api_auth_required
async def get_ticket(request: Request, reference: str) -> HTTPResponse:
    try:
        ticket = await run_blocking(request, state_of(request).tickets.get, reference)
    except TicketNotFoundError as exc:
        return api_error(404, "not_found", str(exc))
    return json(ticket.to_detail_dict())


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
    return json(ticket.to_detail_dict())


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
    return json(ticket.to_detail_dict(), status=201)


@blueprint.post("/tickets/<reference>/resolve")
@api_auth_required
async def resolve(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.RESOLVE)


@blueprint.post("/tickets/<reference>/unclaim")
@api_auth_required
async def unclaim(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.UNCLAIM)


@blueprint.post("/tickets/<reference>/reassign")
@api_auth_required
async def reassign(request: Request, reference: str) -> HTTPResponse:
    to = _body(request).get("to")
    if not isinstance(to, str) or not to.strip():
        return api_error(400, "bad_request", 'name the new assignee: {"to": USERNAME}')
    return await _transition(request, reference, lifecycle.REASSIGN, to=to.strip())


@blueprint.post("/tickets/<reference>/waiting")
@api_auth_required
async def waiting(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.WAIT)


@blueprint.post("/tickets/<reference>/resume")
@api_auth_required
async def resume(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.RESUME)


@blueprint.post("/tickets/<reference>/reopen")
@api_auth_required
async def reopen(request: Request, reference: str) -> HTTPResponse:
    reopen_to = _body(request).get("status") or "claimed"
    if reopen_to not in lifecycle.REOPEN_TO:
        return api_error(400, "bad_request", 'reopen to {"status": "claimed"} (the default) or "new"')
    return await _transition(request, reference, lifecycle.REOPEN, reopen_to=str(reopen_to))


@blueprint.post("/tickets/<reference>/reply")
@api_auth_required
async def reply(request: Request, reference: str) -> HTTPResponse:
    """Reply to the patient: emailed when they left an address, kept on the ticket, put in
    their chat when the ticket has one."""
    username = await _username(request)
    text = _body(request).get("text")
    if not isinstance(text, str) or not text.strip():
        return api_error(400, "bad_reply", 'write the reply: {"text": "..."}')
    state = state_of(request)
    mailer, chat = PatientMailer(state.settings.smtp), ChatPusher.from_settings(state.settings)
    try:
        ticket = await run_blocking(
            request, send_reply, state.tickets, mailer, reference, username, text, chat
        )
    except DraftError as exc:
        return api_error(400, "bad_reply", str(exc))
    except TicketError as exc:
        return transition_error(exc)
    return json(ticket.to_detail_dict() | {"reply": ticket.replies[-1].to_dict()}, status=201)


@blueprint.post("/tickets/<reference>/contact")
@api_auth_required
async def log_contact(request: Request, reference: str) -> HTTPResponse:
    """Log a contact attempt: ``call``, ``no_answer`` or ``email``, with an optional note."""
    username = await _username(request)
    body = _body(request)
    kind = body.get("kind")
    if kind not in LOGGED_CONTACT_KINDS:
        return api_error(400, "bad_request", f"kind must be one of {', '.join(LOGGED_CONTACT_KINDS)}")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        return api_error(400, "bad_request", "note must be text")
    tickets = state_of(request).tickets
    try:
        ticket = await run_blocking(request, tickets.log_contact, reference, username, str(kind), note)
    except TicketError as exc:
        return transition_error(exc)
    return json(ticket.to_detail_dict(), status=201)


async def _transition(
    request: Request, reference: str, action: str, *, to: str | None = None, reopen_to: str = "claimed"
) -> HTTPResponse:
    """Apply a lifecycle action as the logged-in consultant; errors as documented above."""
    username = await _username(request)
    note = _body(request).get("note")
    try:
        ticket = await run_blocking(
            request,
            lambda: state_of(request).tickets.transition(
                reference,
                username,
                action,
                to=to,
                reopen_to=reopen_to,
                note=str(note) if note else None,
            ),
        )
    except TicketError as exc:
        return transition_error(exc)
    return json(ticket.to_detail_dict())


def transition_error(exc: TicketError) -> HTTPResponse:
    """The API's answer to a refused lifecycle action."""
    if isinstance(exc, TicketNotFoundError):
        return api_error(404, "not_found", str(exc))
    if isinstance(exc, NotAllowedError):
        return api_error(403, "not_allowed", str(exc))
    codes: list[tuple[type[TicketError], str]] = [
        (NotClaimedError, "not_claimed"),
        (AlreadyResolvedError, "already_resolved"),
        (AlreadyClaimedError, "already_claimed"),
        (TicketChangedError, "conflict"),
        (TicketStateError, "bad_state"),
    ]
    for kind, code in codes:
        if isinstance(exc, kind):
            return api_error(409, code, str(exc))
    if isinstance(exc, ConsultantError):
        return api_error(400, "unknown_consultant", str(exc))
    if isinstance(exc, DraftError):
        return api_error(400, "bad_note", str(exc))
    raise exc


def _filters(request: Request) -> dict[str, Any] | HTTPResponse:
    """The list filters of the query string (status, urgent, drug, include_test), or a 400."""
    statuses = [part.strip() for part in (request.args.get("status") or "").split(",") if part.strip()]
    if any(status not in STATUSES for status in statuses):
        return api_error(400, "bad_filter", f"status must be one or more of {', '.join(STATUSES)}")
    urgent_arg = (request.args.get("urgent") or "").lower()
    if urgent_arg and urgent_arg not in BOOLEANS:
        return api_error(400, "bad_filter", "urgent must be true or false")
    include_arg = (request.args.get("include_test") or "").lower()
    if include_arg and include_arg not in BOOLEANS:
        return api_error(400, "bad_filter", "include_test must be true or false")
    return {
        "statuses": statuses or None,
        "urgent": BOOLEANS.get(urgent_arg),
        "drug": request.args.get("drug") or None,
        "include_test": BOOLEANS.get(include_arg, False),
    }


def _with_overdue(ticket: TicketRecord, data: dict[str, Any], after: timedelta) -> dict[str, Any]:
    data["overdue"] = is_overdue(ticket, utcnow(), after)
    data["test"] = ticket.test
    return data


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
