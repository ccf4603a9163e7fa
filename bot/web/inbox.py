"""The consultant inbox pages: the ticket list, a ticket, and its actions.

Owns ``/inbox`` (list with filters: status, urgency, drug; urgent first, then newest),
``/inbox/tickets/<reference>`` (contact details, question, transcript, audit trail) and
the POST actions claim, note and resolve, each followed by a redirect back to the
ticket with a fixed message (nothing the user typed is reflected).
"""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyResolvedError,
    DraftError,
    TicketNotFoundError,
)
from bot.tickets.models import STATUSES
from bot.tickets.records import TicketRecord
from bot.tickets.references import is_reference, normalize_reference
from bot.web.auth import current_session, login_required
from bot.web.state import run_blocking, state_of
from bot.web.templating import render

blueprint = Blueprint("inbox", url_prefix="/inbox")

MESSAGES = {
    "claimed": "You claimed this ticket.",
    "noted": "Your note was added.",
    "resolved": "The ticket is resolved.",
    "already_claimed": "Another consultant claimed this ticket first.",
    "already_resolved": "This ticket is already resolved.",
    "empty_note": "The note was empty; nothing was added.",
}
URGENCY_FILTERS = {"": None, "urgent": True, "not_urgent": False}


@blueprint.get("")
@login_required
async def ticket_list(request: Request) -> HTTPResponse:
    state = state_of(request)
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    urgency = request.args.get("urgency", "")
    urgency = urgency if urgency in URGENCY_FILTERS else ""
    drug = (request.args.get("drug") or "").strip()[:200]

    def load() -> tuple[list[TicketRecord], list[str]]:
        tickets = state.tickets.list_tickets(
            status=status or None, urgent=URGENCY_FILTERS[urgency], drug=drug or None, limit=500
        )
        return tickets, state.tickets.drugs()

    tickets, drugs = await run_blocking(request, load)
    return render(
        state.templates,
        "inbox.html",
        title="Inbox",
        session=await current_session(request),
        tickets=tickets,
        drugs=drugs,
        statuses=STATUSES,
        filters={"status": status, "urgency": urgency, "drug": drug},
        filtered=bool(status or urgency or drug),
    )


@blueprint.get("/tickets/<reference>")
@login_required
async def ticket_page(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    session = await current_session(request)
    reference = normalize_reference(reference)
    if not is_reference(reference):
        return _not_found(request, reference)
    try:
        ticket = await run_blocking(request, state.tickets.get, reference)
    except TicketNotFoundError:
        return _not_found(request, reference)
    message_code = request.args.get("message", "")
    return render(
        state.templates,
        "ticket.html",
        title=f"Ticket {ticket.reference}",
        session=session,
        ticket=ticket,
        message=MESSAGES.get(message_code),
        message_is_error=message_code.startswith(("already", "empty")),
    )


@blueprint.post("/tickets/<reference>/claim")
@login_required
async def claim(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    username = await _username(request)
    try:
        await run_blocking(request, state.tickets.claim, reference, username)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except AlreadyClaimedError:
        return _back(reference, "already_claimed")
    except AlreadyResolvedError:
        return _back(reference, "already_resolved")
    return _back(reference, "claimed")


@blueprint.post("/tickets/<reference>/notes")
@login_required
async def add_note(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    username = await _username(request)
    text = request.form.get("note") or ""
    try:
        await run_blocking(request, state.tickets.add_note, reference, username, text)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except DraftError:
        return _back(reference, "empty_note")
    return _back(reference, "noted")


@blueprint.post("/tickets/<reference>/resolve")
@login_required
async def resolve(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    username = await _username(request)
    note = request.form.get("note") or None
    try:
        await run_blocking(request, state.tickets.resolve, reference, username, note)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except AlreadyResolvedError:
        return _back(reference, "already_resolved")
    return _back(reference, "resolved")


async def _username(request: Request) -> str:
    session = await current_session(request)
    assert session is not None  # guaranteed by login_required
    return session.consultant.username


def _back(reference: str, message: str) -> HTTPResponse:
    return redirect(f"/inbox/tickets/{reference}?message={message}", status=303)


def _not_found(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    return render(
        state.templates,
        "error.html",
        status=404,
        title="No such ticket",
        message=f"There is no ticket {reference}.",
        session=request.ctx.session,
    )
